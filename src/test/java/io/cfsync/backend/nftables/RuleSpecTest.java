package io.cfsync.backend.nftables;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.backend.Action;
import io.cfsync.backend.PortRange;
import io.cfsync.model.Family;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RuleSpecTest {

  @Test
  void rendersEachFormTheWayNftListsIt() {
    assertThat(RuleSpec.LOOPBACK.render()).isEqualTo("iif \"lo\" accept");
    assertThat(RuleSpec.restrict(Family.V4, false, PortRange.parseList("443"),
        List.of("cfsync-v4"), Action.DROP).render())
        .isEqualTo("tcp dport 443 ct state new ip saddr != @cfsync-v4 drop");
    assertThat(RuleSpec.restrict(Family.V6, true, PortRange.parseList("8000-8080"),
        List.of("a", "b"), Action.REJECT).render())
        .isEqualTo("meta l4proto tcp ct status dnat ct original proto-dst 8000-8080 "
            + "ct state new ip6 saddr != @a ip6 saddr != @b reject with tcp reset");
    assertThat(RuleSpec.allow(Family.V4, false, PortRange.parseList("80,443"), "s", "cfsync")
        .render()).isEqualTo("tcp dport { 80, 443 } ip saddr @s accept comment \"cfsync\"");
  }

  @Test
  void recognisesItsRulesInWhatNftPrintsIncludingHexPortsOfProtoDst() {
    Listing l = Listing.parse(NftTesting.resource(
        "nftables/listings/restrict-docker-user-reject.json"));
    List<PortRange> ports = PortRange.parseList("80,443,8000-8080");
    assertThat(l.rules()).extracting(Listing.RuleObj::spec).containsExactly(
        Optional.of(RuleSpec.restrict(Family.V4, true, ports,
            List.of("cfsync-v4", "cfsync-extra-v4"), Action.REJECT)),
        Optional.of(RuleSpec.restrict(Family.V6, true, ports,
            List.of("cfsync-v6", "cfsync-extra-v6"), Action.REJECT)));
  }

  @Test
  void aRuleWithAnythingCfsyncDoesNotWriteIsNotRecognised() {
    Listing l = Listing.parse(NftTesting.resource(
        "nftables/listings/variant-automerge-counters.json"));
    assertThat(l.rules()).extracting(Listing.RuleObj::spec)
        .containsExactly(Optional.of(RuleSpec.LOOPBACK), Optional.empty());
    Listing op = Listing.parse(NftTesting.resource(
        "nftables/listings/operator-chain-cfsync.json"));
    // The operator's own rules (ct state established, tcp dport 22 accept) are not cfsync's.
    assertThat(op.rules()).extracting(r -> r.spec().isPresent())
        .containsExactly(true, true, true, false, false);
  }

  @Test
  void portsCompareByCoverage() {
    assertThat(RuleSpec.normalise(PortRange.parseList("81,80,443,82-90")))
        .containsExactly(new PortRange(80, 90), new PortRange(443, 443));
    assertThat(RuleSpec.restrict(Family.V4, false, PortRange.parseList("80,81"), List.of("s"),
        Action.DROP)).isEqualTo(RuleSpec.restrict(Family.V4, false,
        PortRange.parseList("80-81"), List.of("s"), Action.DROP));
  }
}
