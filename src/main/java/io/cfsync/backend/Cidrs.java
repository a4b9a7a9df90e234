package io.cfsync.backend;

import com.google.common.collect.ImmutableList;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * CIDR text to address ranges and back at the volume of a 100k-prefix set: what a tool
 * prints ({@code ipset save}, {@code iptables-save}) is read back on every run, and what
 * cfsync writes is rendered from ranges. IPv4 goes through {@code long} arithmetic instead of
 * {@code InetAddress} and {@link Prefix} objects; IPv6 (rarely large) takes the strict
 * {@link Prefix} path. Both accept exactly the canonical forms the tools print.
 */
public final class Cidrs {

  private Cidrs() {}

  /** Collects CIDRs (or bare host addresses) into a {@link PrefixSet}. */
  public static final class Collector {
    private final PrefixSet.Builder set = new PrefixSet.Builder();
    private int size;

    /** Adds {@code text}; false (and nothing added) when it is no canonical CIDR or host. */
    public boolean add(String text) {
      byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
      return add(b, 0, b.length);
    }

    /**
     * Adds the CIDR at {@code text[from, to)}, ISO-8859-1 bytes: how a tool's whole output is
     * read without a string per line or element (a character beyond Latin-1 became '?', which
     * no CIDR holds).
     */
    public boolean add(byte[] text, int from, int to) {
      long r = parseV4(text, from, to);
      if (r >= 0) {
        long first = r >>> 6;
        set.add(Family.V4, 0, first, 0, first + (1L << (32 - (r & 63))) - 1);
        size++;
        return true;
      }
      for (int i = from; i < to; i++) {
        if (text[i] == ':') {
          return addV6(new String(text, from, to - from, StandardCharsets.ISO_8859_1));
        }
      }
      return false;
    }

    private boolean addV6(String text) {
      Optional<Prefix> p = Prefix.tryParse(text.indexOf('/') >= 0 ? text : text + "/128");
      if (p.isEmpty() || p.get().family() != Family.V6) {
        return false;
      }
      set.add(p.get());
      size++;
      return true;
    }

    public int size() {
      return size;
    }

    public PrefixSet build() {
      return set.build();
    }
  }

  /**
   * {@code a.b.c.d} or {@code a.b.c.d/len} to {@code [first, end)}; null unless it is a
   * dotted quad without leading zeros and with no host bits set.
   */
  static long[] parseV4(String s) {
    byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
    long r = parseV4(b, 0, b.length);
    return r < 0 ? null : new long[] {r >>> 6, (r >>> 6) + (1L << (32 - (r & 63)))};
  }

  /**
   * {@link #parseV4(String)} on ISO-8859-1 bytes {@code s[from, to)} without allocating: the
   * first address shifted left by 6 bits, or'ed with the prefix length; -1 when it is no
   * canonical CIDR.
   */
  static long parseV4(byte[] s, int from, int to) {
    int n = to;
    long addr = 0;
    int i = from;
    for (int octet = 0; octet < 4; octet++) {
      int start = i;
      int v = 0;
      while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
        v = v * 10 + (s[i] - '0');
        i++;
      }
      if (i == start || v > 255 || (i - start > 1 && s[start] == '0')) {
        return -1;
      }
      addr = addr << 8 | v;
      if (octet < 3) {
        if (i >= n || s[i] != '.') {
          return -1;
        }
        i++;
      }
    }
    int len = 32;
    if (i < n) {
      if (s[i] != '/' || i + 1 >= n || n - i - 1 > 2) {
        return -1;
      }
      len = 0;
      for (int k = i + 1; k < n; k++) {
        int c = s[k];
        if (c < '0' || c > '9') {
          return -1;
        }
        len = len * 10 + (c - '0');
      }
      if (len > 32 || (n - i - 1 == 2 && s[i + 1] == '0')) {
        return -1;
      }
    }
    long size = 1L << (32 - len);
    if ((addr & (size - 1)) != 0) {
      return -1;
    }
    return addr << 6 | len;
  }

  /**
   * Appends one line per CIDR of {@link #of}, {@code before} ahead of each: a restore
   * script's {@code add} lines written straight into the script, without a string per prefix.
   */
  public static void appendLines(PrefixSet set, Family f, String before, StringBuilder out) {
    if (f == Family.V6) {
      for (Prefix p : set.prefixes(f)) {
        out.append(before).append(p).append('\n');
      }
      return;
    }
    set.forEachBlock(Family.V4, (hi, lo, size) ->
        appendV4(out.append(before), lo, 32 - size).append('\n'));
  }

  /** The fewest CIDRs covering {@code set}'s addresses of {@code f}, ascending, as text. */
  public static ImmutableList<String> of(PrefixSet set, Family f) {
    ImmutableList.Builder<String> out = ImmutableList.builder();
    if (f == Family.V6) {
      for (Prefix p : set.prefixes(f)) {
        out.add(p.toString());
      }
      return out.build();
    }
    StringBuilder sb = new StringBuilder(18);
    set.forEachBlock(Family.V4, (hi, lo, size) -> {
      sb.setLength(0);
      out.add(appendV4(sb, lo, 32 - size).toString());
    });
    return out.build();
  }

  /** {@code a.b.c.d/len} of the IPv4 address {@code addr}, without an object per part. */
  private static StringBuilder appendV4(StringBuilder sb, long addr, int len) {
    return sb.append(addr >>> 24 & 255).append('.').append(addr >>> 16 & 255).append('.')
        .append(addr >>> 8 & 255).append('.').append(addr & 255).append('/').append(len);
  }
}
