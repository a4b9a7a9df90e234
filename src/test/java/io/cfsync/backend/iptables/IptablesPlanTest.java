package io.cfsync.backend.iptables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Desired;
import io.cfsync.backend.FixtureRunner;
import io.cfsync.backend.Golden;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Installed;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Plan;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.backend.XtFlavour;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Result;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Plans against fixture tables, compared with golden restore scripts (and their undo). */
class IptablesPlanTest {

  /** A fresh backend per host: an instance remembers the flavour its host answered with. */
  static IptablesBackend backend() {
    return new IptablesBackend();
  }

  static final PrefixSet CLOUDFLARE = Fixtures.builtin();

  static Desired want(PrefixSet prefixes, Set<Family> families, String ports, Policy p, Hook h,
      Action a, String... extras) {
    List<Prefix> ex = new ArrayList<>();
    for (String e : extras) {
      ex.add(Prefix.parse(e));
    }
    PrefixSet only = PrefixSet.empty();
    for (Family f : families) {
      only = only.union(prefixes.only(f));
    }
    return new Desired(only, ImmutableSet.copyOf(families), PortRange.parseList(ports), p, h, a,
        PrefixSet.of(ex), Naming.DEFAULT, ImmutableMap.of());
  }

  static Desired allow(PrefixSet prefixes) {
    return want(prefixes, Set.of(Family.V4, Family.V6), "80,443", Policy.ALLOW, Hook.INPUT,
        Action.DROP);
  }

  static Plan plan(FixtureRunner run, Desired d) {
    IptablesBackend b = backend();
    Plan p = b.plan(b.read(run, d.naming()), d);
    assertThat(run.ran()).as("reads only").allSatisfy(c -> assertThat(c.tool())
        .matches("ip6?tables(-nft-save|-legacy-save|-save)?"));
    return p;
  }

  /** The tables a first apply of {@code d} leaves, as iptables-save prints them. */
  static String installed(String v4Rules, String hookChainDecl) {
    return "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        + ":CFSYNC - [0:0]\n" + hookChainDecl + v4Rules + "COMMIT\n";
  }

  @Test
  void firstApplyCreatesChainAndJumpInOneRestorePerFamily() {
    Plan p = plan(FixtureRunner.nft(null, null), allow(CLOUDFLARE));
    assertThat(p.diff().added()).isEqualTo(CLOUDFLARE);
    Golden.check("iptables", "first-apply-allow", Golden.render(p));
  }

  @Test
  void restrictWithRejectExtrasAndPortRangesOnIpv4Only() {
    Plan p = plan(FixtureRunner.nft(null, null), want(CLOUDFLARE, Set.of(Family.V4),
        "443,80,8000-8080", Policy.RESTRICT, Hook.INPUT, Action.REJECT, "198.51.100.7/32",
        "2001:db8::/48"));
    assertThat(p.commands()).hasSize(1);
    Golden.check("iptables", "restrict-reject-extras-v4", Golden.render(p));
  }

  @Test
  void dockerUserOnADockerHostFiltersByOriginalPortAndLeavesDockersRules() {
    Plan p = plan(FixtureRunner.nft(
        FixtureRunner.resource("rulesets/iptables/docker-isolation-iptables-nft-free5gc.txt"),
        FixtureRunner.resource("rulesets/iptables/docker-ip6tables-derived.txt")),
        want(CLOUDFLARE, Set.of(Family.V4, Family.V6), "80,443", Policy.RESTRICT,
            Hook.DOCKER_USER, Action.DROP));
    assertThat(p.notes()).isEmpty();
    Golden.check("iptables", "docker-user-restrict", Golden.render(p));
  }

  @Test
  void aListChangeRefillsTheChainAndKeepsTheJump() {
    String v4 = installed("-A INPUT -p tcp -m multiport --dports 80,443 -m comment --comment "
        + "cfsync -j CFSYNC\n" + rules(Fixtures.listed("rulesets/cloudflare-2021-v4.txt")) + "-A CFSYNC -j "
        + "RETURN\n", "");
    Plan p = plan(FixtureRunner.nft(v4, null), want(CLOUDFLARE, Set.of(Family.V4), "80,443",
        Policy.ALLOW, Hook.INPUT, Action.DROP));
    assertThat(p.diff().removed().prefixes()).containsExactly(Prefix.parse("104.28.0.0/14"));
    assertThat(p.diff().added().isEmpty()).isTrue();
    Golden.check("iptables", "list-change-keeps-jump", Golden.render(p));
  }

