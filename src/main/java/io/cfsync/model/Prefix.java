package io.cfsync.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.net.InetAddresses;
import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Optional;

/**
 * One CIDR prefix in canonical form: the network address (host bits clear) and its length.
 *
 * <p>{@link #parse} is strict on purpose: it is the gate every outside byte passes through.
 * It accepts exactly {@code ADDRESS/LENGTH} with a decimal length, rejects host bits, zone
 * ids, leading zeros and IPv4-mapped IPv6 (guava silently turns {@code ::ffff:a.b.c.d} into
 * an {@code Inet4Address}, which would smuggle an IPv4 prefix into an IPv6 list).
 */
public record Prefix(InetAddress network, int length) implements Comparable<Prefix> {

  public Prefix {
    checkNotNull(network, "network");
    int bits = Family.of(network).bits();
    // Spelled out rather than checkArgument(cond, fmt, args): the message arguments would be
    // formatted for every prefix built, and sets are built from 100k of them.
    if (length < 0 || length > bits) {
      throw new IllegalArgumentException("length " + length + " out of range for " + network);
    }
    if (!hostBitsClear(network, length)) {
      throw new IllegalArgumentException("host bits set: " + InetAddresses.toAddrString(network)
          + "/" + length);
    }
  }

  public Family family() {
    return Family.of(network);
  }

  /** The first address as an unsigned integer. */
  public BigInteger first() {
    return new BigInteger(1, network.getAddress());
  }

  /** One past the last address: ranges are closed-open so adjacent prefixes coalesce. */
  public BigInteger end() {
    return first().add(BigInteger.ONE.shiftLeft(family().bits() - length));
  }

  /** The number of addresses covered. */
  public BigInteger size() {
    return BigInteger.ONE.shiftLeft(family().bits() - length);
  }

  public boolean contains(InetAddress address) {
    return Family.of(address) == family()
        && sameLeadingBits(network.getAddress(), address.getAddress(), length);
  }

  public boolean contains(Prefix other) {
    return other.family() == family()
        && other.length >= length
        && sameLeadingBits(network.getAddress(), other.network.getAddress(), length);
  }

  public boolean overlaps(Prefix other) {
    // Two prefixes overlap exactly when the shorter one contains the other's network.
    return other.family() == family()
        && sameLeadingBits(network.getAddress(), other.network.getAddress(),
            Math.min(length, other.length));
  }

  // equals and hashCode spelled out: a record's generated ones are linked through
  // invokedynamic (ObjectMethods) on first use, which spins method-handle classes that a CDS
  // archive does not keep: about 8 ms of every short run, for two one-line methods.
  @Override
  public boolean equals(Object o) {
    return o instanceof Prefix p && length == p.length && network.equals(p.network);
  }

  @Override
  public int hashCode() {
    return 31 * network.hashCode() + length;
  }

  /** Canonical text: {@code 104.16.0.0/13}, {@code 2606:4700::/32}. */
  @Override
  public String toString() {
    return InetAddresses.toAddrString(network) + "/" + length;
  }

  @Override
  public int compareTo(Prefix o) {
    int c = family().compareTo(o.family());
    if (c != 0) {
      return c;
    }
    // Unsigned byte order is numeric order, without a BigInteger per comparison.
    c = Arrays.compareUnsigned(network.getAddress(), o.network.getAddress());
    return c != 0 ? c : Integer.compare(length, o.length);
  }

