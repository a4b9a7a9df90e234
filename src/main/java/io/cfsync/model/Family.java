package io.cfsync.model;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/** An address family, with the facts every backend needs spelled once. */
public enum Family {
  V4(32, "ipv4", "ip", "inet"),
  V6(128, "ipv6", "ip6", "inet6");

  private final int bits;
  private final String label;
  private final String nftKeyword;
  private final String ipsetFamily;
  private final BigInteger size;

  Family(int bits, String label, String nftKeyword, String ipsetFamily) {
    this.bits = bits;
    this.label = label;
    this.nftKeyword = nftKeyword;
    this.ipsetFamily = ipsetFamily;
    this.size = BigInteger.ONE.shiftLeft(bits);
  }

  public int bits() {
    return bits;
  }

  /** "ipv4" / "ipv6": the word used in messages, JSON keys and Cloudflare's API. */
  public String label() {
    return label;
  }

  /** "ip" / "ip6": the nft payload protocol keyword ({@code ip saddr}, {@code ip6 saddr}). */
  public String nftKeyword() {
    return nftKeyword;
  }

  /** "inet" / "inet6": ipset's {@code family} argument. */
  public String ipsetFamily() {
    return ipsetFamily;
  }

  /** The number of addresses in the family: 2^32 or 2^128. */
  public BigInteger size() {
    return size;
  }

  /** "4" or "6", as in {@code --family 4}. */
  public String digit() {
    return this == V4 ? "4" : "6";
  }

  public static Family of(InetAddress address) {
    if (address instanceof Inet4Address) {
      return V4;
    }
    if (address instanceof Inet6Address) {
      return V6;
    }
    throw new IllegalArgumentException("unexpected address type: " + address);
  }
}
