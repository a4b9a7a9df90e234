package io.cfsync.backend.nftables;

import com.google.common.collect.Range;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The addresses one set covers in one family, as sorted, coalesced closed-open ranges: what
 * a listing is read into, set by set and shard by shard, so that sets are compared by the
 * addresses they cover (never by element text) with one sort and a linear merge.
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
}