  /** Parses {@code text} strictly; throws {@link IllegalArgumentException} naming the reason. */
  public static Prefix parse(String text) {
    checkNotNull(text, "text");
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("\"" + text + "\" is not a CIDR"
          + (address(text) != null ? " (no /length)" : ""));
    }
    int length = parseLength(text, slash + 1);
    if (length < 0) {
      throw new IllegalArgumentException("\"" + text + "\" has no valid prefix length");
    }
    byte[] bytes = addressBytes(text, 0, slash);
    if (bytes == null) {
      throw new IllegalArgumentException("\"" + text + "\" is not a CIDR");
    }
    InetAddress address = fromBytes(bytes);
    int bits = bytes.length * 8;
    if (length > bits) {
      throw new IllegalArgumentException("\"" + text + "\" has prefix length " + length
          + " beyond " + bits);
    }
    if (!hostBitsClear(bytes, length)) {
      throw new IllegalArgumentException("\"" + text + "\" has host bits set (network is "
          + InetAddresses.toAddrString(mask(address, length)) + "/" + length + ")");
    }
    return new Prefix(address, length);
  }

  /** The decimal length after the slash: 1 to 3 ASCII digits, no leading zero; else -1. */
  private static int parseLength(String text, int from) {
    int n = text.length() - from;
    if (n < 1 || n > 3 || (n > 1 && text.charAt(from) == '0')) {
      return -1;
    }
    int v = 0;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** Like {@link #parse} but returns empty instead of throwing. */
  public static Optional<Prefix> tryParse(String text) {
    try {
      return Optional.of(parse(text));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** A single host as a prefix: /32 or /128. */
  public static Prefix host(InetAddress address) {
    return new Prefix(address, Family.of(address).bits());
  }

  /**
   * Parses an address literal strictly: no zone id, no brackets, no IPv4-mapped IPv6, and
   * no IPv4 octets with leading zeros (which some parsers read as octal).
   */
  public static Optional<InetAddress> parseAddress(String addr) {
    return Optional.ofNullable(address(addr));
  }

  /** {@link #parseAddress} without the Optional: null when {@code addr} is not strict. */
  private static InetAddress address(String addr) {
    byte[] b = addressBytes(addr, 0, addr.length());
    return b == null ? null : fromBytes(b);
  }

  /**
   * The 4 or 16 bytes of the strict address literal in {@code s[from, to)}, or null. Parsed
   * by hand rather than by guava: no substring, no split, no buffer per address, which a
   * 100k-line list notices. PrefixTest checks it against guava on many inputs.
   */
  static byte[] addressBytes(String s, int from, int to) {
    if (from >= to) {
      return null;
    }
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == ':') {
        return ipv6(s, from, to);
      }
    }
    byte[] out = new byte[4];
    return dottedQuad(s, from, to, out, 0) ? out : null;
  }

  /**
   * Exactly four decimal octets, 0-255, ASCII digits, no leading zeros (which some parsers
   * read as octal), written into {@code out} at {@code at}.
   */
  private static boolean dottedQuad(String s, int from, int to, byte[] out, int at) {
    int part = 0;
    int value = 0;
    int digits = 0;
    for (int i = from; i <= to; i++) {
      char c = i < to ? s.charAt(i) : '.';
      if (c == '.') {
        if (digits == 0 || part == 4) {
          return false;
        }
        out[at + part++] = (byte) value;
        value = 0;
        digits = 0;
      } else if (c >= '0' && c <= '9') {
        if (digits == 3 || (digits == 1 && value == 0)) {
          return false; // a fourth digit, or a digit after a leading zero
        }
        value = value * 10 + (c - '0');
        if (value > 255) {
          return false;
        }
        digits++;
      } else {
        return false;
      }
    }
    return part == 4;
  }

  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /**
   * RFC 4291 text: up to eight groups of 1-4 hex digits, at most one {@code ::}, optionally a
   * dotted quad in place of the last two groups. IPv4-mapped addresses are refused: they are
   * IPv4 in disguise (guava and the JDK turn them into {@code Inet4Address}).
   */
  private static byte[] ipv6(String s, int from, int to) {
    byte[] out = new byte[16];
    int groups = 0; // 16-bit groups written so far
    int gap = -1; // where "::" stands, counted in groups
    int i = from;
    if (s.charAt(i) == ':') {
      if (i + 1 >= to || s.charAt(i + 1) != ':') {
        return null; // a single leading colon
      }
      gap = 0;
      i += 2;
    }
    while (i < to) {
      if (groups == 8) {
        return null;
      }
      int start = i;
      int value = 0;
      int d;
      while (i < to && i - start < 5 && (d = hexDigit(s.charAt(i))) >= 0) {
        value = value << 4 | d;
        i++;
      }
      if (i < to && s.charAt(i) == '.') {
        // A dotted quad stands for the last two groups.
        if (groups > 6 || (groups == 6 && gap >= 0)
            || !dottedQuad(s, start, to, out, groups * 2)) {
          return null;
        }
        groups += 2;
        break;
      }
      int digits = i - start;
      if (digits == 0 || digits > 4) {
        return null;
      }
      out[groups * 2] = (byte) (value >>> 8);
      out[groups * 2 + 1] = (byte) value;
      groups++;
      if (i == to) {
        break;
      }
      if (s.charAt(i) != ':') {
        return null;
      }
      i++;
      if (i < to && s.charAt(i) == ':') {
        if (gap >= 0) {
          return null; // a second "::"
        }
        gap = groups;
        i++;
      } else if (i == to) {
        return null; // a single trailing colon
      }
    }
    if (gap < 0 ? groups != 8 : groups > 7) {
      return null;
    }
    if (gap >= 0) {
      // The groups after "::" move to the end; the gap between them is zeros.
      int tail = (groups - gap) * 2;
      System.arraycopy(out, gap * 2, out, 16 - tail, tail);
      Arrays.fill(out, gap * 2, 16 - tail, (byte) 0);
    }
    boolean mapped = out[10] == (byte) 0xff && out[11] == (byte) 0xff;
    for (int k = 0; k < 10 && mapped; k++) {
      mapped = out[k] == 0;
    }
    return mapped ? null : out;
  }

  /** Whether the first {@code bits} bits of two equally long addresses are equal. */
  static boolean sameLeadingBits(byte[] a, byte[] b, int bits) {
    if (a.length != b.length) {
      return false;
    }
    int whole = bits >> 3;
    for (int i = 0; i < whole; i++) {
      if (a[i] != b[i]) {
        return false;
      }
    }
    int rest = bits & 7;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff00 >> rest) & 0xff;
    return ((a[whole] ^ b[whole]) & mask) == 0;
  }

  static boolean hostBitsClear(InetAddress address, int length) {
    return hostBitsClear(address.getAddress(), length);
  }

  static boolean hostBitsClear(byte[] b, int length) {
    if (length < 0 || length > b.length * 8) {
      return false;
    }
    int i = length >> 3;
    int rest = length & 7;
    if (rest != 0) {
      if ((b[i] & (0xff >> rest)) != 0) {
        return false;
      }
      i++;
    }
    for (; i < b.length; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  static InetAddress mask(InetAddress address, int length) {
    byte[] b = address.getAddress();
    for (int i = length; i < b.length * 8; i++) {
      b[i >> 3] &= (byte) ~(0x80 >> (i & 7));
    }
    return fromBytes(b);
  }

  /**
   * Bytes to an address of the family their length says. {@code InetAddress.getByAddress}
   * turns 16 bytes of {@code ::ffff:a.b.c.d} into an {@code Inet4Address}; an IPv6 range can
   * span that block, so IPv6 bytes are built as {@code Inet6Address} explicitly.
   */
  static InetAddress fromBytes(byte[] b) {
    try {
      return b.length == 16 ? Inet6Address.getByAddress(null, b, -1)
          : InetAddress.getByAddress(b);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** Builds the prefix starting at {@code first} (an unsigned integer) of the given family. */
  public static Prefix of(Family family, BigInteger first, int length) {
    return new Prefix(toAddress(family, first), length);
  }

  static InetAddress toAddress(Family family, BigInteger value) {
    int bytes = family.bits() / 8;
    byte[] raw = value.toByteArray();
    byte[] out = new byte[bytes];
    int copy = Math.min(raw.length, bytes);
    System.arraycopy(raw, raw.length - copy, out, bytes - copy, copy);
    return fromBytes(out);
  }

  /** The address {@code offset} past the start of this prefix (for sample addresses). */
  public InetAddress addressAt(BigInteger offset) {
    checkArgument(offset.signum() >= 0 && offset.compareTo(size()) < 0, "offset %s outside %s",
        offset, this);
    return toAddress(family(), first().add(offset));
  }
}
