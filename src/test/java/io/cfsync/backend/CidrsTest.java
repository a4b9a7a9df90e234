package io.cfsync.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CidrsTest {

  @Test
  void readsWhatTheToolsPrintAndNothingLooser() {
    assertThat(Cidrs.parseV4("104.16.0.0/13")).containsExactly(0x68100000L, 0x68180000L);
    assertThat(Cidrs.parseV4("192.0.2.7")).containsExactly(0xC0000207L, 0xC0000208L);
    assertThat(Cidrs.parseV4("0.0.0.0/0")).containsExactly(0L, 1L << 32);
    for (String bad : List.of("104.16.0.1/13", "010.0.0.0/8", "256.0.0.0/8", "1.2.3/24",
        "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/08", "1.2.3.4.5", "1.2.3.4 ", "", "1..2.3",
        "1.2.3.4/-1", "2606:4700::/32")) {
      assertThat(Cidrs.parseV4(bad)).as(bad).isNull();
    }
    Cidrs.Collector c = new Cidrs.Collector();
    assertThat(c.add("2606:4700::/32")).isTrue();
    assertThat(c.add("2001:db8::1")).isTrue();
    assertThat(c.add("2001:db8::1/64")).isFalse();
    assertThat(c.add("example")).isFalse();
    assertThat(c.build()).isEqualTo(PrefixSet.of(Prefix.parse("2606:4700::/32"),
        Prefix.parse("2001:db8::1/128")));
  }

  @Test
  void rendersTheSameFewestCidrsAsThePrefixModel() {
    Random rnd = new Random(7);
    for (int round = 0; round < 200; round++) {
      List<Prefix> ps = new ArrayList<>();
      for (int i = rnd.nextInt(30); i >= 0; i--) {
        int len = 8 + rnd.nextInt(25);
        long start = (rnd.nextLong() & 0xffffffffL) >>> (32 - len) << (32 - len);
        ps.add(Prefix.of(Family.V4, BigInteger.valueOf(start), len));
      }
      ps.add(Prefix.parse("0.0.0.0/32"));
      ps.add(Prefix.parse("255.255.255.255/32"));
      PrefixSet s = PrefixSet.of(ps);
      List<String> model = s.prefixes(Family.V4).stream().map(Prefix::toString).toList();
      assertThat(Cidrs.of(s, Family.V4)).as("round %s", round).isEqualTo(model);
      Cidrs.Collector back = new Cidrs.Collector();
      Cidrs.of(s, Family.V4).forEach(back::add);
      assertThat(back.build()).isEqualTo(s);
    }
  }
}
