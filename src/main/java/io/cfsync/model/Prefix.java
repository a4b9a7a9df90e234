package io.cfsync.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.net.InetAddresses;
import java.math.BigInteger;
import java.net.InetAddress;
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
    checkArgument(length >= 0 && length <= bits, "length %s out of range for %s", length, network);
    checkArgument(hostBitsClear(network, length), "host bits set: %s/%s",
        InetAddresses.toAddrString(network), length);
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
    if (Family.of(address) != family()) {
      return false;
    }
    BigInteger a = new BigInteger(1, address.getAddress());
    return a.compareTo(first()) >= 0 && a.compareTo(end()) < 0;
  }

  public boolean contains(Prefix other) {
    return other.family() == family()
        && other.length >= length
        && other.first().compareTo(first()) >= 0
        && other.end().compareTo(end()) <= 0;
  }

  public boolean overlaps(Prefix other) {
    return other.family() == family()
        && other.first().compareTo(end()) < 0
        && first().compareTo(other.end()) < 0;
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
    c = first().compareTo(o.first());
    return c != 0 ? c : Integer.compare(length, o.length);
  }

  /** Parses {@code text} strictly; throws {@link IllegalArgumentException} naming the reason. */
  public static Prefix parse(String text) {
    checkNotNull(text, "text");
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("\"" + text + "\" is not a CIDR"
          + (parseAddress(text).isPresent() ? " (no /length)" : ""));
    }
    String addr = text.substring(0, slash);
    String len = text.substring(slash + 1);
    if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(ch -> ch >= '0' && ch <= '9')
        || (len.length() > 1 && len.charAt(0) == '0')) {
      throw new IllegalArgumentException("\"" + text + "\" has no valid prefix length");
    }
    InetAddress address = parseAddress(addr)
        .orElseThrow(() -> new IllegalArgumentException("\"" + text + "\" is not a CIDR"));
    int length = Integer.parseInt(len);
    int bits = Family.of(address).bits();
    if (length > bits) {
      throw new IllegalArgumentException("\"" + text + "\" has prefix length " + length
          + " beyond " + bits);
    }
    if (!hostBitsClear(address, length)) {
      throw new IllegalArgumentException("\"" + text + "\" has host bits set (network is "
          + InetAddresses.toAddrString(mask(address, length)) + "/" + length + ")");
    }
    return new Prefix(address, length);
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
    if (addr.isEmpty() || addr.indexOf('%') >= 0 || addr.indexOf('[') >= 0) {
      return Optional.empty();
    }
    boolean v6Text = addr.indexOf(':') >= 0;
    if (!v6Text && !plainDottedQuad(addr)) {
      return Optional.empty();
    }
    if (!InetAddresses.isInetAddress(addr)) {
      return Optional.empty();
    }
    InetAddress a = InetAddresses.forString(addr);
    if (v6Text && Family.of(a) != Family.V6) {
      return Optional.empty();
    }
    return Optional.of(a);
  }

  private static boolean plainDottedQuad(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(ch -> ch >= '0' && ch <= '9')
          || (p.length() > 1 && p.charAt(0) == '0')) {
        return false;
      }
    }
    return true;
  }

  static boolean hostBitsClear(InetAddress address, int length) {
    byte[] b = address.getAddress();
    int bits = b.length * 8;
    if (length < 0 || length > bits) {
      return false;
    }
    for (int i = length; i < bits; i++) {
      if ((b[i >> 3] & (0x80 >> (i & 7))) != 0) {
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
      return b.length == 16 ? java.net.Inet6Address.getByAddress(null, b, -1)
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
