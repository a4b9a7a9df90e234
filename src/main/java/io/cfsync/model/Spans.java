package io.cfsync.model;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableRangeSet;
import com.google.common.collect.Range;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * The address ranges of one family: sorted, disjoint, never touching, inclusive, as four longs
 * per range (first high/low, last high/low; 128-bit unsigned, IPv4 in the low 32 bits).
 *
 * <p>Why not {@code RangeSet<BigInteger>}: a Cloudflare list is 22 prefixes, but a file source
 * may hold 100k, and guava's range sets cost five objects per range and seconds per set
 * operation at that size (its difference and intersection go through a tree, range by range).
 * Here every operation is one linear walk over primitive arrays, and 100k ranges take 3 MiB.
 * Inclusive ends keep everything in 128 bits: the exclusive end of {@code ::/0} would need 129.
 */
final class Spans {

  static final Spans EMPTY = new Spans(new long[0], 0);

  private final long[] d;
  private final int n;

  private Spans(long[] d, int n) {
    this.d = d;
    this.n = n;
  }

  int size() {
    return n;
  }

  boolean isEmpty() {
    return n == 0;
  }

  // ---- 128-bit unsigned helpers -----------------------------------------------------------

  static int compare(long aHi, long aLo, long bHi, long bLo) {
    int c = Long.compareUnsigned(aHi, bHi);
    return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
  }

  /** Whether a range ending at {@code last} overlaps or abuts one starting at {@code first}. */
  static boolean touches(long lastHi, long lastLo, long firstHi, long firstLo) {
    if (lastHi == -1L && lastLo == -1L) {
      return true;
    }
    long nextLo = lastLo + 1;
    long nextHi = nextLo == 0 ? lastHi + 1 : lastHi;
    return compare(firstHi, firstLo, nextHi, nextLo) <= 0;
  }

