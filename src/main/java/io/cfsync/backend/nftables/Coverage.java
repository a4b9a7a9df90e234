package io.cfsync.backend.nftables;

import com.google.common.collect.Range;
import io.cfsync.model.Diff;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The addresses one set covers in one family, as sorted, coalesced closed-open ranges in
 * plain arrays. Sets are compared by coverage, like {@link PrefixSet}, but building and
 * comparing a {@code RangeSet} per set, shard and diff cost seconds for 100k elements; a
 * sort and a linear merge cost milliseconds.
 */
final class Coverage {

  static final Coverage EMPTY_V4 = new Coverage(Family.V4, new BigInteger[0], new BigInteger[0]);
  static final Coverage EMPTY_V6 = new Coverage(Family.V6, new BigInteger[0], new BigInteger[0]);

  final Family family;
  private final BigInteger[] starts;
  private final BigInteger[] ends;

  private Coverage(Family family, BigInteger[] starts, BigInteger[] ends) {
    this.family = family;
    this.starts = starts;
    this.ends = ends;
  }

  static Coverage empty(Family f) {
    return f == Family.V4 ? EMPTY_V4 : EMPTY_V6;
  }

  /** Collects ranges in any order, then sorts and coalesces them once. */
  static final class Builder {
    private final Family family;
    private final List<BigInteger[]> ranges = new ArrayList<>();

    Builder(Family family) {
      this.family = family;
    }

    Builder add(BigInteger start, BigInteger end) {
      ranges.add(new BigInteger[] {start, end});
      return this;
    }

    Builder addAll(Coverage c) {
      for (int i = 0; i < c.starts.length; i++) {
        add(c.starts[i], c.ends[i]);
      }
      return this;
    }

    Coverage build() {
      BigInteger[][] r = ranges.toArray(new BigInteger[0][]);
      Arrays.sort(r, Comparator.comparing((BigInteger[] x) -> x[0]));
      List<BigInteger> s = new ArrayList<>(r.length);
      List<BigInteger> e = new ArrayList<>(r.length);
      for (BigInteger[] x : r) {
        int last = e.size() - 1;
        if (last >= 0 && x[0].compareTo(e.get(last)) <= 0) {
          if (x[1].compareTo(e.get(last)) > 0) {
            e.set(last, x[1]);
          }
        } else {
          s.add(x[0]);
          e.add(x[1]);
        }
      }
      return new Coverage(family, s.toArray(new BigInteger[0]), e.toArray(new BigInteger[0]));
    }
  }

  static Coverage of(Family f, List<Prefix> prefixes) {
    Builder b = new Builder(f);
    for (Prefix p : prefixes) {
      BigInteger first = p.first();
      b.add(first, first.add(BigInteger.ONE.shiftLeft(f.bits() - p.length())));
    }
    return b.build();
  }

  static Coverage of(PrefixSet set, Family f) {
    Builder b = new Builder(f);
    for (Range<BigInteger> r : set.ranges(f).asRanges()) {
      b.add(r.lowerEndpoint(), r.upperEndpoint());
    }
    return b.build();
  }

  /** The fewest prefixes covering exactly these addresses, ascending: what gets written. */
  List<Prefix> prefixes() {
    List<Prefix> out = new ArrayList<>(starts.length);
    int bits = family.bits();
    for (int i = 0; i < starts.length; i++) {
      BigInteger start = starts[i];
      while (start.compareTo(ends[i]) < 0) {
        int align = start.signum() == 0 ? bits : start.getLowestSetBit();
        int fit = ends[i].subtract(start).bitLength() - 1;
        int size = Math.min(Math.min(align, fit), bits);
        out.add(Prefix.of(family, start, bits - size));
        start = start.add(BigInteger.ONE.shiftLeft(size));
      }
    }
    return out;
  }

  List<Range<BigInteger>> ranges() {
    List<Range<BigInteger>> out = new ArrayList<>(starts.length);
    for (int i = 0; i < starts.length; i++) {
      out.add(Range.closedOpen(starts[i], ends[i]));
    }
    return out;
  }

