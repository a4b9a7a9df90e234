package io.cfsync.backend.nftables;

import com.google.common.net.InetAddresses;
import io.cfsync.model.Family;
import java.math.BigInteger;
import java.util.Optional;

/**
 * Addresses as nft prints them, to unsigned integers. IPv4 is parsed by hand: it is most of a
 * 100k-element listing, and a general parser spent more time than nft itself.
 */
final class Addresses {

  /** An address's family and value. */
  record Addr(Family family, BigInteger value) {}

  private static final BigInteger MAPPED = BigInteger.valueOf(0xffffL).shiftLeft(32);

  private Addresses() {}

  static Optional<Addr> parse(String s) {
    if (s.indexOf(':') < 0) {
      long v = v4(s);
      return v < 0 ? Optional.empty() : Optional.of(new Addr(Family.V4, BigInteger.valueOf(v)));
    }
    if (s.indexOf('%') >= 0 || !InetAddresses.isInetAddress(s)) {
      return Optional.empty();
    }
    byte[] b = InetAddresses.forString(s).getAddress();
    BigInteger v = new BigInteger(1, b);
    // guava hands ::ffff:a.b.c.d back as IPv4; in an IPv6 set it is the IPv6 address.
    return Optional.of(new Addr(Family.V6, b.length == 4 ? MAPPED.or(v) : v));
  }

  /** A dotted quad as an unsigned value, or -1. */
  static long v4(String s) {
    long value = 0;
    int parts = 0;
    int i = 0;
    int n = s.length();
    while (i < n) {
      int start = i;
      long octet = 0;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
        octet = octet * 10 + (s.charAt(i) - '0');
        i++;
      }
      if (i == start || octet > 255) {
        return -1;
      }
      value = (value << 8) | octet;
      parts++;
      if (i == n) {
        break;
      }
      if (s.charAt(i) != '.' || parts == 4) {
        return -1;
      }
      i++;
      if (i == n) {
        return -1;
      }
    }
    return parts == 4 ? value : -1;
  }
}
