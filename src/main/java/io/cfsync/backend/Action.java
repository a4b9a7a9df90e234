package io.cfsync.backend;

/**
 * What restrict mode does to others: drop (the client times out; Cloudflare would call it
 * 522) or reject with a TCP reset (refused at once; 521).
 */
public enum Action {
  DROP,
  REJECT;

  public String word() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