  PrefixSet toPrefixSet() {
    return PrefixSet.ofRanges(family, ranges());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Coverage c && c.family == family && Arrays.equals(starts, c.starts)
        && Arrays.equals(ends, c.ends);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(starts) * 31 + Arrays.hashCode(ends);
  }

  /**
   * {@link Diff#between} computed by one linear sweep per family over the sorted ranges,
   * instead of three {@code RangeSet} operations of 100k ranges each.
   */
  static Diff diff(PrefixSet before, PrefixSet after) {
    if (before.equals(after)) {
      return new Diff(before, after, PrefixSet.empty(), PrefixSet.empty(), before);
    }
    if (before.isEmpty() || after.isEmpty()) {
      // A first apply or a full removal: nothing to compute, and no 100k-range set to build.
      return new Diff(before, after, after, before, PrefixSet.empty());
    }
    Map<Family, List<Range<BigInteger>>> added = new EnumMap<>(Family.class);
    Map<Family, List<Range<BigInteger>>> removed = new EnumMap<>(Family.class);
    Map<Family, List<Range<BigInteger>>> same = new EnumMap<>(Family.class);
    for (Family f : Family.values()) {
      List<Range<BigInteger>> add = new ArrayList<>();
      List<Range<BigInteger>> rem = new ArrayList<>();
      List<Range<BigInteger>> both = new ArrayList<>();
      sweep(of(before, f), of(after, f), rem, add, both);
      added.put(f, add);
      removed.put(f, rem);
      same.put(f, both);
    }
    return new Diff(before, after, set(added), set(removed), set(same));
  }

  private static PrefixSet set(Map<Family, List<Range<BigInteger>>> ranges) {
    List<Range<BigInteger>> v4 = ranges.get(Family.V4);
    List<Range<BigInteger>> v6 = ranges.get(Family.V6);
    if (v6.isEmpty()) {
      return PrefixSet.ofRanges(Family.V4, v4);
    }
    if (v4.isEmpty()) {
      return PrefixSet.ofRanges(Family.V6, v6);
    }
    return PrefixSet.ofRanges(Family.V4, v4).union(PrefixSet.ofRanges(Family.V6, v6));
  }

  /**
   * Walks two sorted, coalesced range lists at once and splits their union into pieces only
   * in x, only in y, and in both.
   */
  private static void sweep(Coverage x, Coverage y, List<Range<BigInteger>> onlyX,
      List<Range<BigInteger>> onlyY, List<Range<BigInteger>> both) {
    int i = 0;
    int j = 0;
    BigInteger pos = null;
    while (i < x.starts.length || j < y.starts.length) {
      BigInteger xs = i < x.starts.length ? max(x.starts[i], pos) : null;
      BigInteger ys = j < y.starts.length ? max(y.starts[j], pos) : null;
      if (ys == null || (xs != null && xs.compareTo(ys) < 0)) {
        // x alone up to where y starts or x ends
        BigInteger end = ys == null ? x.ends[i] : min(x.ends[i], ys);
        put(onlyX, xs, end);
        pos = end;
      } else if (xs == null || ys.compareTo(xs) < 0) {
        BigInteger end = xs == null ? y.ends[j] : min(y.ends[j], xs);
        put(onlyY, ys, end);
        pos = end;
      } else {
        BigInteger end = min(x.ends[i], y.ends[j]);
        put(both, xs, end);
        pos = end;
      }
      if (i < x.ends.length && x.ends[i].compareTo(pos) <= 0) {
        i++;
      }
      if (j < y.ends.length && y.ends[j].compareTo(pos) <= 0) {
        j++;
      }
    }
  }

  private static void put(List<Range<BigInteger>> into, BigInteger from, BigInteger to) {
    if (from.compareTo(to) < 0) {
      into.add(Range.closedOpen(from, to));
    }
  }

  private static BigInteger max(BigInteger a, BigInteger b) {
    return b == null || a.compareTo(b) >= 0 ? a : b;
  }

  private static BigInteger min(BigInteger a, BigInteger b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
