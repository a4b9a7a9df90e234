package io.cfsync.backend.nftables;

import static io.cfsync.backend.nftables.NftTesting.iptablesSave;
import static io.cfsync.backend.nftables.NftTesting.resource;
import static io.cfsync.backend.nftables.NftTesting.ruleset;
import static io.cfsync.backend.nftables.NftTesting.withoutCfsync;
import static io.cfsync.live.Netns.Outcome.CONNECTED;
import static io.cfsync.live.Netns.Outcome.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.exec.Command;
import io.cfsync.exec.Result;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 5 on real rulesets (see src/test/resources/nftables/README.md): Docker's
 * iptables-nft tables, a fail2ban jail at priority filter - 1, a hand-written nftables.conf.
 * Whatever cfsync does not own lists byte for byte the same after it applied (counters
 * aside), and the rules still do their job next to cfsync's.
 */
@Live(tools = {"nft", "socat", "iptables-restore", "iptables-save", "ip6tables-save"})
class NftablesForeignRulesetsLiveTest {

  @TempDir
  Path tmp;

  Result cli(Netns net, String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.addAll(List.of("--state-dir", tmp.resolve("state").toString()));
    Result r = net.cfsyncRun(tmp, a.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    return r;
  }

  static void load(Netns net, String file) {
    net.server().check(Command.of("nft", "-f", "-").withStdin(resource(
        "nftables/rulesets/" + file)));
  }

  @Test
  void dockerAndFail2banStayByteIdenticalNextToCfsyncsTable() {
    try (Netns net = Netns.create()) {
      net.listen(80, 22);
      NftTesting.warmUp(net, 80);
      net.server().check(Command.of("iptables-restore").withStdin(resource(
          "nftables/rulesets/docker-iptables-save.txt")));
      load(net, "fail2ban-sshd.nft");
      String nft = ruleset(net.server());
      String v4 = iptablesSave(net.server(), "iptables-save");
      String v6 = iptablesSave(net.server(), "ip6tables-save");
      assertThat(nft).contains("table ip nat", "DOCKER-USER", "f2b-chain");

      cli(net, "apply", "--source", "builtin");
      String after = ruleset(net.server());
      assertThat(after).contains("table inet cfsync");
      assertThat(withoutCfsync(after)).isEqualTo(withoutCfsync(nft));
      assertThat(iptablesSave(net.server(), "iptables-save")).isEqualTo(v4);
      assertThat(iptablesSave(net.server(), "ip6tables-save")).isEqualTo(v6);

      // A content change and a structure change (reject, more ports) touch nothing else either.
      cli(net, "apply", "--source", "builtin", "--action", "reject", "--ports", "80,443,8443");
      assertThat(withoutCfsync(ruleset(net.server()))).isEqualTo(withoutCfsync(nft));
      assertThat(iptablesSave(net.server(), "iptables-save")).isEqualTo(v4);

      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(Netns.Outcome.REFUSED);
      assertThat(net.connect(Netns.OTHER_V4, 22)).isEqualTo(CONNECTED);
    }
  }

  @Test
  void aHandWrittenNftablesConfAndFail2banStayByteIdenticalUnderRestrict() {
    try (Netns net = Netns.create()) {
      net.listen(80, 443);
      NftTesting.warmUp(net, 80);
      load(net, "nftables-conf-dfinity.nft");
      load(net, "fail2ban-sshd.nft");
      String before = ruleset(net.server());
      assertThat(before).contains("table ip filter", "table ip6 filter", "crowdsec6");

      cli(net, "apply", "--source", "builtin");
      assertThat(withoutCfsync(ruleset(net.server()))).isEqualTo(withoutCfsync(before));

      // The operator's policy-drop chains accept 80/443 from all; cfsync narrows it to the edge.
      assertThat(net.connect(Netns.CF_V4, 443)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.CF_V6, 443)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.OTHER_V4, 443)).isEqualTo(TIMEOUT);
      assertThat(net.connect(Netns.OTHER_V6, 80)).isEqualTo(TIMEOUT);
    }
  }

  @Test
  void allowModeInsideAHandWrittenTableAddsOnlyItsSetAndTaggedRule() {
    try (Netns net = Netns.create()) {
      net.listen(443);
      NftTesting.warmUp(net, 443);
      load(net, "nftables-conf-dfinity.nft");
      load(net, "fail2ban-sshd.nft");
      String before = ruleset(net.server());

      cli(net, "apply", "--source", "builtin", "--policy", "allow", "--nft-table",
          "ip filter", "--nft-chain", "input", "--family", "4");
      String after = ruleset(net.server());
      assertThat(withoutCfsync(after)).isEqualTo(withoutCfsync(before));
      assertThat(after).contains("\tset cfsync-v4 {").doesNotContain("cfsync-v6")
          .doesNotContain("table inet cfsync");
      assertThat(after.lines().filter(l -> l.contains("comment \"cfsync\""))).containsExactly(
          "\t\ttcp dport { 80, 443 } ip saddr @cfsync-v4 accept comment \"cfsync\"");
      assertThat(net.connect(Netns.CF_V4, 443)).isEqualTo(CONNECTED);
    }
  }
}