  static String rules(PrefixSet s) {
    StringBuilder sb = new StringBuilder();
    for (Prefix p : s.prefixes()) {
      sb.append("-A CFSYNC -s ").append(p).append(" -j ACCEPT\n");
    }
    return sb.toString();
  }

  @Test
  void inSyncMeansNoCommandEvenWhenTheChainSplitsPrefixesDifferently() {
    PrefixSet v4 = CLOUDFLARE.only(Family.V4);
    String exact = installed("-A INPUT -p tcp -m multiport --dports 80,443 -m comment "
        + "--comment cfsync -j CFSYNC\n" + rules(v4) + "-A CFSYNC -j RETURN\n", "");
    Desired d = want(CLOUDFLARE, Set.of(Family.V4), "80,443", Policy.ALLOW, Hook.INPUT,
        Action.DROP);
    assertThat(plan(FixtureRunner.nft(exact, null), d).isEmpty()).isTrue();
    String split = exact.replace("-A CFSYNC -s 104.16.0.0/13 -j ACCEPT\n",
        "-A CFSYNC -s 104.20.0.0/14 -j ACCEPT\n-A CFSYNC -s 104.16.0.0/14 -j ACCEPT\n");
    assertThat(split).isNotEqualTo(exact);
    Plan p = plan(FixtureRunner.nft(split, null), d);
    assertThat(p.isEmpty()).isTrue();
    assertThat(p.undo()).isEmpty();
    assertThat(p.diff().isEmpty()).isTrue();
  }

  @Test
  void staleAndDuplicateTaggedJumpsAreReplacedByOneAndRestoredByUndo() {
    String v4 = installed("-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
        + "-A INPUT -p tcp -m multiport --dports 80 -m comment --comment cfsync -j CFSYNC\n"
        + "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
        + "-A INPUT -p tcp -m multiport --dports 80 -m comment --comment cfsync -j CFSYNC\n"
        + "-A INPUT -p tcp -m multiport --dports 8080 -j CFSYNC\n"
        + rules(CLOUDFLARE.only(Family.V4)) + "-A CFSYNC -j RETURN\n", "");
    Plan p = plan(FixtureRunner.nft(v4, null), want(CLOUDFLARE, Set.of(Family.V4), "80,443",
        Policy.ALLOW, Hook.INPUT, Action.DROP));
    assertThat(p.diff().isEmpty()).isTrue();
    assertThat(p.notes()).singleElement().asString().contains("without the cfsync tag");
    Golden.check("iptables", "stale-jumps-replaced", Golden.render(p));
  }

  @Test
  void movingToDockerUserDeletesTheInputJump() {
    String v4 = installed("-A INPUT -p tcp -m multiport --dports 80,443 -m comment --comment "
        + "cfsync -j CFSYNC\n-A FORWARD -j DOCKER-USER\n-A DOCKER-USER -j RETURN\n"
        + rules(CLOUDFLARE.only(Family.V4)) + "-A CFSYNC -j RETURN\n", ":DOCKER-USER - [0:0]\n");
    Plan p = plan(FixtureRunner.nft(v4, null), want(CLOUDFLARE, Set.of(Family.V4), "80,443",
        Policy.ALLOW, Hook.DOCKER_USER, Action.DROP));
    Golden.check("iptables", "hook-input-to-docker-user", Golden.render(p));
  }

  @Test
  void legacyHostsGetTheLegacyToolsAndPre18HostsThePlainOnes() {
    FixtureRunner legacy = new FixtureRunner()
        .answer("iptables -V", "iptables v1.8.9 (legacy)\n")
        .answer("ip6tables -V", "ip6tables v1.6.1\n")
        .answer("iptables-legacy-save -t filter", "")
        .answer("ip6tables-save -t filter", "");
    Plan p = plan(legacy, allow(CLOUDFLARE));
    assertThat(p.commands()).extracting(c -> String.join(" ", c.argv())).containsExactly(
        "iptables-legacy-restore --noflush --wait 10", "ip6tables-restore --noflush");
    assertThat(p.undo()).extracting(c -> String.join(" ", c.argv())).containsExactly(
        "ip6tables-restore --noflush", "iptables-legacy-restore --noflush --wait 10");
  }

