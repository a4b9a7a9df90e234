package io.cfsync.source;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * What a list must satisfy beyond syntax. {@code minV4}/{@code minV6} guard against
 * truncated downloads (Cloudflare publishes about 15 and 7); the broadest lengths stop a
 * list from opening a large part of the Internet.
 */
public record Limits(int minV4, int minV6, int broadestV4, int broadestV6, long maxBodyBytes) {

  /** 10 IPv4 and 4 IPv6 prefixes at least, none broader than /8 or /16, bodies up to 1 MiB. */
  public static final Limits DEFAULT = new Limits(10, 4, 8, 16, 1 << 20);

  public Limits {
    checkArgument(minV4 >= 0 && minV6 >= 0, "minimum counts must not be negative");
    checkArgument(broadestV4 >= 1 && broadestV4 <= 32, "broadest IPv4 length %s", broadestV4);
    checkArgument(broadestV6 >= 1 && broadestV6 <= 128, "broadest IPv6 length %s", broadestV6);
    checkArgument(maxBodyBytes > 0, "body cap must be positive");
  }

  public Limits withMinimums(int v4, int v6) {
    return new Limits(v4, v6, broadestV4, broadestV6, maxBodyBytes);
  }
}
