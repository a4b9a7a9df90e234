package io.cfsync.backend.nftables;

import static io.cfsync.backend.nftables.NftTesting.cloudflare;
import static io.cfsync.backend.nftables.NftTesting.ruleset;
import static io.cfsync.backend.nftables.NftTesting.want;
import static io.cfsync.backend.nftables.NftTesting.withoutCfsync;
import static io.cfsync.live.Netns.Outcome.CONNECTED;
import static io.cfsync.live.Netns.Outcome.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.exec.Command;
import io.cfsync.exec.Result;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Allow mode: cfsync opens the operator's own drop-policy chain to the edge, and nothing else. */
@Live(tools = {"nft", "socat"})
class NftablesAllowLiveTest {

  static final String OPERATOR = """
      table inet filter {
      	chain input {
      		type filter hook input priority filter; policy drop;
      		iif "lo" accept
      		ct state established,related accept
      		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
      		tcp dport 22 accept
      		tcp dport 80 counter drop
      	}
      }
      """;

  @TempDir
  Path tmp;

  @Test
  void opensTheOperatorsDropChainToCloudflareOnlyAndTouchesNothingElse() {
    try (Netns net = Netns.create()) {
      net.listen(80, 443);
      NftTesting.warmUp(net, 80);
      net.server().check(Command.of("nft", "-f", "-").withStdin(OPERATOR));
      String before = ruleset(net.server());
      assertThat(net.connect(Netns.CF_V4, 443)).isEqualTo(TIMEOUT);

      Result r = net.cfsyncRun(tmp, "apply", "--source", "builtin", "--state-dir",
          tmp.resolve("state").toString(), "--policy", "allow", "--nft-table", "inet filter",
          "--nft-chain", "input");
      assertThat(r.exitCode()).as(r.stderr()).isZero();

      for (int port : new int[] {80, 443}) {
        assertThat(net.connect(Netns.CF_V4, port)).as("CF v4 :%s", port).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.CF_V6, port)).as("CF v6 :%s", port).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.OTHER_V4, port)).isEqualTo(TIMEOUT);
        assertThat(net.connect(Netns.OTHER_V6, port)).isEqualTo(TIMEOUT);
      }
      String after = ruleset(net.server());
      assertThat(withoutCfsync(after)).isEqualTo(withoutCfsync(before));
      // cfsync's part is exactly two sets and one tagged accept rule per family, placed ahead
      // of the operator's own "tcp dport 80 drop".
      assertThat(after.lines().filter(l -> l.contains("comment \"cfsync\""))).containsExactly(
          "\t\ttcp dport { 80, 443 } ip saddr @cfsync-v4 accept comment \"cfsync\"",
          "\t\ttcp dport { 80, 443 } ip6 saddr @cfsync-v6 accept comment \"cfsync\"");
      assertThat(after.indexOf("@cfsync-v6 accept")).isLessThan(after.indexOf("iif \"lo\""));
      assertThat(after).doesNotContain("table inet cfsync");

      Result again = net.cfsyncRun(tmp, "plan", "--detailed-exitcode", "--source", "builtin",
          "--state-dir", tmp.resolve("state").toString(), "--policy", "allow", "--nft-table",
          "inet filter", "--nft-chain", "input");
      assertThat(again.exitCode()).as(again.stderr()).isZero();
      assertThat(again.stdout()).isEmpty();
    }
  }

  @Test
  void changedPortsReplaceOnlyCfsyncsRules() {
    try (Netns net = Netns.create()) {
      net.listen(80, 443, 8443);
      NftTesting.warmUp(net, 80);
      net.server().check(Command.of("nft", "-f", "-").withStdin(OPERATOR));
      String before = ruleset(net.server());
      NftablesRestrictLiveTest.sync(net, want(cloudflare()).allow("inet filter", "input")
          .build());
      NftablesRestrictLiveTest.sync(net, want(cloudflare()).allow("inet filter", "input")
          .ports("443,8443").build());
      assertThat(net.connect(Netns.CF_V6, 8443)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(TIMEOUT);
      String after = ruleset(net.server());
      assertThat(withoutCfsync(after)).isEqualTo(withoutCfsync(before));
      assertThat(after.lines().filter(l -> l.contains("comment \"cfsync\"")).count())
          .isEqualTo(2);
    }
  }

  @Test
  void allowWithoutTheOperatorsTableAndChainIsAUsageErrorNamingTheFlags() {
    try (Netns net = Netns.create()) {
      String before = ruleset(net.server());
      Result r = net.cfsyncRun(tmp, "apply", "--source", "builtin", "--state-dir",
          tmp.resolve("state").toString(), "--policy", "allow");
      assertThat(r.exitCode()).isEqualTo(64);
      assertThat(r.stderr()).contains("--nft-table").contains("--nft-chain");
      assertThat(ruleset(net.server())).isEqualTo(before);
    }
  }
}
