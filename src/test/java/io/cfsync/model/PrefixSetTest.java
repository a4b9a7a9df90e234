package io.cfsync.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableRangeSet;
import com.google.common.collect.Range;
import com.google.common.collect.TreeRangeSet;
import com.google.common.net.InetAddresses;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PrefixSetTest {

  private static PrefixSet set(String... cidrs) {
    List<Prefix> ps = new ArrayList<>();
    for (String c : cidrs) {
      ps.add(Prefix.parse(c));
    }
    return PrefixSet.of(ps);
  }

  private static List<String> text(List<Prefix> prefixes) {
    return prefixes.stream().map(Prefix::toString).toList();
  }

  private static PrefixSet range(String first, String last) {
    return PrefixSet.ofInclusiveRange(InetAddresses.forString(first),
        InetAddresses.forString(last));
  }

  @Test
  void collapsesDuplicatesAndContainedPrefixes() {
    PrefixSet s = set("104.16.0.0/12", "104.16.0.0/13", "104.24.0.0/14", "104.16.0.0/12",
        "104.20.1.0/24");
    assertThat(text(s.prefixes())).containsExactly("104.16.0.0/12");
  }

  @Test
  void coalescesAdjacentSiblingsIntoTheirParent() {
    assertThat(text(set("104.16.0.0/13", "104.24.0.0/13").prefixes()))
        .containsExactly("104.16.0.0/12");
    assertThat(text(set("2400:cb00::/33", "2400:cb00:8000::/33").prefixes()))
        .containsExactly("2400:cb00::/32");
    // Four /26 that make one /24, given out of order.
    assertThat(text(set("198.41.128.192/26", "198.41.128.0/26", "198.41.128.128/26",
        "198.41.128.64/26").prefixes())).containsExactly("198.41.128.0/24");
  }

  @Test
  void keepsAdjacentNonSiblingsApartButCoversTheWholeRange() {
    // Today's Cloudflare /13 + /14: adjacent, one range, but no single prefix covers it.
    PrefixSet s = set("104.24.0.0/14", "104.16.0.0/13");
    assertThat(s.ranges(Family.V4).asRanges()).hasSize(1);
    assertThat(text(s.prefixes())).containsExactly("104.16.0.0/13", "104.24.0.0/14");
    assertThat(s).isEqualTo(range("104.16.0.0", "104.27.255.255"));
  }

  @Test
  void mergesOverlappingPrefixes() {
    // 1.0.0.0/23 overlaps 1.0.1.0/24 and reaches 1.0.2.0/24 by adjacency.
    PrefixSet s = set("1.0.0.0/23", "1.0.1.0/24", "1.0.2.0/24");
    assertThat(text(s.prefixes())).containsExactly("1.0.0.0/23", "1.0.2.0/24");
    assertThat(s.addressCount(Family.V4)).isEqualTo(BigInteger.valueOf(768));
  }

  @Test
  void keepsFamiliesApart() {
    PrefixSet s = set("2606:4700::/32", "104.16.0.0/13", "0.0.0.0/32", "::/128");
    assertThat(text(s.prefixes())).containsExactly("0.0.0.0/32", "104.16.0.0/13", "::/128",
        "2606:4700::/32");
    assertThat(text(s.prefixes(Family.V6))).containsExactly("::/128", "2606:4700::/32");
    assertThat(s.only(Family.V4)).isEqualTo(set("0.0.0.0/32", "104.16.0.0/13"));
    assertThat(s.only(Family.V6).isEmpty(Family.V4)).isTrue();
    assertThat(s.byFamily().get(Family.V4)).isEqualTo(s.prefixes(Family.V4));
    assertThat(s.prefixCount(Family.V6)).isEqualTo(2);
  }

  @Test
  void splitsAnOddRangeIntoTheFewestAlignedPrefixes() {
    assertThat(text(range("1.0.0.1", "1.0.0.6").prefixes())).containsExactly("1.0.0.1/32",
        "1.0.0.2/31", "1.0.0.4/31", "1.0.0.6/32");
    assertThat(text(range("104.16.0.0", "104.27.255.255").prefixes()))
        .containsExactly("104.16.0.0/13", "104.24.0.0/14");
    assertThat(text(range("9.255.255.255", "10.0.0.0").prefixes()))
        .containsExactly("9.255.255.255/32", "10.0.0.0/32");
    assertThat(text(range("2606:4700::ffff", "2606:4700::1:0").prefixes()))
        .containsExactly("2606:4700::ffff/128", "2606:4700::1:0/128");
  }

  @Test
  void coversTheWholeSpaceOfEitherFamilyWithOnePrefix() {
    assertThat(text(range("0.0.0.0", "255.255.255.255").prefixes()))
        .containsExactly("0.0.0.0/0");
    assertThat(text(range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").prefixes()))
        .containsExactly("::/0");
    assertThat(range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").addressCount(Family.V6))
        .isEqualTo(BigInteger.ONE.shiftLeft(128));
  }

  @Test
  void splitsTheV6SpaceMinusOneAddressAtEitherEndIntoOnePrefixPerBit() {
    List<Prefix> fromOne = range("::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").prefixes();
    assertThat(fromOne).hasSize(128);
    assertThat(fromOne.get(0).toString()).isEqualTo("::1/128");
    assertThat(fromOne.get(1).toString()).isEqualTo("::2/127");
    assertThat(fromOne.get(127).toString()).isEqualTo("8000::/1");

    List<Prefix> toLastButOne =
        range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe").prefixes();
    assertThat(toLastButOne).hasSize(128);
    assertThat(toLastButOne.get(0).toString()).isEqualTo("::/1");
    assertThat(toLastButOne.get(127).toString())
        .isEqualTo("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128");
    // Both pass the IPv4-mapped block ::ffff:0:0/96 and must still be IPv6 prefixes.
    assertThat(fromOne).allMatch(p -> p.family() == Family.V6);
    assertThat(toLastButOne).allMatch(p -> p.family() == Family.V6);

    assertThat(text(range("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").prefixes()))
        .containsExactly("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
    assertThat(text(range("255.255.255.255", "255.255.255.255").prefixes()))
        .containsExactly("255.255.255.255/32");
  }

  @Test
  void prefixesAreMinimalSortedDisjointAndCoverExactlyTheSet() {
    Random rnd = new Random(20260504L);
    for (int round = 0; round < 300; round++) {
      Family f = round % 2 == 0 ? Family.V4 : Family.V6;
      List<Range<BigInteger>> ranges = new ArrayList<>();
      for (int i = 0; i < 1 + rnd.nextInt(6); i++) {
        BigInteger a = new BigInteger(f.bits(), rnd);
        BigInteger len = new BigInteger(Math.min(f.bits(), 1 + rnd.nextInt(f.bits())), rnd)
            .add(BigInteger.ONE);
        BigInteger b = a.add(len).min(f.size());
        ranges.add(Range.closedOpen(a, b));
      }
      PrefixSet s = PrefixSet.ofRanges(f, ranges);
      ImmutableList<Prefix> out = s.prefixes(f);

      assertThat(PrefixSet.of(out)).isEqualTo(s);
      assertThat(out).isSorted();
      for (int i = 1; i < out.size(); i++) {
        assertThat(out.get(i - 1).end()).isLessThanOrEqualTo(out.get(i).first());
      }
      // Minimal: no prefix could be replaced by its parent, so no two could be merged.
      for (Prefix p : out) {
        if (p.length() > 0) {
          int parentLen = p.length() - 1;
          BigInteger parentFirst = p.first().shiftRight(f.bits() - parentLen)
              .shiftLeft(f.bits() - parentLen);
          assertThat(s.encloses(Prefix.of(f, parentFirst, parentLen)))
              .as("%s could be widened to /%s in %s", p, parentLen, s).isFalse();
        }
      }
    }
  }

  @Test
  void computesUnionDifferenceAndIntersectionOnAddresses() {
    PrefixSet a = set("104.16.0.0/12", "2606:4700::/32");
    PrefixSet b = set("104.16.0.0/13", "104.24.0.0/14", "2400:cb00::/32");
    assertThat(text(a.difference(b).prefixes())).containsExactly("104.28.0.0/14",
        "2606:4700::/32");
    assertThat(text(b.difference(a).prefixes())).containsExactly("2400:cb00::/32");
    assertThat(text(a.intersection(b).prefixes())).containsExactly("104.16.0.0/13",
        "104.24.0.0/14");
    assertThat(text(a.union(b).prefixes())).containsExactly("104.16.0.0/12", "2400:cb00::/32",
        "2606:4700::/32");
    assertThat(a.difference(a).isEmpty()).isTrue();
    assertThat(PrefixSet.empty().isEmpty()).isTrue();
    assertThat(PrefixSet.empty().prefixes()).isEmpty();
  }

  @Test
  void answersContainmentByAddress() {
    PrefixSet s = set("104.16.0.0/13", "104.24.0.0/14", "2606:4700::/32");
    assertThat(s.contains(InetAddresses.forString("104.27.255.255"))).isTrue();
    assertThat(s.contains(InetAddresses.forString("104.28.0.0"))).isFalse();
    assertThat(s.contains(InetAddresses.forString("2606:4700:ffff::1"))).isTrue();
    assertThat(s.contains(InetAddresses.forString("2606:4701::"))).isFalse();
    // The same 32 bits in the other family are another address.
    assertThat(set("0.0.0.0/8").contains(InetAddresses.forString("::1"))).isFalse();

    assertThat(s.encloses(Prefix.parse("104.20.0.0/14"))).isTrue();
    assertThat(s.encloses(Prefix.parse("104.16.0.0/12"))).isFalse();
    assertThat(s.encloses(Prefix.parse("104.22.0.0/15"))).isTrue();
    assertThat(s.enclosesAll(set("104.16.0.0/13", "2606:4700:1::/48"))).isTrue();
    assertThat(s.enclosesAll(set("104.16.0.0/12"))).isFalse();
  }

  @Test
  void isEqualWhenItCoversTheSameAddressesWhateverTheShape() {
    PrefixSet a = set("104.16.0.0/13", "104.24.0.0/14");
    PrefixSet b = set("104.16.0.0/14", "104.20.0.0/14", "104.24.0.0/15", "104.26.0.0/15");
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(set("104.16.0.0/12"));
    assertThat(a.toString()).isEqualTo("[104.16.0.0/13, 104.24.0.0/14]");
  }

  @Test
  void countsAddressesPerFamily() {
    PrefixSet s = PrefixSet.of(ImmutableList.of(Prefix.parse("104.16.0.0/13"),
        Prefix.parse("104.24.0.0/14"), Prefix.parse("2a06:98c0::/29")));
    assertThat(s.addressCount(Family.V4)).isEqualTo(BigInteger.valueOf((1 << 19) + (1 << 18)));
    assertThat(s.addressCount(Family.V6)).isEqualTo(BigInteger.ONE.shiftLeft(99));
    assertThat(PrefixSet.empty().addressCount(Family.V4)).isEqualTo(BigInteger.ZERO);
  }

  /** A random prefix, biased towards the edges of the space and towards collisions. */
  private static Prefix randomPrefix(Random rnd, Family f) {
    int len = switch (rnd.nextInt(6)) {
      case 0 -> 0;
      case 1 -> f.bits();
      default -> rnd.nextInt(f.bits() + 1);
    };
    BigInteger a = switch (rnd.nextInt(5)) {
      case 0 -> BigInteger.ZERO;
      case 1 -> f.size().subtract(BigInteger.ONE);
      // A small pool of networks, so that prefixes overlap, nest and abut often.
      case 2 -> BigInteger.valueOf(rnd.nextInt(16)).shiftLeft(f.bits() - 4);
      default -> new BigInteger(f.bits(), rnd);
    };
    BigInteger first = a.shiftRight(f.bits() - len).shiftLeft(f.bits() - len);
    return Prefix.of(f, first, len);
  }

  private static TreeRangeSet<BigInteger> reference(List<Prefix> ps, Family f) {
    TreeRangeSet<BigInteger> t = TreeRangeSet.create();
    for (Prefix p : ps) {
      if (p.family() == f) {
        t.add(Range.closedOpen(p.first(), p.end()));
      }
    }
    return t;
  }

  @Test
  void collapsesAndCombinesExactlyLikeATreeRangeSet() {
    Random rnd = new Random(7L);
    for (int round = 0; round < 400; round++) {
      List<Prefix> xs = new ArrayList<>();
      List<Prefix> ys = new ArrayList<>();
      int n = 1 + rnd.nextInt(round % 10 == 0 ? 300 : 12);
      for (int i = 0; i < n; i++) {
        Family f = rnd.nextBoolean() ? Family.V4 : Family.V6;
        (rnd.nextBoolean() ? xs : ys).add(randomPrefix(rnd, f));
      }
      PrefixSet x = PrefixSet.of(xs);
      PrefixSet y = PrefixSet.of(ys);
      for (Family f : Family.values()) {
        TreeRangeSet<BigInteger> rx = reference(xs, f);
        TreeRangeSet<BigInteger> ry = reference(ys, f);
        assertThat(x.ranges(f)).as("of %s", xs).isEqualTo(ImmutableRangeSet.copyOf(rx));

        TreeRangeSet<BigInteger> u = TreeRangeSet.create(rx);
        u.addAll(ry);
        assertThat(x.union(y).ranges(f)).as("%s | %s", xs, ys)
            .isEqualTo(ImmutableRangeSet.copyOf(u));
        TreeRangeSet<BigInteger> d = TreeRangeSet.create(rx);
        d.removeAll(ry);
        assertThat(x.difference(y).ranges(f)).as("%s - %s", xs, ys)
            .isEqualTo(ImmutableRangeSet.copyOf(d));
        TreeRangeSet<BigInteger> i = TreeRangeSet.create(rx);
        i.removeAll(ry.complement());
        assertThat(x.intersection(y).ranges(f)).as("%s & %s", xs, ys)
            .isEqualTo(ImmutableRangeSet.copyOf(i));

        BigInteger count = BigInteger.ZERO;
        for (Range<BigInteger> r : rx.asRanges()) {
          count = count.add(r.upperEndpoint().subtract(r.lowerEndpoint()));
        }
        assertThat(x.addressCount(f)).isEqualTo(count);
        assertThat(PrefixSet.of(x.prefixes(f))).isEqualTo(x.only(f));
      }
    }
  }

  @Test
  void normalisesAnyBoundedRangesFromTools() {
    PrefixSet s = PrefixSet.ofRanges(Family.V4, List.of(
        Range.closed(BigInteger.valueOf(10), BigInteger.valueOf(19)),
        Range.open(BigInteger.valueOf(19), BigInteger.valueOf(30)),
        Range.closedOpen(BigInteger.valueOf(25), BigInteger.valueOf(40)),
        Range.openClosed(BigInteger.valueOf(5), BigInteger.valueOf(5))));
    assertThat(s.ranges(Family.V4).asRanges()).containsExactly(
        Range.closedOpen(BigInteger.valueOf(10), BigInteger.valueOf(40)));
    assertThatThrownBy(() -> PrefixSet.ofRanges(Family.V4,
        List.of(Range.atLeast(BigInteger.ONE)))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PrefixSet.ofRanges(Family.V4,
        List.of(Range.closedOpen(BigInteger.ZERO, Family.V4.size().add(BigInteger.ONE)))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
  }

  @Test
  void refusesRangesThatMixFamiliesOrRunBackwards() {
    assertThatThrownBy(() -> range("1.0.0.0", "::1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mixes families");
    assertThatThrownBy(() -> range("1.0.0.2", "1.0.0.1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
  }
  @Test
  void primitiveBuilderAndVisitorAgreeWithThePrefixAndRangePaths() {
    Random r = new Random(11);
    for (int round = 0; round < 50; round++) {
      List<Prefix> prefixes = new ArrayList<>();
      PrefixSet.Builder viaPrefixes = new PrefixSet.Builder();
      PrefixSet.Builder viaLongs = new PrefixSet.Builder();
      List<Range<BigInteger>> ranges = new ArrayList<>();
      int n = 1 + r.nextInt(round < 40 ? 300 : 5000);
      for (int i = 0; i < n; i++) {
        boolean six = r.nextInt(4) == 0;
        int len = six ? 8 + r.nextInt(121) : r.nextInt(33);
        int host = (six ? 128 : 32) - len;
        BigInteger any = six ? new BigInteger(128, r) : BigInteger.valueOf(r.nextInt() & 0xffffffffL);
        Prefix p = Prefix.of(six ? Family.V6 : Family.V4, any.shiftRight(host).shiftLeft(host),
            len);
        prefixes.add(p);
        viaPrefixes.add(p);
        if (p.family() == Family.V4) {
          long first = p.first().longValueExact();
          long last = p.end().longValueExact() - 1;
          viaLongs.add(Family.V4, 0, first, 0, last);
          ranges.add(Range.closedOpen(p.first(), p.end()));
        }
      }
      PrefixSet expected = PrefixSet.of(prefixes);
      assertThat(viaPrefixes.build()).isEqualTo(expected);
      assertThat(viaLongs.build()).isEqualTo(expected.only(Family.V4))
          .isEqualTo(PrefixSet.ofRanges(Family.V4, ranges));
      for (Family f : Family.values()) {
        assertThat(expected.prefixCount(f)).isEqualTo(expected.prefixes(f).size());
        List<Range<BigInteger>> seen = new ArrayList<>();
        expected.forEachRange(f, (fh, fl, lh, ll) -> seen.add(Range.closedOpen(
            Spans.big(fh, fl), Spans.bigEnd(lh, ll))));
        assertThat(seen).containsExactlyElementsOf(expected.ranges(f).asRanges());
      }
    }
  }

  @Test
  void unsortedRangesNearTheBottomOfTheV6SpaceKeepTheirWholeWidth() {
    // Ranges starting below 2^32 take a packed sort only while they are narrower than 2^32:
    // ::/64 here is not, and must not be cut to its low 32 bits.
    PrefixSet.Builder b = new PrefixSet.Builder();
    b.add(Family.V6, 0, 0x1_0000_0000L, 0, 0x1_0000_00ffL);
    b.add(Family.V6, 0, 0, 0, -1L);
    b.add(Family.V6, 0, 0x10, 0, 0x1f);
    PrefixSet.Builder narrow = new PrefixSet.Builder();
    narrow.add(Family.V6, 0, 0xffff_ff00L, 0, 0xffff_ffffL);
    narrow.add(Family.V6, 0, 0x10, 0, 0x1f);
    narrow.add(Family.V4, 0, 0xff00_0000L, 0, 0xffff_ffffL);
    narrow.add(Family.V4, 0, 0, 0, 0xffff_ffffL);
    narrow.add(Family.V4, 0, 0x8000_0000L, 0, 0x8000_00ffL);
    assertThat(b.build()).isEqualTo(PrefixSet.of(Prefix.parse("::/64")));
    assertThat(narrow.build()).isEqualTo(PrefixSet.of(Prefix.parse("::10/124"),
        Prefix.parse("::ffff:ff00/120"), Prefix.parse("0.0.0.0/0")));
  }

  @Test
  void primitiveBuilderRefusesRangesOutsideTheFamily() {
    assertThatThrownBy(() -> new PrefixSet.Builder().add(Family.V4, 0, 1L << 32, 0, 1L << 32))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PrefixSet.Builder().add(Family.V4, 0, 5, 0, 4))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PrefixSet.Builder().add(Family.V6, 0, 5, 0, 4))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
