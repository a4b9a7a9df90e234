package io.cfsync.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableRangeSet;
import com.google.common.collect.Range;
import com.google.common.collect.TreeRangeSet;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The set operations against Guava's TreeRangeSet as the reference, on random prefixes that
 * overlap, nest, touch and repeat, in both families: the 100k-prefix paths of the iptables
 * and ipset backends lean on them.
 */
class PrefixSetReferenceTest {

  static List<Prefix> random(Random rnd, Family f, int n) {
    List<Prefix> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // A small address window, so that prefixes collide often.
      int len = f.bits() - rnd.nextInt(9);
      BigInteger start = BigInteger.valueOf(rnd.nextInt(1 << 12)).shiftLeft(f.bits() - len);
      out.add(Prefix.of(f, start, len));
    }
    return out;
  }

  static ImmutableRangeSet<BigInteger> reference(List<Prefix> ps, Family f) {
    TreeRangeSet<BigInteger> t = TreeRangeSet.create();
    for (Prefix p : ps) {
      if (p.family() == f) {
        t.add(Range.closedOpen(p.first(), p.end()));
      }
    }
    return ImmutableRangeSet.copyOf(t);
  }

  @Test
  void unionDifferenceIntersectionAgreeWithTreeRangeSet() {
    Random rnd = new Random(20240605);
    for (int round = 0; round < 300; round++) {
      List<Prefix> a = new ArrayList<>();
      List<Prefix> b = new ArrayList<>();
      for (Family f : Family.values()) {
        a.addAll(random(rnd, f, rnd.nextInt(40)));
        b.addAll(random(rnd, f, rnd.nextInt(40)));
      }
      PrefixSet sa = PrefixSet.of(a);
      PrefixSet sb = PrefixSet.of(b);
      for (Family f : Family.values()) {
        ImmutableRangeSet<BigInteger> ra = reference(a, f);
        ImmutableRangeSet<BigInteger> rb = reference(b, f);
        assertThat(sa.ranges(f)).isEqualTo(ra);
        assertThat(sa.union(sb).ranges(f)).as("union %s", round).isEqualTo(ra.union(rb));
        assertThat(sa.difference(sb).ranges(f)).as("difference %s", round)
            .isEqualTo(ra.difference(rb));
        assertThat(sa.intersection(sb).ranges(f)).as("intersection %s", round)
            .isEqualTo(ra.intersection(rb));
        assertThat(PrefixSet.ofRanges(f, ra.asRanges()).ranges(f)).isEqualTo(ra);
      }
      assertThat(PrefixSet.of(sa.prefixes())).isEqualTo(sa);
    }
  }

  @Test
  void adjacentPrefixesCoalesceAndDuplicatesVanish() {
    PrefixSet s = PrefixSet.of(Prefix.parse("104.24.0.0/14"), Prefix.parse("104.16.0.0/13"),
        Prefix.parse("104.16.0.0/13"), Prefix.parse("104.20.0.0/16"));
    assertThat(s.ranges(Family.V4).asRanges()).hasSize(1);
    assertThat(s.prefixes()).containsExactly(Prefix.parse("104.16.0.0/13"),
        Prefix.parse("104.24.0.0/14"));
  }
}
