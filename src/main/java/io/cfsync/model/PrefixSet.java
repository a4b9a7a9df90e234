package io.cfsync.model;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.BoundType;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableRangeSet;
import com.google.common.collect.Range;
import com.google.common.collect.TreeRangeSet;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable set of addresses, both families, held as closed-open ranges of unsigned
 * integers. Two sets are equal when they cover the same addresses, whatever prefixes built
 * them: {@code 104.16.0.0/13 + 104.24.0.0/14} equals nft's auto-merged range
 * {@code 104.16.0.0-104.27.255.255}.
 */
public final class PrefixSet {

  private static final PrefixSet EMPTY =
      new PrefixSet(ImmutableRangeSet.of(), ImmutableRangeSet.of());

  private final ImmutableRangeSet<BigInteger> v4;
  private final ImmutableRangeSet<BigInteger> v6;

  private PrefixSet(ImmutableRangeSet<BigInteger> v4, ImmutableRangeSet<BigInteger> v6) {
    this.v4 = v4;
    this.v6 = v6;
  }

  public static PrefixSet empty() {
    return EMPTY;
  }

  public static PrefixSet of(Prefix... prefixes) {
    return of(ImmutableList.copyOf(prefixes));
  }

  /**
   * Collapses any prefixes (overlapping, adjacent, duplicated, mixed families) into a set.
   * The prefixes are sorted as primitive keys and coalesced in one pass: a tree of
   * {@code BigInteger} ranges costs seconds for 100k prefixes, this costs milliseconds.
   */
  public static PrefixSet of(Iterable<Prefix> prefixes) {
    LongList v4 = new LongList();
    List<long[]> v6 = new ArrayList<>();
    for (Prefix p : prefixes) {
      byte[] b = p.network().getAddress();
      if (b.length == 4) {
        long first = ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8)
            | (b[3] & 0xffL);
        v4.add(first << 6 | p.length());
      } else {
        v6.add(new long[] {word(b, 0), word(b, 8), p.length()});
      }
    }
    return new PrefixSet(coalesceV4(v4.sorted()), coalesceV6(v6));
  }

  /** Keys are {@code first << 6 | length}; sorted, they come in address order. */
  private static ImmutableRangeSet<BigInteger> coalesceV4(long[] keys) {
    ImmutableRangeSet.Builder<BigInteger> out = ImmutableRangeSet.builder();
    long start = -1;
    long end = -1; // exclusive; fits in a long even for 0.0.0.0/0
    for (long k : keys) {
      long first = k >>> 6;
      long last = first + (1L << (32 - (int) (k & 63))) - 1;
      if (start >= 0 && first <= end) {
        end = Math.max(end, last + 1);
        continue;
      }
      if (start >= 0) {
        out.add(Range.closedOpen(BigInteger.valueOf(start), BigInteger.valueOf(end)));
      }
      start = first;
      end = last + 1;
    }
    if (start >= 0) {
      out.add(Range.closedOpen(BigInteger.valueOf(start), BigInteger.valueOf(end)));
    }
    return out.build();
  }

  /** Entries are {high 64 bits, low 64 bits, length}; 128-bit unsigned arithmetic by hand. */
  private static ImmutableRangeSet<BigInteger> coalesceV6(List<long[]> entries) {
    entries.sort((x, y) -> {
      int c = Long.compareUnsigned(x[0], y[0]);
      return c != 0 ? c : Long.compareUnsigned(x[1], y[1]);
    });
    ImmutableRangeSet.Builder<BigInteger> out = ImmutableRangeSet.builder();
    boolean open = false;
    long startHi = 0;
    long startLo = 0;
    long lastHi = 0; // inclusive last address: the exclusive end of ::/0 needs 129 bits
    long lastLo = 0;
    for (long[] e : entries) {
      int hostBits = 128 - (int) e[2];
      long maskHi = hostBits >= 64 ? (hostBits == 128 ? -1L : (1L << (hostBits - 64)) - 1) : 0;
      long maskLo = hostBits >= 64 ? -1L : (1L << hostBits) - 1;
      long eLastHi = e[0] | maskHi;
      long eLastLo = e[1] | maskLo;
      if (open && touches(lastHi, lastLo, e[0], e[1])) {
        if (compare(eLastHi, eLastLo, lastHi, lastLo) > 0) {
          lastHi = eLastHi;
          lastLo = eLastLo;
        }
        continue;
      }
      if (open) {
        out.add(Range.closedOpen(big(startHi, startLo), bigEnd(lastHi, lastLo)));
      }
      open = true;
      startHi = e[0];
      startLo = e[1];
      lastHi = eLastHi;
      lastLo = eLastLo;
    }
    if (open) {
      out.add(Range.closedOpen(big(startHi, startLo), bigEnd(lastHi, lastLo)));
    }
    return out.build();
  }

  /** Whether a range ending at {@code last} (inclusive) overlaps or abuts one at {@code first}. */
  private static boolean touches(long lastHi, long lastLo, long firstHi, long firstLo) {
    if (lastHi == -1L && lastLo == -1L) {
      return true;
    }
    long nextLo = lastLo + 1;
    long nextHi = nextLo == 0 ? lastHi + 1 : lastHi;
    return compare(firstHi, firstLo, nextHi, nextLo) <= 0;
  }

  private static int compare(long aHi, long aLo, long bHi, long bLo) {
    int c = Long.compareUnsigned(aHi, bHi);
    return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
  }

  private static BigInteger big(long hi, long lo) {
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (hi >>> (56 - 8 * i));
      b[8 + i] = (byte) (lo >>> (56 - 8 * i));
    }
    return new BigInteger(1, b);
  }

  /** One past {@code last}: 2^128 for the very last address. */
  private static BigInteger bigEnd(long lastHi, long lastLo) {
    if (lastHi == -1L && lastLo == -1L) {
      return Family.V6.size();
    }
    long lo = lastLo + 1;
    return big(lo == 0 ? lastHi + 1 : lastHi, lo);
  }

  /** Eight bytes of an address from {@code at}, big-endian, as a long. */
  private static long word(byte[] b, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = v << 8 | (b[at + i] & 0xffL);
    }
    return v;
  }

  /** A growable long[]: 100k boxed Longs would be most of the work. */
  private static final class LongList {
    private long[] a = new long[64];
    private int n;

    void add(long v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    long[] sorted() {
      long[] out = Arrays.copyOf(a, n);
      Arrays.sort(out);
      return out;
    }
  }

  /**
   * Builds a set from address ranges, as tools such as nft list them. Any bounded ranges are
   * accepted (closed, open, overlapping, in any order); they are normalised to closed-open.
   */
  public static PrefixSet ofRanges(Family family, Iterable<Range<BigInteger>> ranges) {
    TreeRangeSet<BigInteger> set = TreeRangeSet.create();
    for (Range<BigInteger> r : ranges) {
      checkArgument(r.hasLowerBound() && r.hasUpperBound(), "unbounded range %s", r);
      BigInteger lo = r.lowerBoundType() == BoundType.CLOSED ? r.lowerEndpoint()
          : r.lowerEndpoint().add(BigInteger.ONE);
      BigInteger hi = r.upperBoundType() == BoundType.OPEN ? r.upperEndpoint()
          : r.upperEndpoint().add(BigInteger.ONE);
      checkArgument(lo.signum() >= 0 && hi.compareTo(family.size()) <= 0,
          "range %s outside the %s space", r, family.label());
      if (lo.compareTo(hi) < 0) {
        set.add(Range.closedOpen(lo, hi));
      }
    }
    ImmutableRangeSet<BigInteger> rs = ImmutableRangeSet.copyOf(set);
    return family == Family.V4 ? new PrefixSet(rs, ImmutableRangeSet.of())
        : new PrefixSet(ImmutableRangeSet.of(), rs);
  }

  /** The inclusive range {@code first..last} as a set, e.g. from nft's {@code "range"} element. */
  public static PrefixSet ofInclusiveRange(InetAddress first, InetAddress last) {
    Family f = Family.of(first);
    if (Family.of(last) != f) {
      throw new IllegalArgumentException("range " + first + "-" + last + " mixes families");
    }
    BigInteger lo = new BigInteger(1, first.getAddress());
    BigInteger hi = new BigInteger(1, last.getAddress()).add(BigInteger.ONE);
    if (lo.compareTo(hi) >= 0) {
      throw new IllegalArgumentException("range " + first + "-" + last + " is empty");
    }
    return ofRanges(f, ImmutableList.of(Range.closedOpen(lo, hi)));
  }

  public ImmutableRangeSet<BigInteger> ranges(Family family) {
    return family == Family.V4 ? v4 : v6;
  }

  /** This set restricted to one family. */
  public PrefixSet only(Family family) {
    return family == Family.V4 ? new PrefixSet(v4, ImmutableRangeSet.of())
        : new PrefixSet(ImmutableRangeSet.of(), v6);
  }

  public PrefixSet union(PrefixSet o) {
    return new PrefixSet(union(v4, o.v4), union(v6, o.v6));
  }

  public PrefixSet difference(PrefixSet o) {
    return new PrefixSet(difference(v4, o.v4), difference(v6, o.v6));
  }

  public PrefixSet intersection(PrefixSet o) {
    return new PrefixSet(intersection(v4, o.v4), intersection(v6, o.v6));
  }

  // The set operations below walk both sorted range lists once. Guava's own
  // ImmutableRangeSet.difference/intersection copy into a TreeRangeSet and remove range by
  // range (intersection through the complement), seconds for 100k ranges. Every range here is
  // closed-open, non-empty, and no two touch, which the walks rely on.

  private static ImmutableRangeSet<BigInteger> union(ImmutableRangeSet<BigInteger> a,
      ImmutableRangeSet<BigInteger> b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    List<Range<BigInteger>> x = a.asRanges().asList();
    List<Range<BigInteger>> y = b.asRanges().asList();
    ImmutableRangeSet.Builder<BigInteger> out = ImmutableRangeSet.builder();
    int i = 0;
    int j = 0;
    BigInteger lo = null;
    BigInteger hi = null;
    while (i < x.size() || j < y.size()) {
      Range<BigInteger> next = j >= y.size() || (i < x.size()
          && x.get(i).lowerEndpoint().compareTo(y.get(j).lowerEndpoint()) <= 0)
          ? x.get(i++) : y.get(j++);
      if (lo != null && next.lowerEndpoint().compareTo(hi) <= 0) {
        hi = hi.max(next.upperEndpoint());
        continue;
      }
      if (lo != null) {
        out.add(Range.closedOpen(lo, hi));
      }
      lo = next.lowerEndpoint();
      hi = next.upperEndpoint();
    }
    out.add(Range.closedOpen(lo, hi));
    return out.build();
  }

  private static ImmutableRangeSet<BigInteger> difference(ImmutableRangeSet<BigInteger> a,
      ImmutableRangeSet<BigInteger> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return a;
    }
    List<Range<BigInteger>> y = b.asRanges().asList();
    ImmutableRangeSet.Builder<BigInteger> out = ImmutableRangeSet.builder();
    int j = 0;
    for (Range<BigInteger> r : a.asRanges()) {
      BigInteger lo = r.lowerEndpoint();
      BigInteger hi = r.upperEndpoint();
      while (j < y.size() && y.get(j).upperEndpoint().compareTo(lo) <= 0) {
        j++;
      }
      for (int k = j; k < y.size() && lo.compareTo(hi) < 0; k++) {
        Range<BigInteger> cut = y.get(k);
        if (cut.lowerEndpoint().compareTo(hi) >= 0) {
          break;
        }
        if (cut.lowerEndpoint().compareTo(lo) > 0) {
          out.add(Range.closedOpen(lo, cut.lowerEndpoint()));
        }
        lo = lo.max(cut.upperEndpoint());
      }
      if (lo.compareTo(hi) < 0) {
        out.add(Range.closedOpen(lo, hi));
      }
    }
    return out.build();
  }

  private static ImmutableRangeSet<BigInteger> intersection(ImmutableRangeSet<BigInteger> a,
      ImmutableRangeSet<BigInteger> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return ImmutableRangeSet.of();
    }
    List<Range<BigInteger>> x = a.asRanges().asList();
    List<Range<BigInteger>> y = b.asRanges().asList();
    ImmutableRangeSet.Builder<BigInteger> out = ImmutableRangeSet.builder();
    int i = 0;
    int j = 0;
    while (i < x.size() && j < y.size()) {
      Range<BigInteger> r = x.get(i);
      Range<BigInteger> s = y.get(j);
      BigInteger lo = r.lowerEndpoint().max(s.lowerEndpoint());
      BigInteger hi = r.upperEndpoint().min(s.upperEndpoint());
      if (lo.compareTo(hi) < 0) {
        out.add(Range.closedOpen(lo, hi));
      }
      if (r.upperEndpoint().compareTo(s.upperEndpoint()) <= 0) {
        i++;
      } else {
        j++;
      }
    }
    return out.build();
  }

  public boolean isEmpty() {
    return v4.isEmpty() && v6.isEmpty();
  }

  public boolean isEmpty(Family family) {
    return ranges(family).isEmpty();
  }

  public boolean contains(InetAddress address) {
    return ranges(Family.of(address)).contains(new BigInteger(1, address.getAddress()));
  }

  /** True when every address of {@code p} is in this set. */
  public boolean encloses(Prefix p) {
    return ranges(p.family()).encloses(Range.closedOpen(p.first(), p.end()));
  }

  /** True when every address of {@code other} is in this set. */
  public boolean enclosesAll(PrefixSet other) {
    return v4.enclosesAll(other.v4) && v6.enclosesAll(other.v6);
  }

  /** The number of addresses covered in one family. */
  public BigInteger addressCount(Family family) {
    if (family == Family.V4) {
      long n = 0; // at most 2^32
      for (Range<BigInteger> r : v4.asRanges()) {
        n += r.upperEndpoint().longValue() - r.lowerEndpoint().longValue();
      }
      return BigInteger.valueOf(n);
    }
    BigInteger n = BigInteger.ZERO;
    for (Range<BigInteger> r : ranges(family).asRanges()) {
      n = n.add(r.upperEndpoint().subtract(r.lowerEndpoint()));
    }
    return n;
  }

  /** The fewest prefixes covering exactly this set, both families, v4 first, ascending. */
  public ImmutableList<Prefix> prefixes() {
    return ImmutableList.<Prefix>builder()
        .addAll(prefixes(Family.V4))
        .addAll(prefixes(Family.V6))
        .build();
  }

  /** The fewest prefixes covering exactly this set's addresses of one family, ascending. */
  public ImmutableList<Prefix> prefixes(Family family) {
    ImmutableList.Builder<Prefix> out = ImmutableList.builder();
    for (Range<BigInteger> r : ranges(family).asRanges()) {
      if (family == Family.V4) {
        appendV4(r.lowerEndpoint().longValue(), r.upperEndpoint().longValue(), out);
      } else {
        appendPrefixes(family, r.lowerEndpoint(), r.upperEndpoint(), out);
      }
    }
    return out.build();
  }

  /** {@link #appendPrefixes} for IPv4 in long arithmetic: 2^32 fits, no BigInteger needed. */
  private static void appendV4(long start, long end, ImmutableList.Builder<Prefix> out) {
    while (start < end) {
      int align = start == 0 ? 32 : Long.numberOfTrailingZeros(start);
      int fit = 63 - Long.numberOfLeadingZeros(end - start);
      int size = Math.min(Math.min(align, fit), 32);
      byte[] b = {(byte) (start >>> 24), (byte) (start >>> 16), (byte) (start >>> 8),
          (byte) start};
      out.add(new Prefix(Prefix.fromBytes(b), 32 - size));
      start += 1L << size;
    }
  }

  /** The number of prefixes {@link #prefixes(Family)} would return, without building them. */
  public int prefixCount(Family family) {
    return prefixes(family).size();
  }

  /** Per family, the minimal prefixes: convenient for JSON and rendering. */
  public Map<Family, ImmutableList<Prefix>> byFamily() {
    Map<Family, ImmutableList<Prefix>> m = new EnumMap<>(Family.class);
    for (Family f : Family.values()) {
      m.put(f, prefixes(f));
    }
    return m;
  }

  /**
   * Splits {@code [start, end)} into aligned power-of-two blocks, largest first: the classic
   * range-to-CIDR walk. Each step takes the biggest block that is both aligned at
   * {@code start} and no longer than what remains.
   */
  private static void appendPrefixes(Family family, BigInteger start, BigInteger end,
      ImmutableList.Builder<Prefix> out) {
    int bits = family.bits();
    while (start.compareTo(end) < 0) {
      int align = start.signum() == 0 ? bits : start.getLowestSetBit();
      int fit = end.subtract(start).bitLength() - 1;
      int size = Math.min(Math.min(align, fit), bits);
      out.add(Prefix.of(family, start, bits - size));
      start = start.add(BigInteger.ONE.shiftLeft(size));
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PrefixSet other && v4.equals(other.v4) && v6.equals(other.v6);
  }

  @Override
  public int hashCode() {
    return v4.hashCode() * 31 + v6.hashCode();
  }

  @Override
  public String toString() {
    return prefixes().toString();
  }

}
