package io.cfsync.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.common.io.Resources;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DiffTest {

  /** A fixture list, one CIDR a line. */
  static List<Prefix> fixture(String name) throws IOException {
    String text = Resources.toString(Resources.getResource("data/cloudflare/" + name),
        StandardCharsets.UTF_8);
    return text.lines().filter(l -> !l.isBlank()).map(Prefix::parse).toList();
  }

  private static PrefixSet set(String... cidrs) {
    return PrefixSet.of(java.util.Arrays.stream(cidrs).map(Prefix::parse).toList());
  }

  @Test
  void the2021ListToTodaysRemoves104dot28SlashFourteenAndAddsNothing() throws IOException {
    List<Prefix> old = fixture("ips-v4-2021.txt");
    List<Prefix> now = fixture("ips-v4.txt");
    assertThat(old).hasSize(14);
    assertThat(now).hasSize(15);

    Diff d = Diff.between(PrefixSet.of(old), PrefixSet.of(now));

    // The text diff says "104.16.0.0/12 out, /13 and /14 in"; the addresses say otherwise.
    assertThat(d.added().isEmpty()).isTrue();
    assertThat(d.removed().prefixes()).containsExactly(Prefix.parse("104.28.0.0/14"));
    assertThat(d.removed().addressCount(Family.V4)).isEqualTo(BigInteger.valueOf(262_144));
    assertThat(d.unchanged()).isEqualTo(PrefixSet.of(now));
    assertThat(d.isEmpty()).isFalse();
    assertThat(d.before()).isEqualTo(PrefixSet.of(old));
    assertThat(d.after()).isEqualTo(PrefixSet.of(now));

    long had = old.stream().mapToLong(p -> 1L << (32 - p.length())).sum();
    assertThat(d.removedFraction(Family.V4)).isCloseTo(262_144.0 / had, within(1e-12));
    assertThat(d.removedFraction(Family.V6)).isZero();
  }

  @Test
  void theReverseChangeAddsBack104dot28SlashFourteen() throws IOException {
    Diff d = Diff.between(PrefixSet.of(fixture("ips-v4.txt")),
        PrefixSet.of(fixture("ips-v4-2021.txt")));
    assertThat(d.removed().isEmpty()).isTrue();
    assertThat(d.added().prefixes()).containsExactly(Prefix.parse("104.28.0.0/14"));
    assertThat(d.removedFraction(Family.V4)).isZero();
  }

  @Test
  void isEmptyWhenOnlyTheShapeChanged() {
    Diff d = Diff.between(set("104.16.0.0/13", "104.24.0.0/14"),
        set("104.16.0.0/14", "104.20.0.0/14", "104.24.0.0/14"));
    assertThat(d.isEmpty()).isTrue();
    assertThat(d.added().isEmpty()).isTrue();
    assertThat(d.removed().isEmpty()).isTrue();
  }

  @Test
  void splitsAChangeIntoAddedRemovedAndUnchangedPerFamily() {
    Diff d = Diff.between(set("173.245.48.0/20", "2400:cb00::/32", "2606:4700::/32"),
        set("173.245.48.0/21", "131.0.72.0/22", "2606:4700::/32", "2c0f:f248::/32"));
    assertThat(d.added()).isEqualTo(set("131.0.72.0/22", "2c0f:f248::/32"));
    assertThat(d.removed()).isEqualTo(set("173.245.56.0/21", "2400:cb00::/32"));
    assertThat(d.unchanged()).isEqualTo(set("173.245.48.0/21", "2606:4700::/32"));
    assertThat(d.removedFraction(Family.V4)).isEqualTo(0.5);
    assertThat(d.removedFraction(Family.V6)).isEqualTo(0.5);
  }

  @Test
  void removedFractionIsZeroWhenNothingWasThereAndOneWhenAllGoes() {
    assertThat(Diff.between(PrefixSet.empty(), set("104.16.0.0/13")).removedFraction(Family.V4))
        .isZero();
    Diff all = Diff.between(set("104.16.0.0/13", "2606:4700::/32"), PrefixSet.empty());
    assertThat(all.removedFraction(Family.V4)).isEqualTo(1.0);
    assertThat(all.removedFraction(Family.V6)).isEqualTo(1.0);
  }

  @Test
  void removedFractionWeighsAddressesNotPrefixCounts() {
    // One /12 out of a /12 and ten /24s is almost everything, though it is one prefix of 11.
    PrefixSet before = set("104.16.0.0/12", "198.41.128.0/24", "198.41.129.0/24",
        "198.41.130.0/24", "198.41.131.0/24", "198.41.132.0/24", "198.41.133.0/24",
        "198.41.134.0/24", "198.41.135.0/24", "198.41.136.0/24", "198.41.137.0/24");
    Diff d = Diff.between(before, before.difference(set("104.16.0.0/12")));
    assertThat(d.removedFraction(Family.V4))
        .isCloseTo((double) (1 << 20) / ((1 << 20) + 10 * 256), within(1e-12));
  }
}
