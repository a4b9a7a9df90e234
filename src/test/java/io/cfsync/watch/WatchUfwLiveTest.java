package io.cfsync.watch;

import static io.cfsync.live.Netns.Outcome.CONNECTED;
import static io.cfsync.live.Netns.Outcome.TIMEOUT;
import static io.cfsync.watch.WatchTesting.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import io.cfsync.live.UfwSandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ufw reload} under a running watch, in a UFW sandbox. A reload stops and starts UFW.
 * What it removes depends on {@code MANAGE_BUILTINS} in {@code /etc/default/ufw}: with the
 * shipped {@code no} it flushes only UFW's own chains (cfsync's chain and jump survive, and
 * the UFW backend's rules come back from UFW's files); with {@code yes} it runs
 * {@code iptables -F} and {@code -X} over the whole filter table, which takes the iptables
 * backend's chain and jump with it.
 */
@Live(tools = {"ufw", "socat", "iptables", "unshare", "nsenter", "nft"})
class WatchUfwLiveTest {

  @TempDir
  Path tmp;

  private WatchProcess watch(UfwSandbox ufw, String backend) {
    List<String> a = new ArrayList<>(List.of("watch", "--backend", backend, "--source",
        "builtin", "--state-dir", tmp.resolve("state").toString(), "-v"));
    WatchProcess w = new WatchProcess(ufw.cfsync(a.toArray(String[]::new)));
    w.await(l -> l.contains("cfsync: watching "), "its \"watching\" line");
    return w;
  }

  @Test
  void ufwReloadRestoresTheUfwBackendsRulesItselfAndTheWatchWritesNothing() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net,
        Files.createDirectories(tmp.resolve("box"))).baseline()) {
      net.listen(80);
      try (WatchProcess w = watch(ufw, "ufw")) {
        assertThat(until(net, Netns.CF_V4, 80, CONNECTED)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(TIMEOUT);
        int mark = w.mark();
        assertThat(ufw.ufw("reload").exitCode()).isZero();
        w.awaitAfter(mark, l -> l.contains("in sync, nothing written") || WatchProcess.isHeal(l),
            "a check after ufw reload");
        assertThat(w.matching(mark, WatchProcess::isHeal)).as(w.log()).isEmpty();
        assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.CF_V6, 80)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(TIMEOUT);
        assertThat(w.terminate()).isZero();
      }
    }
  }

  @Test
  void ufwReloadLeavesTheIptablesBackendAloneUnlessItManagesTheBuiltins() throws Exception {
    Path box = Files.createDirectories(tmp.resolve("box"));
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, box).baseline()) {
      net.listen(80);
      try (WatchProcess w = watch(ufw, "iptables")) {
        assertThat(until(net, Netns.CF_V4, 80, CONNECTED)).isEqualTo(CONNECTED);
        int mark = w.mark();
        assertThat(ufw.ufw("reload").exitCode()).isZero();
        w.awaitAfter(mark, l -> l.contains("in sync, nothing written") || WatchProcess.isHeal(l),
            "a check after ufw reload");
        assertThat(w.matching(mark, WatchProcess::isHeal)).as(w.log()).isEmpty();
        assertThat(ufw.chains(false)).contains("--comment cfsync -j CFSYNC");
        assertThat(w.terminate()).isZero();
      }
    }
  }

  @Test
  void ufwReloadWithManagedBuiltinsDropsTheIptablesBackendsChainAndTheWatchPutsItBack()
      throws Exception {
    Path box = Files.createDirectories(tmp.resolve("box"));
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, box)) {
      Path defaults = box.resolve("default-ufw");
      Files.writeString(defaults, Files.readString(defaults).replace("MANAGE_BUILTINS=no",
          "MANAGE_BUILTINS=yes"));
      ufw.baseline();
      net.listen(80);
      try (WatchProcess w = watch(ufw, "iptables")) {
        assertThat(until(net, Netns.CF_V4, 80, CONNECTED)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(TIMEOUT);
        int mark = w.mark();
        assertThat(ufw.ufw("reload").exitCode()).isZero();
        String heal = w.awaitAfter(mark, WatchProcess::isHeal, "a heal after ufw reload");
        assertThat(heal).contains("chain CFSYNC");
        assertThat(until(net, Netns.CF_V4, 80, CONNECTED)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.CF_V6, 80)).isEqualTo(CONNECTED);
        assertThat(w.terminate()).isZero();
      }
    }
  }
}
