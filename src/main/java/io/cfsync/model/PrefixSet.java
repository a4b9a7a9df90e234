package io.cfsync.model;


import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableRangeSet;
import com.google.common.collect.Range;
import com.google.common.collect.TreeRangeSet;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.EnumMap;
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

  /** Collapses any prefixes (overlapping, adjacent, duplicated, mixed families) into a set. */
  public static PrefixSet of(Iterable<Prefix> prefixes) {
    TreeRangeSet<BigInteger> a = TreeRangeSet.create();
    TreeRangeSet<BigInteger> b = TreeRangeSet.create();
    for (Prefix p : prefixes) {
      (p.family() == Family.V4 ? a : b).add(Range.closedOpen(p.first(), p.end()));
    }
    return new PrefixSet(ImmutableRangeSet.copyOf(a), ImmutableRangeSet.copyOf(b));
  }

  /** Builds a set from address ranges, as tools such as nft list them ({@code a-b}, inclusive). */
  public static PrefixSet ofRanges(Family family, Iterable<Range<BigInteger>> closedOpenRanges) {
    TreeRangeSet<BigInteger> set = TreeRangeSet.create();
    for (Range<BigInteger> r : closedOpenRanges) {
      set.add(r);
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
    return new PrefixSet(v4.union(o.v4), v6.union(o.v6));
  }

  public PrefixSet difference(PrefixSet o) {
    return new PrefixSet(v4.difference(o.v4), v6.difference(o.v6));
  }

  public PrefixSet intersection(PrefixSet o) {
    return new PrefixSet(v4.intersection(o.v4), v6.intersection(o.v6));
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
      appendPrefixes(family, r.lowerEndpoint(), r.upperEndpoint(), out);
    }
    return out.build();
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
