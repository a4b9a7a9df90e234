package io.cfsync.backend.nftables;

import com.google.common.collect.Range;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * The addresses one set covers in one family: what a listing is read into, set by set and
 * shard by shard, so that sets are compared by the addresses they cover (never by element
 * text). Held as the model's primitive ranges ({@link PrefixSet}): a 100k-element listing
 * used to cost two BigIntegers and an array per element, and its sort a comparator call per
 * comparison; IPv4 elements now go in as plain longs ({@link Builder#addV4}).
 */
final class Coverage {

  static final Coverage EMPTY_V4 = new Coverage(Family.V4, PrefixSet.empty());
  static final Coverage EMPTY_V6 = new Coverage(Family.V6, PrefixSet.empty());

  final Family family;
  private final PrefixSet set;

  private Coverage(Family family, PrefixSet set) {
    this.family = family;
    this.set = set;
  }

  static Coverage empty(Family f) {
    return f == Family.V4 ? EMPTY_V4 : EMPTY_V6;
  }

  /** Collects ranges in any order, then sorts and coalesces them once. */
  static final class Builder {
    private final Family family;
    private final PrefixSet.Builder ranges = new PrefixSet.Builder();

    Builder(Family family) {
      this.family = family;
    }

    /** The closed-open range {@code [start, end)}; an empty one adds nothing. */
    Builder add(BigInteger start, BigInteger end) {
      if (start.compareTo(end) < 0) {
        BigInteger last = end.subtract(BigInteger.ONE);
        ranges.add(family, start.shiftRight(64).longValue(), start.longValue(),
            last.shiftRight(64).longValue(), last.longValue());
      }
      return this;
    }

    /** The IPv4 range {@code [start, end)} as unsigned 32-bit values. */
    Builder addV4(long start, long end) {
      if (start < end) {
        ranges.add(Family.V4, 0, start, 0, end - 1);
      }
      return this;
    }

    Builder addAll(Coverage c) {
      c.set.forEachRange(family, new PrefixSet.RangeVisitor() {
        @Override
        public void range(long fh, long fl, long lh, long ll) {
          ranges.add(family, fh, fl, lh, ll);
        }
      });
      return this;
    }

    Coverage build() {
      return new Coverage(family, ranges.build().only(family));
    }
  }

  static Coverage of(Family f, List<Prefix> prefixes) {
    Builder b = new Builder(f);
    for (Prefix p : prefixes) {
      if (p.family() == f) {
        b.ranges.add(p);
      }
    }
    return b.build();
  }

  static Coverage of(PrefixSet set, Family f) {
    return new Coverage(f, set.only(f));
  }

  /** The fewest prefixes covering exactly these addresses, ascending: what gets written. */
  List<Prefix> prefixes() {
    return set.prefixes(family);
  }

  List<Range<BigInteger>> ranges() {
    return new ArrayList<>(set.ranges(family).asRanges());
  }

  PrefixSet toPrefixSet() {
    return set;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Coverage c && c.family == family && set.equals(c.set);
  }

  @Override
  public int hashCode() {
    return set.hashCode() * 31 + family.hashCode();
  }
}
