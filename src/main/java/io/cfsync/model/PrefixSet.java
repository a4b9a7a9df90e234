package io.cfsync.model;


import com.google.common.collect.BoundType;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableRangeSet;
import com.google.common.collect.Range;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
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

  /** Collapses any prefixes (overlapping, adjacent, duplicated, mixed families) into a set. */
  public static PrefixSet of(Iterable<Prefix> prefixes) {
    List<Range<BigInteger>> a = new ArrayList<>();
    List<Range<BigInteger>> b = new ArrayList<>();
    for (Prefix p : prefixes) {
      (p.family() == Family.V4 ? a : b).add(Range.closedOpen(p.first(), p.end()));
    }
    return new PrefixSet(coalesce(a), coalesce(b));
  }

  /** Builds a set from address ranges, as tools such as nft list them ({@code a-b}, inclusive). */
  public static PrefixSet ofRanges(Family family, Iterable<Range<BigInteger>> closedOpenRanges) {
    List<Range<BigInteger>> list = new ArrayList<>();
    closedOpenRanges.forEach(list::add);
    ImmutableRangeSet<BigInteger> rs = coalesce(list);
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

  // Guava's RangeSet operations go through a TreeRangeSet: O(n log n) Cut comparisons of
  // BigIntegers, about a second per operation at 100k ranges on a busy 2-core host. Our
  // ranges are all closed-open, so sorting once and sweeping is enough, and the set
  // operations on two sorted disjoint lists are linear merges.

  /** Any closed-open ranges, sorted and merged where they overlap or touch. */
  private static ImmutableRangeSet<BigInteger> coalesce(List<Range<BigInteger>> ranges) {
    for (Range<BigInteger> r : ranges) {
      if (!r.hasLowerBound() || !r.hasUpperBound() || r.lowerBoundType() != BoundType.CLOSED
          || r.upperBoundType() != BoundType.OPEN) {
        return ImmutableRangeSet.unionOf(ranges);
      }
    }
    List<Range<BigInteger>> sorted = new ArrayList<>(ranges);
    sorted.sort(BY_LOWER);
    List<Range<BigInteger>> out = new ArrayList<>();
    BigInteger lo = null;
    BigInteger hi = null;
    for (Range<BigInteger> r : sorted) {
      if (r.isEmpty()) {
        continue;
      }
      if (lo != null && r.lowerEndpoint().compareTo(hi) <= 0) {
        hi = hi.max(r.upperEndpoint());
        continue;
      }
      if (lo != null) {
        out.add(Range.closedOpen(lo, hi));
      }
      lo = r.lowerEndpoint();
      hi = r.upperEndpoint();
    }
    if (lo != null) {
      out.add(Range.closedOpen(lo, hi));
    }
    return ImmutableRangeSet.copyOf(out);
  }

  private static final Comparator<Range<BigInteger>> BY_LOWER =
      Comparator.comparing(Range::lowerEndpoint);

  private static ImmutableRangeSet<BigInteger> union(ImmutableRangeSet<BigInteger> a,
      ImmutableRangeSet<BigInteger> b) {
    if (b.isEmpty()) {
      return a;
    }
    if (a.isEmpty()) {
      return b;
    }
    List<Range<BigInteger>> all = new ArrayList<>(a.asRanges());
    all.addAll(b.asRanges());
    return coalesce(all);
  }

  private static ImmutableRangeSet<BigInteger> difference(ImmutableRangeSet<BigInteger> a,
      ImmutableRangeSet<BigInteger> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return a;
    }
    List<Range<BigInteger>> bs = b.asRanges().asList();
    List<Range<BigInteger>> out = new ArrayList<>();
    int j = 0;
    for (Range<BigInteger> r : a.asRanges()) {
      BigInteger lo = r.lowerEndpoint();
      BigInteger hi = r.upperEndpoint();
      while (j < bs.size() && bs.get(j).upperEndpoint().compareTo(lo) <= 0) {
        j++;
      }
      for (int k = j; k < bs.size() && bs.get(k).lowerEndpoint().compareTo(hi) < 0; k++) {
        Range<BigInteger> cut = bs.get(k);
        if (cut.lowerEndpoint().compareTo(lo) > 0) {
          out.add(Range.closedOpen(lo, cut.lowerEndpoint()));
        }
        lo = lo.max(cut.upperEndpoint());
      }
      if (lo.compareTo(hi) < 0) {
        out.add(Range.closedOpen(lo, hi));
      }
    }
    return ImmutableRangeSet.copyOf(out);
  }

  private static ImmutableRangeSet<BigInteger> intersection(ImmutableRangeSet<BigInteger> a,
      ImmutableRangeSet<BigInteger> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return ImmutableRangeSet.of();
    }
    List<Range<BigInteger>> as = a.asRanges().asList();
    List<Range<BigInteger>> bs = b.asRanges().asList();
    List<Range<BigInteger>> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < as.size() && j < bs.size()) {
      Range<BigInteger> x = as.get(i);
      Range<BigInteger> y = bs.get(j);
      BigInteger lo = x.lowerEndpoint().max(y.lowerEndpoint());
      BigInteger hi = x.upperEndpoint().min(y.upperEndpoint());
      if (lo.compareTo(hi) < 0) {
        out.add(Range.closedOpen(lo, hi));
      }
      if (x.upperEndpoint().compareTo(y.upperEndpoint()) <= 0) {
        i++;
      } else {
        j++;
      }
    }
    return ImmutableRangeSet.copyOf(out);
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
