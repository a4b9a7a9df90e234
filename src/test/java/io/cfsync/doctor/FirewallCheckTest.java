package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.net.InetAddresses;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FirewallCheckTest {

  @Test
  void samplesTheLowestAndHighestHostOfEveryPrefix() {
    var s = FirewallCheck.samples(List.of(Prefix.parse("173.245.48.0/20"),
        Prefix.parse("2a06:98c0::/29"), Prefix.parse("198.51.100.7/32")));
    assertThat(s).extracting(x -> InetAddresses.toAddrString(x.address())).containsExactly(
        "173.245.48.1", "173.245.63.254", "2a06:98c0::1", "2a06:98c7:ffff:ffff:ffff:ffff:ffff:fffe",
        "198.51.100.7");
  }

  private static FirewallCheck withNativeTable(String id) {
    String[] p = id.split(" ");
    RulesetSnapshot snap = new RulesetSnapshot(ImmutableList.of(
        new RulesetSnapshot.NftTable(p[0], p[1], "table " + id + " {\n}\n")), ImmutableList.of(),
        "", "", ImmutableList.of());
    return new FirewallCheck(new FirewallCheck.Inputs(ListenCheckTest.host("203.0.113.5/24"),
        ProcFs.SYSTEM, new CannedRunner(), snap, ImmutableList.of(), "the list",
        ImmutableList.of(), ImmutableList.of(80), Duration.ofSeconds(2),
        io.cfsync.sync.Log.SILENT));
  }

  private static Lab.Attempt droppedBy(String table, String chain, Trace.Kind kind,
      String text) {
    InetAddress from = InetAddresses.forString("173.245.48.1");
    InetAddress to = InetAddresses.forString("203.0.113.5");
    Trace.Event e = new Trace.Event("1", table, chain, kind, text, "drop");
    Trace.Packet syn = new Trace.Packet("1", from, to, 40000, 80, false, ImmutableList.of(e));
    return new Lab.Attempt(new Lab.Probe("p0", from, to, 80), Lab.Outcome.TIMEOUT, "",
        Optional.of(syn), Optional.empty(), Optional.empty());
  }

  @Test
  void theFixFollowsWhoDropped() {
    FirewallCheck c = withNativeTable("inet filter");
    assertThat(c.fix(droppedBy("inet filter", "input", Trace.Kind.POLICY, ""), 80, Family.V4))
        .isEqualTo("let Cloudflare in before that rule: `cfsync apply --policy allow "
            + "--nft-table 'inet filter' --nft-chain input`");
    assertThat(c.fix(droppedBy("inet cfsync", "input", Trace.Kind.RULE, "drop"), 80, Family.V4))
        .contains("cfsync's own rules");
    assertThat(c.fix(droppedBy("ip filter", "DOCKER-USER", Trace.Kind.RULE, "drop"), 80,
        Family.V4)).contains("--hook docker-user");
    assertThat(c.fix(droppedBy("ip filter", "ufw-user-input", Trace.Kind.RULE, "drop"), 80,
        Family.V4)).contains("--backend ufw");
    assertThat(c.fix(droppedBy("inet f2b-table", "f2b-chain", Trace.Kind.RULE, "drop"), 80,
        Family.V4)).contains("ignoreip");
    assertThat(c.fix(droppedBy("ip filter", "INPUT", Trace.Kind.RULE, "drop"), 80, Family.V4))
        .contains("--backend iptables --policy allow");
  }

  @Test
  void aDropOutsideTheTraceSendsTheOperatorToLegacyRulesAndUpstream() {
    FirewallCheck c = withNativeTable("inet filter");
    InetAddress from = InetAddresses.forString("173.245.48.1");
    InetAddress to = InetAddresses.forString("203.0.113.5");
    Lab.Attempt untraced = new Lab.Attempt(new Lab.Probe("p0", from, to, 80),
        Lab.Outcome.TIMEOUT, "", Optional.empty(), Optional.empty(), Optional.empty());
    assertThat(c.fix(untraced, 80, Family.V4)).contains("iptables-legacy-save");
  }
}
