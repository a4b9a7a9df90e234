package io.cfsync.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.backend.Hook;
import io.cfsync.backend.Policy;
import io.cfsync.backend.XtFlavour;
import io.cfsync.model.Family;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DetectorTest {

  private static final Hints DEFAULTS = Hints.defaults();

  private static Detection decide(Facts f) {
    return Detector.decide(f.build(), DEFAULTS);
  }

  private static Detection decide(Facts f, Hints h) {
    return Detector.decide(f.build(), h);
  }

  private static Hints hook(Hook h) {
    return new Hints(h, Optional.empty(), Optional.empty(), Optional.empty(), "80,443");
  }

  @Test
  void aPlainHostGetsNftables() {
    Detection d = decide(Facts.host());
    assertThat(d.backend()).hasValue("nftables");
    assertThat(d.flavour()).isEmpty();
    assertThat(d.reasons()).first().asString().startsWith("no firewall manager found");
    assertThat(d.advice()).isEmpty();
  }

  @Test
  void aPlainHostWithoutNftGetsIptablesInTheFlavourIptablesNames() {
    Detection d = decide(Facts.host().noNft());
    assertThat(d.backend()).hasValue("iptables");
    assertThat(d.flavour()).isEmpty();
  }

  @Test
  void tablesOfBanToolsIptablesNftAndCfsyncsOwnToolsAreNotTheOperators() {
    Detection d = decide(Facts.host().table("inet", "f2b-table", HostFacts.Role.BANS)
        .table("ip", "filter", HostFacts.Role.IPTABLES).table("inet", "cfsyncdoctor",
            HostFacts.Role.TOOL));
    assertThat(d.backend()).hasValue("nftables");
  }

  @Test
  void anOperatorTableThatAcceptsByDefaultLeavesRoomForCfsyncsOwnTable() {
    Detection d = decide(Facts.host().operatorTable("inet", "filter", "input", "accept", false));
    assertThat(d.backend()).hasValue("nftables");
    assertThat(d.reasons()).anySatisfy(r -> assertThat(r).contains("table inet filter chain "
        + "input accepts by default"));
  }

  @Test
  void ufwActiveGetsUfw() {
    Detection d = decide(Facts.host().ufw(true, true));
    assertThat(d.backend()).hasValue("ufw");
    assertThat(d.reasons()).first().asString().startsWith("UFW is active");
  }

  @Test
  void ufwsOwnDefaultDenyIsNotASecondManager() {
    // UFW loaded in iptables-nft sets INPUT's policy to DROP: that drop is UFW's.
    assertThat(decide(Facts.host().ufw(true, true)).refused()).isFalse();
  }

  @Test
  void ufwActiveAndCfsyncsEarlierNftablesTableRefusesNamingBothBackends() {
    Detection d = decide(Facts.host().ufw(true, true).own("nftables", true)
        .table("inet", "cfsync", HostFacts.Role.CFSYNC));
    assertThat(d.refused()).isTrue();
    assertThat(d.refusal().orElseThrow()).isEqualTo("--backend auto: UFW is active and "
        + "cfsync's own nftables rules from an earlier --backend nftables run are installed: "
        + "two managers would fight over input; pass --backend ufw (and remove the other rules) "
        + "or --backend nftables (and keep UFW off ports 80,443); firewall unchanged");
  }

  @Test
  void ufwActiveAndAnOperatorTableThatDropsRefuses() {
    Detection d = decide(Facts.host().ufw(true, true)
        .operatorTable("inet", "filter", "input", "drop", true));
    assertThat(d.refusal().orElseThrow()).contains("UFW is active and table inet filter chain "
        + "input drops by default (policy drop)").contains("--backend ufw")
        .contains("--backend nftables --policy allow --nft-table 'inet filter' --nft-chain "
            + "input");
  }

  @Test
  void ufwActiveAndLegacyIptablesThatDropsRefuses() {
    Detection d = decide(Facts.host().ufw(true, true).xtDrops(XtFlavour.LEGACY));
    assertThat(d.refusal().orElseThrow()).contains("iptables-legacy INPUT policy DROP")
        .contains("--backend iptables");
  }

  @Test
  void ufwWithDockerUserHookGoesToIptablesBesideUfwInUfwsFlavour() {
    Detection d = decide(Facts.host().ufw(true, true), hook(Hook.DOCKER_USER));
    assertThat(d.backend()).hasValue("iptables");
    assertThat(d.flavour()).hasValue(XtFlavour.NFT);
  }

  @Test
  void ufwEnabledButNotLoadedRefuses() {
    Detection d = decide(Facts.host().ufw(true, false));
    assertThat(d.refusal().orElseThrow()).contains("UFW is enabled in /etc/ufw/ufw.conf but its "
        + "chains are not loaded").contains("--backend ufw, nftables or iptables");
  }

  @Test
  void cfsyncsUfwRulesWhileUfwIsDisabledAreOnlyAdvice() {
    Detection d = decide(Facts.host().own("ufw", true));
    assertThat(d.backend()).hasValue("nftables");
    assertThat(d.advice()).contains("cfsync's rules in UFW's files do nothing while UFW is "
        + "disabled");
  }

  @Test
  void firewalldRefusesWithWhatToDo() {
    Detection d = decide(Facts.host().firewalldTable());
    assertThat(d.refusal().orElseThrow()).isEqualTo("--backend auto: firewalld manages this "
        + "host's firewall (table inet firewalld), and cfsync has no firewalld backend; open the "
        + "ports in firewalld (firewall-cmd --permanent --add-service=https) and pass --backend "
        + "nftables to restrict them to Cloudflare from cfsync's own table, or stop firewalld; "
        + "firewall unchanged");
  }

  @Test
  void firewalldIsSeenByItsProcessOrItsIptablesChainsToo() {
    assertThat(decide(Facts.host().firewalldProcess(812)).refusal().orElseThrow())
        .contains("(process 812)");
    assertThat(decide(Facts.host().firewalldChain("INPUT_ZONES")).refusal().orElseThrow())
        .contains("(iptables chain INPUT_ZONES)");
  }

  @Test
  void firewalldAndARawNftTableAreTwoManagers() {
    Detection d = decide(Facts.host().firewalldTable()
        .operatorTable("inet", "filter", "input", "drop", true));
    assertThat(d.refusal().orElseThrow()).contains("firewalld manages this host's firewall "
        + "(table inet firewalld) and table inet filter chain input drops by default (policy "
        + "drop) (two managers would fight)");
  }

  @Test
  void cfsyncsOwnStateFromAnEarlierRunKeepsItsBackend() {
    Detection d = decide(Facts.host().own("iptables", true));
    assertThat(d.backend()).hasValue("iptables");
    assertThat(d.reasons()).first().asString().contains("an earlier run chose iptables");
  }

  @Test
  void ipsetAndIptablesShareTheChainButOnlyTheOneThatFilledItOwnsIt() {
    assertThat(decide(Facts.host().own("iptables", false).own("ipset", true)).backend())
        .hasValue("ipset");
    assertThat(decide(Facts.host().own("iptables", true).own("ipset", false)).backend())
        .hasValue("iptables");
  }

  @Test
  void twoBackendsStateRefuses() {
    Detection d = decide(Facts.host().own("nftables", true).own("iptables", true));
    assertThat(d.refusal().orElseThrow()).contains("cfsync's own rules of nftables and "
        + "iptables are all installed").contains("--backend nftables");
  }

  @Test
  void legacyIptablesThatDropsGetsIptablesBoundToLegacy() {
    Detection d = decide(Facts.host().xtDrops(XtFlavour.LEGACY));
    assertThat(d.backend()).hasValue("iptables");
    assertThat(d.flavour()).hasValue(XtFlavour.LEGACY);
    assertThat(d.reasons()).contains("iptables-legacy INPUT policy DROP");
  }

  @Test
  void nftIptablesThatDropsGetsIptablesBoundToNft() {
    Detection d = decide(Facts.host().xtDrops(XtFlavour.NFT));
    assertThat(d.backend()).hasValue("iptables");
    assertThat(d.flavour()).hasValue(XtFlavour.NFT);
  }

  @Test
  void bothIptablesFlavoursDroppingRefuses() {
    Detection d = decide(Facts.host().xtDrops(XtFlavour.LEGACY).xtDrops(XtFlavour.NFT));
    assertThat(d.refusal().orElseThrow()).contains("both iptables flavours drop input");
  }

  @Test
  void iptablesAndAnNftTableBothDroppingRefuses() {
    Detection d = decide(Facts.host().xtDrops(XtFlavour.LEGACY)
        .operatorTable("inet", "filter", "input", "drop", true));
    assertThat(d.refusal().orElseThrow()).contains("two managers would fight over input")
        .contains("--backend nftables --policy allow --nft-table 'inet filter' --nft-chain "
            + "input")
        .contains("--backend iptables");
  }

  @Test
  void anOperatorTableThatDropsNeedsItsNameOrAnExplicitRestrict() {
    Facts f = Facts.host().operatorTable("inet", "filter", "input", "drop", true);
    assertThat(decide(f).refusal().orElseThrow()).isEqualTo("--backend auto: table inet filter "
        + "chain input drops by default (policy drop), and an accept in cfsync's own table cannot "
        + "override that drop; pass --policy allow --nft-table 'inet filter' --nft-chain input "
        + "(cfsync keeps its "
        + "sets and one tagged rule there) or, if that chain already accepts ports 80,443, "
        + "--policy restrict; firewall unchanged");
    assertThat(decide(f, new Hints(Hook.INPUT, Optional.of(Policy.ALLOW),
        Optional.of("inet filter"), Optional.of("input"), "80,443")).backend())
        .hasValue("nftables");
    // Without --policy allow the nftables backend restricts from its own table and would
    // leave the drop in place.
    assertThat(decide(f, new Hints(Hook.INPUT, Optional.empty(), Optional.of("inet filter"),
        Optional.of("input"), "80,443")).refused()).isTrue();
    assertThat(decide(f, new Hints(Hook.INPUT, Optional.of(Policy.RESTRICT), Optional.empty(),
        Optional.empty(), "80,443")).backend()).hasValue("nftables");
    assertThat(decide(f, new Hints(Hook.INPUT, Optional.of(Policy.ALLOW), Optional.empty(),
        Optional.empty(), "80,443")).refused()).isTrue();
  }

  @Test
  void aChainThatEndsInADropCountsLikePolicyDrop() {
    Detection d = decide(Facts.host().operatorTable("ip", "filter", "INPUT", "accept", true));
    assertThat(d.refusal().orElseThrow()).contains("table ip filter chain INPUT drops by "
        + "default (it ends in a drop)").contains("--policy allow --nft-table 'ip filter' "
        + "--nft-chain INPUT");
  }

  @Test
  void dockersUserChainIsAdviceForTheInputHookOnly() {
    Detection d = decide(Facts.host().docker());
    assertThat(d.backend()).hasValue("nftables");
    assertThat(d.advice()).containsExactly("Docker's DOCKER-USER chain exists: ports Docker "
        + "publishes for containers bypass INPUT; add --hook docker-user to protect them");
    assertThat(d.reasons()).contains("iptables-nft holds rules, but its INPUT accepts by "
        + "default");
    assertThat(decide(Facts.host().docker(), hook(Hook.DOCKER_USER)).advice()).isEmpty();
  }

  @Test
  void rulesInIptablesThatDoNotDropInputLeaveNftables() {
    Detection d = decide(Facts.host().xt(XtFlavour.LEGACY, Family.V4, true, Optional.empty(),
        false, false));
    assertThat(d.backend()).hasValue("nftables");
    assertThat(d.reasons()).contains("iptables-legacy holds rules, but its INPUT accepts by "
        + "default");
  }
}
