package io.cfsync.backend.ufw;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import org.junit.jupiter.api.Test;

class TupleTest {

  @Test
  void readsEveryTupleOfARealUfwFileAndWritesItBackUnchanged() {
    for (Family f : Family.values()) {
      RulesFile file = RulesFile.parse(f, "x", Fixtures.nutratech(f));
      assertThat(file.blocks()).hasSize(4);
      for (RulesFile.Block b : file.blocks()) {
        String original = Fixtures.lines(Fixtures.nutratech(f)).get(b.start());
        assertThat(b.tuple().line()).isEqualTo(original);
      }
    }
  }

  @Test
  void readsAnApplicationTupleWithItsProfileName() {
    Tuple t = Tuple.parse("### tuple ### allow tcp 80,443 0.0.0.0/0 any 0.0.0.0/0 Nginx%20Full - in")
        .orElseThrow();
    assertThat(t.dapp()).isEqualTo("Nginx%20Full");
    assertThat(t.sapp()).isEmpty();
    assertThat(t.iface()).isEqualTo("in");
    assertThat(t.describe()).isEqualTo("allow app 'Nginx Full' (tcp 80,443) from anywhere");
    assertThat(t.ufwArgs(true, false)).containsExactly("delete", "allow", "from", "any", "to",
        "any", "app", "Nginx Full");
  }

  @Test
  void decodesTheHexCommentUfwWrites() {
    Tuple t = Tuple.parse("### tuple ### allow tcp 80,443 0.0.0.0/0 any 173.245.48.0/20 in "
        + "comment=636673796e63").orElseThrow();
    assertThat(t.commentText()).isEqualTo("cfsync");
    assertThat(t.taggedWith("cfsync")).isTrue();
    assertThat(t.taggedWith("cfsync2")).isFalse();
    assertThat(Tuple.hex("cfsync")).isEqualTo("636673796e63");
  }

  @Test
  void anUntaggedOrUndecodableCommentOwnsNothing() {
    assertThat(Tuple.parse("### tuple ### allow tcp 80 0.0.0.0/0 any 1.2.3.0/24 in").orElseThrow()
        .taggedWith("cfsync")).isFalse();
    assertThat(Tuple.parse("### tuple ### allow tcp 80 0.0.0.0/0 any 1.2.3.0/24 in comment=zz")
        .orElseThrow().taggedWith("cfsync")).isFalse();
  }

  @Test
  void skipsTuplesUfwWouldCallMalformed() {
    assertThat(Tuple.parse("### tuple ### allow tcp 80")).isEmpty();
    assertThat(Tuple.parse("-A ufw-user-input -j ACCEPT")).isEmpty();
  }

  @Test
  void writesHostPrefixesWithoutLengthAsUfwNormalisesThem() {
    Tuple t = Tuple.owned(Prefix.parse("198.41.128.10/32"), "443", "cfsync");
    assertThat(t.line()).isEqualTo(
        "### tuple ### allow tcp 443 0.0.0.0/0 any 198.41.128.10 in comment=636673796e63");
    assertThat(t.srcPrefix()).contains(Prefix.parse("198.41.128.10/32"));
  }

  @Test
  void rendersTheUfwCommandThatAddsOrDeletesExactlyTheTaggedRule() {
    Tuple t = Tuple.owned(Prefix.parse("2606:4700::/32"), "80,443", "cfsync");
    assertThat(t.ufwArgs(false, true)).containsExactly("allow", "proto", "tcp", "from",
        "2606:4700::/32", "to", "any", "port", "80,443", "comment", "cfsync");
    assertThat(t.ufwArgs(true, true)).startsWith("delete", "allow");
  }

  @Test
  void rendersInterfaceAndRouteRules() {
    Tuple t = Tuple.parse("### tuple ### route:allow_log tcp 80 10.0.0.0/8 any 0.0.0.0/0 "
        + "in_eth0!out_eth1").orElseThrow();
    assertThat(t.ufwArgs(false, false)).containsExactly("route", "allow", "log", "in", "on",
        "eth0", "out", "on", "eth1", "proto", "tcp", "from", "any", "to", "10.0.0.0/8", "port",
        "80");
  }
}