  @Test
  void warnsWhenLegacyRulesRunBesideTheNftOnes() {
    FixtureRunner run = FixtureRunner.nft(null, null).answer("iptables-nft-save -t filter",
        new Result(0, "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n",
            "# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n"));
    Plan p = plan(run, allow(CLOUDFLARE));
    assertThat(p.notes()).singleElement().asString()
        .contains("ipv4 firewall also has iptables-legacy rules").contains("iptables-legacy-save");
  }

  @Test
  void aFamilyThatCannotBeReadFailsOnlyWhenSelected() {
    FixtureRunner run = FixtureRunner.nft(null, null).answer("ip6tables-nft-save -t filter",
        new Result(1, "", "ip6tables-nft-save: Could not fetch rule set generation id: "
            + "Address family not supported by protocol\n"));
    Desired v4 = want(CLOUDFLARE, Set.of(Family.V4), "80,443", Policy.ALLOW, Hook.INPUT,
        Action.DROP);
    assertThat(plan(run, v4).commands()).hasSize(1);
    assertThatThrownBy(() -> plan(run, allow(CLOUDFLARE))).isInstanceOf(BackendFailure.class)
        .hasMessageContaining("cannot read the ipv6 firewall: ip6tables-nft-save exited 1: "
            + "Could not fetch rule set generation id");
  }

  @Test
  void installedPrefixesAreTheChainsCloudflareAcceptsNotTheExtras() {
    String v4 = installed("-A INPUT -p tcp -m multiport --dports 80,443 -m comment --comment "
        + "cfsync -j CFSYNC\n-A CFSYNC -s 104.16.0.0/13 -j ACCEPT\n-A CFSYNC -s 198.51.100.7/32 "
        + "-m comment --comment allow-extra -j ACCEPT\n-A CFSYNC -j RETURN\n", "");
    Installed now = backend().read(FixtureRunner.nft(v4, null), Naming.DEFAULT);
    assertThat(now.prefixes()).isEqualTo(PrefixSet.of(Prefix.parse("104.16.0.0/13")));
    assertThat(now.present()).isTrue();
    assertThat(backend().read(FixtureRunner.nft(v4, null), new Naming("cfsync", "OTHER", "cfsync",
        "cfsync")).present()).isFalse();
  }

  @Test
  void refusesToOwnABuiltInChainOrAForeignChainInUse() {
    Desired input = new Desired(CLOUDFLARE.only(Family.V4), ImmutableSet.of(Family.V4),
        PortRange.parseList("80"), Policy.ALLOW, Hook.INPUT, Action.DROP, PrefixSet.empty(),
        new Naming("cfsync", "INPUT", "cfsync", "cfsync"), ImmutableMap.of());
    assertThatThrownBy(() -> plan(FixtureRunner.nft(null, null), input))
        .isInstanceOf(io.cfsync.error.UsageError.class).hasMessageContaining("--chain INPUT");
    Desired docker = new Desired(CLOUDFLARE.only(Family.V4), ImmutableSet.of(Family.V4),
        PortRange.parseList("80"), Policy.ALLOW, Hook.INPUT, Action.DROP, PrefixSet.empty(),
        new Naming("cfsync", "DOCKER", "cfsync", "cfsync"), ImmutableMap.of());
    assertThatThrownBy(() -> plan(FixtureRunner.nft(FixtureRunner.resource(
        "rulesets/iptables/docker-isolation-iptables-nft-free5gc.txt"), null), docker))
        .isInstanceOf(io.cfsync.error.SafetyRefusal.class)
        .hasMessageContaining("chain DOCKER holds rules cfsync did not write and is used by "
            + "\"-A FORWARD -o docker0 -j DOCKER\"");
  }

  @Test
  void defaultsToAllowBecauseAnIptablesAcceptIsFinal() {
    assertThat(backend().defaultPolicy()).isEqualTo(Policy.ALLOW);
    assertThat(new IptablesBackend(XtFlavour.LEGACY).name()).isEqualTo("iptables");
  }
}
