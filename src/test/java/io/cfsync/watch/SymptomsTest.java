package io.cfsync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Installed;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.testing.Fixtures;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class SymptomsTest {

  private static final PrefixSet CF = PrefixSet.of(Fixtures.all());

  private record Seen(PrefixSet prefixes, boolean present) implements Installed {}

  private static Desired want(ImmutableMap<String, String> options) {
    return new Desired(CF, ImmutableSet.of(Family.V4, Family.V6),
        ImmutableList.of(PortRange.of(80), PortRange.of(443)), Policy.RESTRICT, Hook.INPUT,
        Action.DROP, PrefixSet.empty(), Naming.DEFAULT, options);
  }

  @Test
  void nothingPresentNamesTheWholeObject() {
    assertThat(Symptoms.of("nftables", new Seen(PrefixSet.empty(), false),
        want(ImmutableMap.of()))).containsExactly("table inet cfsync missing");
    assertThat(Symptoms.of("nftables", new Seen(PrefixSet.empty(), false),
        want(ImmutableMap.of("nft-table", "inet filter")))).containsExactly(
        "cfsync's sets and rules in table inet filter missing");
    assertThat(Symptoms.of("iptables", new Seen(PrefixSet.empty(), false),
        want(ImmutableMap.of()))).containsExactly("chain CFSYNC and its jump rule missing");
  }

  @Test
  void missingPrefixesAreCountedPerSet() {
    PrefixSet less = CF.difference(PrefixSet.of(Prefix.parse("131.0.72.0/22"),
        Prefix.parse("173.245.48.0/20")));
    assertThat(Symptoms.of("nftables", new Seen(less, true), want(ImmutableMap.of())))
        .containsExactly("set cfsync-v4 lacks 2 of 15 IPv4 prefixes");
    assertThat(Symptoms.of("iptables", new Seen(CF.only(Family.V6), true),
        want(ImmutableMap.of()))).containsExactly(
        "iptables chain CFSYNC is empty (lacks all 15 IPv4 prefixes)");
  }

  @Test
  void foreignPrefixesInCfsyncsSetAreNamed() {
    PrefixSet more = CF.union(PrefixSet.of(Prefix.parse("203.0.113.0/24")));
    assertThat(Symptoms.of("ipset", new Seen(more, true), want(ImmutableMap.of())))
        .containsExactly("set cfsync-v4 holds 1 IPv4 prefix the lists do not name");
    PrefixSet three = more.union(PrefixSet.of(Prefix.parse("198.51.100.0/24"),
        Prefix.parse("192.0.2.0/24")));
    assertThat(Symptoms.of("nftables", new Seen(three, true), want(ImmutableMap.of())))
        .containsExactly("set cfsync-v4 holds 3 IPv4 prefixes the lists do not name");
  }

  @Test
  void samePrefixesButAPlanToRunMeansTheRulesWereAltered() {
    assertThat(Symptoms.of("iptables", new Seen(CF, true), want(ImmutableMap.of())))
        .containsExactly("jump rule tagged cfsync (or chain CFSYNC's rules) missing or altered");
    assertThat(Symptoms.of("nftables", new Seen(CF, true), want(ImmutableMap.of(
        "nft-table", "inet filter", "nft-chain", "input")))).containsExactly(
        "accept rule tagged cfsync in inet filter input missing or altered");
  }

  @Test
  void blameNamesTheTransactionThatTouchedCfsyncsObjects() {
    Transaction other = new Transaction(5, new Culprit(10, "fail2ban-server", "", "", "",
        ImmutableList.of()), ImmutableList.of("add element inet f2b addr-set-sshd { 1.2.3.4 }"),
        1);
    Transaction flush = new Transaction(6, new Culprit(11, "nft", "nft flush ruleset", "", "",
        ImmutableList.of()), ImmutableList.of("delete chain inet cfsync input",
        "delete table inet cfsync"), 2);
    Supplier<ImmutableList<Culprit>> none = ImmutableList::of;
    Trigger t = new Trigger("2 ruleset changes", ImmutableList.of(flush, other), none, 0);
    assertThat(t.blame(Symptoms.ownNames(want(ImmutableMap.of())))).isEqualTo(
        "probably nft (pid 11: nft flush ruleset), generation 6 [delete chain inet cfsync "
            + "input, 1 more change(s)]");
    Trigger onlyOther = new Trigger("1 ruleset change", ImmutableList.of(other), none, 0);
    assertThat(onlyOther.blame(Symptoms.ownNames(want(ImmutableMap.of()))))
        .startsWith("probably fail2ban-server (pid 10)");
    Trigger poll = new Trigger("poll", ImmutableList.of(), () -> ImmutableList.of(
        Culprit.of(77, "ufw")), 0);
    assertThat(poll.blame(ImmutableList.of())).isEqualTo(
        "possibly ufw (pid 77) (running at the poll)");
    assertThat(Trigger.of("poll").blame(ImmutableList.of())).isEqualTo("removed by: unknown");
  }
}
