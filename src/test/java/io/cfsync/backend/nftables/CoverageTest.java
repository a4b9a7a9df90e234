package io.cfsync.backend.nftables;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.model.Diff;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CoverageTest {

  static PrefixSet random(Random rnd, int n) {
    List<Prefix> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean v4 = rnd.nextInt(4) > 0;
      Family f = v4 ? Family.V4 : Family.V6;
      int len = v4 ? 20 + rnd.nextInt(13) : 100 + rnd.nextInt(29);
      BigInteger base = v4 ? BigInteger.valueOf(0x0B000000L + rnd.nextInt(1 << 16) * 256L)
          : new BigInteger("26064700000000000000000000000000", 16)
              .add(BigInteger.valueOf(rnd.nextInt(1 << 16)).shiftLeft(16));
      BigInteger mask = BigInteger.ONE.shiftLeft(f.bits() - len).subtract(BigInteger.ONE);
      out.add(Prefix.of(f, base.andNot(mask), len));
    }
    return PrefixSet.of(out);
  }

  @Test
  void linearDiffEqualsTheModelsDiffOnRandomSets() {
    Random rnd = new Random(7);
    for (int round = 0; round < 300; round++) {
      PrefixSet a = random(rnd, rnd.nextInt(60));
      PrefixSet b = rnd.nextBoolean() ? a.union(random(rnd, rnd.nextInt(8)))
          .difference(random(rnd, rnd.nextInt(8))) : random(rnd, rnd.nextInt(60));
      Diff want = Diff.between(a, b);
      Diff got = Coverage.diff(a, b);
      assertThat(got.added()).as("added, round %s", round).isEqualTo(want.added());
      assertThat(got.removed()).as("removed, round %s", round).isEqualTo(want.removed());
      assertThat(got.unchanged()).as("unchanged, round %s", round).isEqualTo(want.unchanged());
    }
  }

  @Test
  void coverageIgnoresHowTheAddressesAreCut() {
    Coverage split = Coverage.of(Family.V4, List.of(Prefix.parse("104.16.0.0/13"),
        Prefix.parse("104.24.0.0/14")));
    Coverage.Builder range = new Coverage.Builder(Family.V4);
    range.add(BigInteger.valueOf(0x68100000L), BigInteger.valueOf(0x681C0000L));
    assertThat(range.build()).isEqualTo(split);
    assertThat(split.prefixes()).containsExactly(Prefix.parse("104.16.0.0/13"),
        Prefix.parse("104.24.0.0/14"));
    assertThat(Coverage.of(Family.V4, List.of(Prefix.parse("104.16.0.0/12"))))
        .isNotEqualTo(split);
  }

  @Test
  void parsesDottedQuadsStrictly() {
    assertThat(Addresses.v4("104.16.0.10")).isEqualTo(0x6810000AL);
    assertThat(Addresses.v4("255.255.255.255")).isEqualTo(0xFFFFFFFFL);
    for (String bad : List.of("256.0.0.1", "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.", "a.b.c.d",
        "1234.1.1.1", "")) {
      assertThat(Addresses.v4(bad)).as(bad).isEqualTo(-1);
    }
    assertThat(Addresses.parse("::ffff:1.2.3.4").orElseThrow().family()).isEqualTo(Family.V6);
  }
}
