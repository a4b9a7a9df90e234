package io.cfsync.model;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.BoundType;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableRangeSet;
import com.google.common.collect.Range;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * An immutable set of addresses, both families, held as ranges of unsigned integers. Two sets
 * are equal when they cover the same addresses, whatever prefixes built them:
 * {@code 104.16.0.0/13 + 104.24.0.0/14} equals nft's auto-merged range
 * {@code 104.16.0.0-104.27.255.255}.
 *
 * <p>The ranges live in primitive arrays (see {@code Spans}): building, diffing and
 * converting 100k prefixes is one sort and a few linear walks. {@link #ranges(Family)} offers
 * them as a guava {@code RangeSet<BigInteger>} of closed-open ranges, built on first use.
 */
public final class PrefixSet {

  private static final PrefixSet EMPTY = new PrefixSet(Spans.EMPTY, Spans.EMPTY);

  private final Spans v4;
  private final Spans v6;
  // Built on demand; racing threads build equal values, and the immutable set is safe to share.
  private volatile ImmutableRangeSet<BigInteger> v4Ranges;
  private volatile ImmutableRangeSet<BigInteger> v6Ranges;

  private PrefixSet(Spans v4, Spans v6) {
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
    long[] v4Keys = new long[64];
    int n4 = 0;
    long[] v6Quads = new long[64];
    int n6 = 0;
    for (Prefix p : prefixes) {
      byte[] b = p.network().getAddress();
      if (b.length == 4) {
        if (n4 == v4Keys.length) {
          v4Keys = Arrays.copyOf(v4Keys, n4 * 2);
        }
        // first << 6 | length: sorted as plain longs, they come in address order
        v4Keys[n4++] = Spans.lo(b) << 6 | p.length();
      } else {
        if (4 * n6 + 4 > v6Quads.length) {
          v6Quads = Arrays.copyOf(v6Quads, v6Quads.length * 2);
        }
        long hi = Spans.hi(b);
        long lo = Spans.lo(b);
        int q = 4 * n6++;
        v6Quads[q] = hi;
        v6Quads[q + 1] = lo;
        v6Quads[q + 2] = hi | Spans.maskHi(128, p.length());
        v6Quads[q + 3] = lo | Spans.maskLo(128, p.length());
      }
    }
    Arrays.sort(v4Keys, 0, n4);
    Spans.Builder b4 = new Spans.Builder();
    for (int i = 0; i < n4; i++) {
      long first = v4Keys[i] >>> 6;
      int length = (int) (v4Keys[i] & 63);
      b4.add(0, first, 0, first | Spans.maskLo(32, length));
    }
    return new PrefixSet(b4.build(), Spans.ofUnsorted(v6Quads, n6));
  }

  /**
   * Builds a set from address ranges, as tools such as nft list them. Any bounded ranges are
   * accepted (closed, open, overlapping, in any order); they are normalised to closed-open.
   */
  public static PrefixSet ofRanges(Family family, Iterable<Range<BigInteger>> ranges) {
    long[] quads = new long[64];
    int n = 0;
    for (Range<BigInteger> r : ranges) {
      checkArgument(r.hasLowerBound() && r.hasUpperBound(), "unbounded range %s", r);
      BigInteger lo = r.lowerBoundType() == BoundType.CLOSED ? r.lowerEndpoint()
          : r.lowerEndpoint().add(BigInteger.ONE);
      BigInteger hi = r.upperBoundType() == BoundType.OPEN ? r.upperEndpoint()
          : r.upperEndpoint().add(BigInteger.ONE);
      checkArgument(lo.signum() >= 0 && hi.compareTo(family.size()) <= 0,
          "range %s outside the %s space", r, family.label());
      if (lo.compareTo(hi) >= 0) {
        continue;
      }
      long[] first = Spans.words(lo);
      long[] last = Spans.words(hi.subtract(BigInteger.ONE));
      if (4 * n + 4 > quads.length) {
        quads = Arrays.copyOf(quads, quads.length * 2);
      }
      quads[4 * n] = first[0];
      quads[4 * n + 1] = first[1];
      quads[4 * n + 2] = last[0];
      quads[4 * n + 3] = last[1];
      n++;
    }
    Spans s = Spans.ofUnsorted(quads, n);
    return family == Family.V4 ? new PrefixSet(s, Spans.EMPTY) : new PrefixSet(Spans.EMPTY, s);
  }

  /** The inclusive range {@code first..last} as a set, e.g. from nft's {@code "range"} element. */
  public static PrefixSet ofInclusiveRange(InetAddress first, InetAddress last) {
    Family f = Family.of(first);
    if (Family.of(last) != f) {
      throw new IllegalArgumentException("range " + first + "-" + last + " mixes families");
    }
    byte[] a = first.getAddress();
    byte[] z = last.getAddress();
    if (Spans.compare(Spans.hi(a), Spans.lo(a), Spans.hi(z), Spans.lo(z)) > 0) {
      throw new IllegalArgumentException("range " + first + "-" + last + " is empty");
    }
    Spans.Builder b = new Spans.Builder();
    b.add(Spans.hi(a), Spans.lo(a), Spans.hi(z), Spans.lo(z));
    return f == Family.V4 ? new PrefixSet(b.build(), Spans.EMPTY)
        : new PrefixSet(Spans.EMPTY, b.build());
  }

  private Spans spans(Family family) {
    return family == Family.V4 ? v4 : v6;
  }

  /** The addresses of one family as closed-open ranges of unsigned integers, ascending. */
  public ImmutableRangeSet<BigInteger> ranges(Family family) {
    if (family == Family.V4) {
      ImmutableRangeSet<BigInteger> r = v4Ranges;
      if (r == null) {
        r = v4.toRangeSet();
        v4Ranges = r;
      }
      return r;
    }
    ImmutableRangeSet<BigInteger> r = v6Ranges;
    if (r == null) {
      r = v6.toRangeSet();
      v6Ranges = r;
    }
    return r;
  }

  /** This set restricted to one family. */
  public PrefixSet only(Family family) {
    return family == Family.V4 ? new PrefixSet(v4, Spans.EMPTY)
        : new PrefixSet(Spans.EMPTY, v6);
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
    return spans(family).isEmpty();
  }

  public boolean contains(InetAddress address) {
    byte[] b = address.getAddress();
    return spans(Family.of(address)).contains(Spans.hi(b), Spans.lo(b));
  }

  /** True when every address of {@code p} is in this set. */
  public boolean encloses(Prefix p) {
    byte[] b = p.network().getAddress();
    int bits = p.family().bits();
    long hi = Spans.hi(b);
    long lo = Spans.lo(b);
    return spans(p.family()).encloses(hi, lo, hi | Spans.maskHi(bits, p.length()),
        lo | Spans.maskLo(bits, p.length()));
  }

  /** True when every address of {@code other} is in this set. */
  public boolean enclosesAll(PrefixSet other) {
    return v4.enclosesAll(other.v4) && v6.enclosesAll(other.v6);
  }

  /** The number of addresses covered in one family. */
  public BigInteger addressCount(Family family) {
    return spans(family).count();
  }

  /** The fewest prefixes covering exactly this set, both families, v4 first, ascending. */
  public ImmutableList<Prefix> prefixes() {
    ImmutableList.Builder<Prefix> out = ImmutableList.builder();
    v4.prefixes(Family.V4, out);
    v6.prefixes(Family.V6, out);
    return out.build();
  }

  /** The fewest prefixes covering exactly this set's addresses of one family, ascending. */
  public ImmutableList<Prefix> prefixes(Family family) {
    ImmutableList.Builder<Prefix> out = ImmutableList.builder();
    spans(family).prefixes(family, out);
    return out.build();
  }

  /** The number of prefixes {@link #prefixes(Family)} would return (without building them). */
  public int prefixCount(Family family) {
    return spans(family).prefixCount(family);
  }

  /** Receives one inclusive range of 128-bit addresses; IPv4 is the low 32 bits of lo. */
  @FunctionalInterface
  public interface RangeVisitor {
    void range(long firstHi, long firstLo, long lastHi, long lastLo);
  }

  /**
   * Visits the ranges of one family, ascending, as primitives: what renders 100k-element
   * sets, where {@link #ranges} would build a guava range and two BigIntegers per range.
   */
  public void forEachRange(Family family, RangeVisitor visitor) {
    spans(family).forEach(visitor);
  }

  /** Receives one CIDR block: 2^size addresses from (hi, lo); IPv4 is the low 32 bits of lo. */
  @FunctionalInterface
  public interface BlockVisitor {
    void block(long hi, long lo, int size);
  }

  /**
   * Visits the fewest CIDR blocks that cover one family's addresses, ascending, as primitives
   * (the blocks {@link #prefixes} would build objects for): what renders 100k-element sets.
   */
  public void forEachBlock(Family family, BlockVisitor visitor) {
    spans(family).blocks(family, visitor);
  }

  /**
   * Collects ranges in any order (overlapping, adjacent, duplicated, both families) and
   * builds the set with one primitive sort: for readers of tools' 100k-element listings.
   */
  public static final class Builder {
    private long[] v4 = new long[64];
    private int n4;
    private long[] v6 = new long[64];
    private int n6;

    /** Adds the inclusive range first..last; IPv4 addresses are the low 32 bits of lo. */
    public Builder add(Family family, long firstHi, long firstLo, long lastHi, long lastLo) {
      if (family == Family.V4) {
        checkArgument(firstHi == 0 && lastHi == 0 && (firstLo >>> 32) == 0
            && (lastLo >>> 32) == 0 && firstLo <= lastLo, "not an IPv4 range: %s-%s", firstLo,
            lastLo);
        if (4 * n4 + 4 > v4.length) {
          v4 = Arrays.copyOf(v4, v4.length * 2);
        }
        put(v4, n4++, firstHi, firstLo, lastHi, lastLo);
      } else {
        checkArgument(Spans.compare(firstHi, firstLo, lastHi, lastLo) <= 0, "empty range");
        if (4 * n6 + 4 > v6.length) {
          v6 = Arrays.copyOf(v6, v6.length * 2);
        }
        put(v6, n6++, firstHi, firstLo, lastHi, lastLo);
      }
      return this;
    }

    /** Adds every address of {@code p}. */
    public Builder add(Prefix p) {
      byte[] b = p.network().getAddress();
      int bits = p.family().bits();
      long hi = Spans.hi(b);
      long lo = Spans.lo(b);
      return add(p.family(), hi, lo, hi | Spans.maskHi(bits, p.length()),
          lo | Spans.maskLo(bits, p.length()));
    }

    private static void put(long[] q, int i, long a, long b, long c, long d) {
      q[4 * i] = a;
      q[4 * i + 1] = b;
      q[4 * i + 2] = c;
      q[4 * i + 3] = d;
    }

    public PrefixSet build() {
      return new PrefixSet(Spans.ofUnsorted(v4, n4), Spans.ofUnsorted(v6, n6));
    }
  }

  /** Per family, the minimal prefixes: convenient for JSON and rendering. */
  public Map<Family, ImmutableList<Prefix>> byFamily() {
    Map<Family, ImmutableList<Prefix>> m = new EnumMap<>(Family.class);
    for (Family f : Family.values()) {
      m.put(f, prefixes(f));
    }
    return m;
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
