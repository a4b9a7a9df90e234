package io.cfsync.backend;

/** What cfsync's rules do on the protected ports. */
public enum Policy {
  /** Make sure Cloudflare's edge is let in; other sources are left to the host's rules. */
  ALLOW,
  /** Also refuse every other source on the protected ports (loopback and extras excepted). */
  RESTRICT;

  public String word() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
