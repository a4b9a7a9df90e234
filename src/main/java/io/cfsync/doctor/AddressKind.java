package io.cfsync.doctor;

import com.google.common.collect.ImmutableList;
import io.cfsync.model.Prefix;
import java.net.InetAddress;

/**
 * Where a bound address can be reached from. Documentation ranges count as public: doctor
 * cannot tell a test network from the Internet, and they are what the tests use.
 */
public enum AddressKind {
  UNSPECIFIED,
  LOOPBACK,
  LINK_LOCAL,
  /** RFC 1918, carrier-grade NAT (RFC 6598) and IPv6 unique local (fc00::/7). */
  PRIVATE,
  PUBLIC;

  private static final ImmutableList<Prefix> PRIVATE_RANGES = ImmutableList.of(
      Prefix.parse("10.0.0.0/8"), Prefix.parse("172.16.0.0/12"),
      Prefix.parse("192.168.0.0/16"), Prefix.parse("100.64.0.0/10"), Prefix.parse("fc00::/7"));

  public static AddressKind of(InetAddress a) {
    if (a.isAnyLocalAddress()) {
      return UNSPECIFIED;
    }
    if (a.isLoopbackAddress()) {
      return LOOPBACK;
    }
    if (a.isLinkLocalAddress()) {
      return LINK_LOCAL;
    }
    for (Prefix p : PRIVATE_RANGES) {
      if (p.contains(a)) {
        return PRIVATE;
      }
    }
    return PUBLIC;
  }

  /** An address other hosts could connect to (not loopback or link-local). */
  public boolean routable() {
    return this == PRIVATE || this == PUBLIC;
  }
}