  static BigInteger big(long hi, long lo) {
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (hi >>> (56 - 8 * i));
      b[8 + i] = (byte) (lo >>> (56 - 8 * i));
    }
    return new BigInteger(1, b);
  }

  /** One past {@code last}, as guava's closed-open ranges want it: 2^128 after the last address. */
  static BigInteger bigEnd(long hi, long lo) {
    if (hi == -1L && lo == -1L) {
      return BigInteger.ONE.shiftLeft(128);
    }
    long nextLo = lo + 1;
    return big(nextLo == 0 ? hi + 1 : hi, nextLo);
  }

  /** The high and low 64 bits of {@code v}, which must be in [0, 2^128). */
  static long[] words(BigInteger v) {
    return new long[] {v.shiftRight(64).longValue(), v.longValue()};
  }

  /** The address bytes as 128 bits: IPv4 in the low 32. */
  static long hi(byte[] b) {
    return b.length == 4 ? 0 : word(b, 0);
  }

  static long lo(byte[] b) {
    if (b.length == 4) {
      return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8)
          | (b[3] & 0xffL);
    }
    return word(b, 8);
  }

  private static long word(byte[] b, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = v << 8 | (b[at + i] & 0xffL);
    }
    return v;
  }

  /** The host-bit mask of a prefix of {@code length} in a family of {@code bits}: high word. */
  static long maskHi(int bits, int length) {
    int host = bits - length;
    return host >= 128 ? -1L : host > 64 ? (1L << (host - 64)) - 1 : 0;
  }

  static long maskLo(int bits, int length) {
    int host = bits - length;
    return host >= 64 ? -1L : (1L << host) - 1;
  }

  // ---- building ----------------------------------------------------------------------------

  /** Appends ranges in ascending order of their first address, merging any that touch. */
  static final class Builder {
    private long[] d = new long[64];
    private int n;

    void add(long firstHi, long firstLo, long lastHi, long lastLo) {
      if (n > 0) {
        int p = 4 * (n - 1);
        if (touches(d[p + 2], d[p + 3], firstHi, firstLo)) {
          if (compare(lastHi, lastLo, d[p + 2], d[p + 3]) > 0) {
            d[p + 2] = lastHi;
            d[p + 3] = lastLo;
          }
          return;
        }
      }
      if (4 * n + 4 > d.length) {
        d = Arrays.copyOf(d, d.length * 2);
      }
      int p = 4 * n++;
      d[p] = firstHi;
      d[p + 1] = firstLo;
      d[p + 2] = lastHi;
      d[p + 3] = lastLo;
    }

    Spans build() {
      return n == 0 ? EMPTY : new Spans(Arrays.copyOf(d, 4 * n), n);
    }
  }

  /** Sorts unsorted {first, last} quadruples and merges them. */
  static Spans ofUnsorted(long[] quads, int count) {
    boolean sorted = true;
    boolean v4 = true;
    for (int i = 0; i < count; i++) {
      int p = 4 * i;
      sorted &= i == 0 || compare(quads[p - 4], quads[p - 3], quads[p], quads[p + 1]) <= 0;
      // first below 2^32 and last - first below 2^32 (every IPv4 range; an IPv6 one near ::
      // only when that narrow): what the packed sort below can hold
      v4 &= quads[p] == 0 && (quads[p + 1] >>> 32) == 0 && quads[p + 2] == 0
          && ((quads[p + 3] - quads[p + 1]) >>> 32) == 0;
    }
    if (sorted) {
      Builder b = new Builder();
      for (int i = 0; i < count; i++) {
        b.add(quads[4 * i], quads[4 * i + 1], quads[4 * i + 2], quads[4 * i + 3]);
      }
      return b.build();
    }
    if (v4) {
      // first (32 bits) above last - first (at most 2^32 - 1): one primitive sort of the
      // ranges themselves, no boxing, no comparator, and no random reads back into quads
      // afterwards (at 100k ranges those cache misses cost more than the sort). The sign bit
      // is flipped so that the signed sort orders firsts at or above 2^31 last.
      long[] keys = new long[count];
      for (int i = 0; i < count; i++) {
        long first = quads[4 * i + 1];
        keys[i] = (first << 32 | (quads[4 * i + 3] - first)) ^ Long.MIN_VALUE;
      }
      Arrays.sort(keys);
      Builder b = new Builder();
      for (long k : keys) {
        long key = k ^ Long.MIN_VALUE;
        long first = key >>> 32;
        b.add(0, first, 0, first + (key & 0xffffffffL));
      }
      return b.build();
    }
    Integer[] order = new Integer[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    Arrays.sort(order, new java.util.Comparator<Integer>() {
      @Override
      public int compare(Integer x, Integer y) {
        return Spans.compare(quads[4 * x], quads[4 * x + 1], quads[4 * y], quads[4 * y + 1]);
      }
    });
    Builder b = new Builder();
    for (int i : order) {
      b.add(quads[4 * i], quads[4 * i + 1], quads[4 * i + 2], quads[4 * i + 3]);
    }
    return b.build();
  }

  // ---- set operations: one walk each ---------------------------------------------------------

  Spans union(Spans o) {
    if (o.n == 0) {
      return this;
    }
    if (n == 0) {
      return o;
    }
    Builder b = new Builder();
    int i = 0;
    int j = 0;
    while (i < n || j < o.n) {
      boolean mine = j >= o.n
          || (i < n && compare(d[4 * i], d[4 * i + 1], o.d[4 * j], o.d[4 * j + 1]) <= 0);
      long[] s = mine ? d : o.d;
      int p = 4 * (mine ? i++ : j++);
      b.add(s[p], s[p + 1], s[p + 2], s[p + 3]);
    }
    return b.build();
  }

  Spans difference(Spans o) {
    if (n == 0 || o.n == 0) {
      return this;
    }
    Builder b = new Builder();
    int j = 0;
    for (int i = 0; i < n; i++) {
      long fHi = d[4 * i];
      long fLo = d[4 * i + 1];
      long lHi = d[4 * i + 2];
      long lLo = d[4 * i + 3];
      while (j < o.n && compare(o.d[4 * j + 2], o.d[4 * j + 3], fHi, fLo) < 0) {
        j++; // ends before this range starts
      }
      boolean left = true;
      for (int k = j; k < o.n; k++) {
        int q = 4 * k;
        if (compare(o.d[q], o.d[q + 1], lHi, lLo) > 0) {
          break; // starts after this range ends
        }
        if (compare(o.d[q], o.d[q + 1], fHi, fLo) > 0) {
          long endLo = o.d[q + 1] - 1;
          long endHi = o.d[q + 1] == 0 ? o.d[q] - 1 : o.d[q];
          b.add(fHi, fLo, endHi, endLo);
        }
        if (compare(o.d[q + 2], o.d[q + 3], lHi, lLo) >= 0) {
          left = false; // the cut reaches past the end of this range
          break;
        }
        fLo = o.d[q + 3] + 1;
        fHi = fLo == 0 ? o.d[q + 2] + 1 : o.d[q + 2];
      }
      if (left) {
        b.add(fHi, fLo, lHi, lLo);
      }
    }
    return b.build();
  }

  Spans intersection(Spans o) {
    if (n == 0 || o.n == 0) {
      return EMPTY;
    }
    Builder b = new Builder();
    int i = 0;
    int j = 0;
    while (i < n && j < o.n) {
      int p = 4 * i;
      int q = 4 * j;
      boolean firstMine = compare(d[p], d[p + 1], o.d[q], o.d[q + 1]) >= 0;
      long fHi = firstMine ? d[p] : o.d[q];
      long fLo = firstMine ? d[p + 1] : o.d[q + 1];
      boolean lastMine = compare(d[p + 2], d[p + 3], o.d[q + 2], o.d[q + 3]) <= 0;
      long lHi = lastMine ? d[p + 2] : o.d[q + 2];
      long lLo = lastMine ? d[p + 3] : o.d[q + 3];
      if (compare(fHi, fLo, lHi, lLo) <= 0) {
        b.add(fHi, fLo, lHi, lLo);
      }
      if (lastMine) {
        i++;
      } else {
        j++;
      }
    }
    return b.build();
  }

  // ---- queries -------------------------------------------------------------------------------

  /** The index of the last range starting at or before the address, or -1. */
  private int floor(long hi, long lo) {
    int a = 0;
    int z = n - 1;
    int found = -1;
    while (a <= z) {
      int mid = (a + z) >>> 1;
      if (compare(d[4 * mid], d[4 * mid + 1], hi, lo) <= 0) {
        found = mid;
        a = mid + 1;
      } else {
        z = mid - 1;
      }
    }
    return found;
  }

  boolean contains(long hi, long lo) {
    int i = floor(hi, lo);
    return i >= 0 && compare(hi, lo, d[4 * i + 2], d[4 * i + 3]) <= 0;
  }

  boolean encloses(long fHi, long fLo, long lHi, long lLo) {
    int i = floor(fHi, fLo);
    return i >= 0 && compare(lHi, lLo, d[4 * i + 2], d[4 * i + 3]) <= 0;
  }

  boolean enclosesAll(Spans o) {
    for (int j = 0; j < o.n; j++) {
      int q = 4 * j;
      if (!encloses(o.d[q], o.d[q + 1], o.d[q + 2], o.d[q + 3])) {
        return false;
      }
    }
    return true;
  }

  /** The number of addresses covered (up to 2^128). */
  BigInteger count() {
    long accLo = 0;
    long accHi = 0;
    long top = 0;
    for (int i = 0; i < n; i++) {
      int p = 4 * i;
      // size - 1 = last - first; fits in 128 bits
      long sLo = d[p + 3] - d[p + 1];
      long sHi = d[p + 2] - d[p] - (Long.compareUnsigned(d[p + 3], d[p + 1]) < 0 ? 1 : 0);
      for (int add = 0; add < 2; add++) { // add size - 1, then 1
        long xHi = add == 0 ? sHi : 0;
        long xLo = add == 0 ? sLo : 1;
        long lo = accLo + xLo;
        long carry = Long.compareUnsigned(lo, accLo) < 0 ? 1 : 0;
        long hi = accHi + xHi;
        long over = Long.compareUnsigned(hi, accHi) < 0 ? 1 : 0;
        long hi2 = hi + carry;
        if (carry == 1 && hi2 == 0) {
          over++;
        }
        accLo = lo;
        accHi = hi2;
        top += over;
      }
    }
    BigInteger low = big(accHi, accLo);
    return top == 0 ? low : BigInteger.valueOf(top).shiftLeft(128).add(low);
  }

  /** The fewest prefixes covering exactly these ranges, ascending. */
  void prefixes(Family family, ImmutableList.Builder<Prefix> out) {
    blocks(family, new PrefixSet.BlockVisitor() {
      @Override
      public void block(long hi, long lo, int size) {
        out.add(new Prefix(Prefix.fromBytes(bytes(family, hi, lo)), family.bits() - size));
      }
    });
  }

  /** The number of prefixes {@link #prefixes} would produce, without producing them. */
  int prefixCount(Family family) {
    int[] count = {0};
    blocks(family, new PrefixSet.BlockVisitor() {
      @Override
      public void block(long hi, long lo, int size) {
        count[0]++;
      }
    });
    return count[0];
  }

  /**
   * The classic range-to-CIDR walk over every range: each step takes the biggest block that
   * is both aligned at the start and no longer than what remains.
   */
  void blocks(Family family, PrefixSet.BlockVisitor sink) {
    int bits = family.bits();
    for (int i = 0; i < n; i++) {
      long sHi = d[4 * i];
      long sLo = d[4 * i + 1];
      long lHi = d[4 * i + 2];
      long lLo = d[4 * i + 3];
      while (true) {
        int align = sLo != 0 ? Long.numberOfTrailingZeros(sLo)
            : sHi != 0 ? 64 + Long.numberOfTrailingZeros(sHi) : 128;
        // remaining - 1 = last - start; the block of 2^fit addresses fits
        long rLo = lLo - sLo;
        long rHi = lHi - sHi - (Long.compareUnsigned(lLo, sLo) < 0 ? 1 : 0);
        int fit;
        if (rHi == -1L && rLo == -1L) {
          fit = 128;
        } else {
          long cLo = rLo + 1;
          long cHi = cLo == 0 ? rHi + 1 : rHi;
          fit = (cHi != 0 ? 128 - Long.numberOfLeadingZeros(cHi)
              : 64 - Long.numberOfLeadingZeros(cLo)) - 1;
        }
        int size = Math.min(Math.min(align, fit), bits);
        sink.block(sHi, sLo, size);
        long eHi = sHi | maskHi(128, 128 - size);
        long eLo = sLo | maskLo(128, 128 - size);
        if (eHi == lHi && eLo == lLo) {
          break;
        }
        sLo = eLo + 1;
        sHi = sLo == 0 ? eHi + 1 : eHi;
      }
    }
  }

  /** Each range in ascending order. */
  void forEach(PrefixSet.RangeVisitor v) {
    for (int i = 0; i < n; i++) {
      int p = 4 * i;
      v.range(d[p], d[p + 1], d[p + 2], d[p + 3]);
    }
  }

  static byte[] bytes(Family family, long hi, long lo) {
    if (family == Family.V4) {
      return new byte[] {(byte) (lo >>> 24), (byte) (lo >>> 16), (byte) (lo >>> 8), (byte) lo};
    }
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (hi >>> (56 - 8 * i));
      b[8 + i] = (byte) (lo >>> (56 - 8 * i));
    }
    return b;
  }

  /** The same ranges as guava closed-open ranges of unsigned integers. */
  ImmutableRangeSet<BigInteger> toRangeSet() {
    ImmutableRangeSet.Builder<BigInteger> b = ImmutableRangeSet.builder();
    for (int i = 0; i < n; i++) {
      int p = 4 * i;
      b.add(Range.closedOpen(big(d[p], d[p + 1]), bigEnd(d[p + 2], d[p + 3])));
    }
    return b.build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Spans s && s.n == n
        && Arrays.equals(d, 0, 4 * n, s.d, 0, 4 * s.n);
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (int i = 0; i < 4 * n; i++) {
      h = 31 * h + Long.hashCode(d[i]);
    }
    return h;
  }
}
