package io.cfsync.backend.nftables;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

class CoverageTest {

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
