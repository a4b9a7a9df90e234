package io.cfsync.watch;

import static io.cfsync.live.Netns.Outcome.CONNECTED;
import static io.cfsync.live.Netns.Outcome.TIMEOUT;
import static io.cfsync.watch.WatchTesting.until;
import static io.cfsync.watch.WatchTesting.watch;
import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cfsync watch with the iptables backend (allow): the operator's INPUT policy drops, and
 * Cloudflare gets in only through cfsync's chain. With iptables-nft the watch hears the
 * flush through nft monitor; with iptables-legacy there is no event stream and it polls.
 */
class WatchIptablesLiveTest {

  @TempDir
  Path tmp;

  /** INPUT drops by default; ICMPv6 stays open so that neighbour discovery works. */
  private static void dropByDefault(ProcessRunner srv, String v4, String v6) {
    srv.check(Command.of(v4, "-P", "INPUT", "DROP"));
    srv.check(Command.of(v6, "-A", "INPUT", "-p", "ipv6-icmp", "-j", "ACCEPT"));
    srv.check(Command.of(v6, "-P", "INPUT", "DROP"));
  }

  @Test
  @Live(tools = {"iptables", "ip6tables", "nft", "socat"})
  void flushOfCfsyncsChainIsHealedThroughTheEventStream() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(443);
      dropByDefault(net.server(), "iptables", "ip6tables");
      try (WatchProcess w = watch(net, tmp, "--backend", "iptables")) {
        assertThat(w.log()).contains("nft monitor");
        assertThat(until(net, Netns.CF_V4, 443, CONNECTED)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.OTHER_V4, 443)).isEqualTo(TIMEOUT);
        int mark = w.mark();
        net.server().check(Command.of("iptables", "-F", "CFSYNC"));
        String heal = w.awaitAfter(mark, WatchProcess::isHeal, "a heal after iptables -F");
        assertThat(heal).contains("iptables chain CFSYNC", "probably iptables (pid ",
            "CFSYNC");
        assertThat(net.connect(Netns.CF_V4, 443)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.CF_V6, 443)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.OTHER_V4, 443)).isEqualTo(TIMEOUT);
        assertThat(w.terminate()).isZero();
      }
    }
  }

  @Test
  @Live(tools = {"iptables-legacy", "ip6tables-legacy", "socat"})
  void legacyHostsArePolledAndAFlushIsHealed() throws Exception {
    // `iptables` here is iptables-legacy, as on a host whose alternative points there.
    Path bin = Files.createDirectories(tmp.resolve("legacy-bin"));
    for (String t : List.of("iptables", "ip6tables")) {
      Files.createSymbolicLink(bin.resolve(t), Path.of("/usr/sbin/" + t + "-legacy"));
    }
    Map<String, String> env = Map.of("PATH", bin + ":/usr/sbin:/usr/bin:/sbin:/bin");
    try (Netns net = Netns.create()) {
      net.listen(443);
      dropByDefault(net.server(), "iptables-legacy", "ip6tables-legacy");
      WatchProcess w = new WatchProcess(net.cfsync(tmp, env, "watch", "--backend", "iptables",
          "--poll", "1s", "--source", "builtin", "--state-dir", tmp.resolve("state").toString(),
          "-v"));
      try (w) {
        String watching = w.await(l -> l.contains("cfsync: watching "), "its watching line");
        assertThat(watching).contains("a poll every 1 s").doesNotContain("nft monitor");
        assertThat(until(net, Netns.CF_V4, 443, CONNECTED)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.OTHER_V4, 443)).isEqualTo(TIMEOUT);
        assertThat(net.server().check(Command.of("iptables-legacy-save", "-t", "filter"))
            .stdout()).contains(":CFSYNC");
        int mark = w.mark();
        net.server().check(Command.of("iptables-legacy", "-F", "CFSYNC"));
        String heal = w.awaitAfter(mark, WatchProcess::isHeal, "a heal after the flush");
        assertThat(heal).contains("iptables chain CFSYNC", "on poll (every 1 s)");
        assertThat(net.connect(Netns.CF_V4, 443)).isEqualTo(CONNECTED);
        // Polls that find it in sync write nothing: no further heal while idle polls pass.
        int idle = w.mark();
        w.awaitAfter(idle, l -> l.contains("checked after poll") && l.contains("in sync"),
            "an idle poll");
        assertThat(w.matching(mark, WatchProcess::isHeal)).hasSize(1);
        assertThat(w.terminate()).isZero();
      }
    }
  }
}
