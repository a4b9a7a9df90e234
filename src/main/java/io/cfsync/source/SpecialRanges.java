package io.cfsync.source;

import com.google.common.collect.ImmutableMap;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import java.math.BigInteger;
import java.util.Map;
import java.util.Optional;

/**
 * Address blocks that can never be a CDN's public edge (RFC 6890 and successors). A list
 * that names any of them is not Cloudflare's list, whatever the server said.
 */
final class SpecialRanges {

  private static final ImmutableMap<Prefix, String> RANGES = ImmutableMap.<Prefix, String>builder()
      .put(Prefix.parse("0.0.0.0/8"), "\"this network\" (RFC 791)")
      .put(Prefix.parse("10.0.0.0/8"), "private (RFC 1918)")
      .put(Prefix.parse("100.64.0.0/10"), "carrier-grade NAT (RFC 6598)")
      .put(Prefix.parse("127.0.0.0/8"), "loopback")
      .put(Prefix.parse("169.254.0.0/16"), "link-local")
      .put(Prefix.parse("172.16.0.0/12"), "private (RFC 1918)")
      .put(Prefix.parse("192.0.0.0/24"), "IETF protocol assignments (RFC 6890)")
      .put(Prefix.parse("192.0.2.0/24"), "documentation (TEST-NET-1)")
      .put(Prefix.parse("192.168.0.0/16"), "private (RFC 1918)")
      .put(Prefix.parse("198.18.0.0/15"), "benchmarking (RFC 2544)")
      .put(Prefix.parse("198.51.100.0/24"), "documentation (TEST-NET-2)")
      .put(Prefix.parse("203.0.113.0/24"), "documentation (TEST-NET-3)")
      .put(Prefix.parse("224.0.0.0/4"), "multicast")
      .put(Prefix.parse("240.0.0.0/4"), "reserved (including broadcast)")
      .put(Prefix.parse("::/128"), "unspecified")
      .put(Prefix.parse("::1/128"), "loopback")
      // Built from its number: every parser turns ::ffff:0:0 into an IPv4 address.
      .put(Prefix.of(Family.V6, BigInteger.valueOf(0xffffL).shiftLeft(32), 96), "IPv4-mapped")
      .put(Prefix.parse("100::/64"), "discard-only (RFC 6666)")
      .put(Prefix.parse("2001:db8::/32"), "documentation")
      .put(Prefix.parse("3fff::/20"), "documentation (RFC 9637)")
      .put(Prefix.parse("fc00::/7"), "unique local (ULA)")
      .put(Prefix.parse("fe80::/10"), "link-local")
      .put(Prefix.parse("fec0::/10"), "site-local (deprecated)")
      .put(Prefix.parse("ff00::/8"), "multicast")
      .buildOrThrow();

  /** The blocks' network bytes, computed once: every prefix of every list is checked. */
  private static final byte[][] NETWORKS = new byte[RANGES.size()][];
  private static final int[] LENGTHS = new int[RANGES.size()];

  static {
    int i = 0;
    for (Prefix p : RANGES.keySet()) {
      NETWORKS[i] = p.network().getAddress();
      LENGTHS[i++] = p.length();
    }
  }

  private SpecialRanges() {}

  /** The first special block {@code p} overlaps, with its description. */
  static Optional<Map.Entry<Prefix, String>> overlapping(Prefix p) {
    byte[] b = p.network().getAddress();
    for (int i = 0; i < NETWORKS.length; i++) {
      // Two prefixes overlap when they agree on the shorter one's bits.
      if (NETWORKS[i].length == b.length
          && sameLeadingBits(NETWORKS[i], b, Math.min(LENGTHS[i], p.length()))) {
        return Optional.of(RANGES.entrySet().asList().get(i));
      }
    }
    return Optional.empty();
  }

  private static boolean sameLeadingBits(byte[] a, byte[] b, int bits) {
    int whole = bits >> 3;
    for (int i = 0; i < whole; i++) {
      if (a[i] != b[i]) {
        return false;
      }
    }
    int rest = bits & 7;
    return rest == 0 || ((a[whole] ^ b[whole]) & (0xff00 >> rest) & 0xff) == 0;
  }
}
