package io.cfsync.watch;

import static io.cfsync.live.Netns.Outcome.CONNECTED;
import static io.cfsync.live.Netns.Outcome.TIMEOUT;
import static io.cfsync.watch.WatchTesting.until;
import static io.cfsync.watch.WatchTesting.watch;
import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.exec.SystemProcessRunner;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import io.cfsync.live.NftMonitor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cfsync watch with nftables (restrict), as a real process in a namespace, real TCP. */
@Live(tools = {"nft", "socat"})
class WatchNftablesLiveTest {

  @TempDir
  Path tmp;

  @Test
  void flushRulesetIsHealedOnceAndRestrictHoldsAgain() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(80);
      try (WatchProcess w = watch(net, tmp)) {
        // No --backend: the default, auto, finds a host with no other manager and picks
        // nftables once at start.
        assertThat(w.log()).contains("backend auto: using nftables");
        assertThat(until(net, Netns.CF_V4, 80, CONNECTED)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(TIMEOUT);

        int mark = w.mark();
        net.server().check(Command.of("nft", "flush", "ruleset"));
        String heal = w.awaitAfter(mark, WatchProcess::isHeal, "a heal after nft flush ruleset");
        assertThat(heal).contains("table inet cfsync missing", "probably nft (pid ",
            "[delete ");
        assertThat(net.connect(Netns.OTHER_V4, 80)).as("restrict holds again")
            .isEqualTo(TIMEOUT);
        assertThat(net.connect(Netns.OTHER_V6, 80)).isEqualTo(TIMEOUT);
        assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.CF_V6, 80)).isEqualTo(CONNECTED);

        // The heal's own transactions cause no second heal: a later foreign change is
        // checked (the loop has moved past them) and the log still holds one heal.
        net.server().check(Command.of("nft", "add", "table", "ip", "marker"));
        w.awaitAfter(mark, l -> l.contains("in sync, nothing written")
            && l.contains("add table ip marker"), "the check after the marker table");
        assertThat(w.matching(mark, WatchProcess::isHeal)).as(w.log()).hasSize(1);
        assertThat(w.terminate()).isZero();
      }
    }
  }

  @Test
  void aBurstOfChangesIsHealedWithFewerAppliesThanChanges() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(80);
      try (WatchProcess w = watch(net, tmp)) {
        int mark = w.mark();
        List<String> burst = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          burst.add("add table ip burst" + i);
          burst.add("flush ruleset");
        }
        assertThat(WatchTesting.nftBurst(net, burst).exitCode()).isZero();
        w.awaitAfter(mark, WatchProcess::isHeal, "a heal after the burst");
        net.server().check(Command.of("nft", "add", "table", "ip", "marker"));
        w.awaitAfter(mark, l -> l.contains("in sync, nothing written")
            && l.contains("add table ip marker"), "the check after the marker table");
        List<String> heals = w.matching(mark, WatchProcess::isHeal);
        System.out.println("burst of 20 transactions (10 flush ruleset): " + heals.size()
            + " heal(s)");
        assertThat(heals).as(w.log()).hasSizeBetween(1, 19);
        assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(TIMEOUT);
        assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(CONNECTED);
        assertThat(w.terminate()).isZero();
      }
    }
  }

  @Test
  void changesToOtherTablesAreCheckedButNothingIsWritten() throws Exception {
    try (Netns net = Netns.create()) {
      Set<Long> ours = ConcurrentHashMap.newKeySet();
      ProcessRunner test = new SystemProcessRunner(List.of("ip", "netns", "exec",
          net.serverName()), Map.of(), ours::add);
      try (NftMonitor g = new NftMonitor(net).ready(net.server());
          WatchProcess w = watch(net, tmp)) {
        int mark = w.mark();
        int a = g.sentinel(test, "add table inet cfsmarka", "nft", "add", "table", "inet",
            "cfsmarka");
        test.check(Command.of("nft", "add", "table", "ip", "other"));
        test.check(Command.of("nft", "add", "chain", "ip", "other", "input",
            "{ type filter hook input priority 10; }"));
        test.check(Command.of("nft", "add", "rule", "ip", "other", "input", "tcp", "dport",
            "22", "accept"));
        test.check(Command.of("iptables", "-A", "INPUT", "-s", "203.0.113.0/24", "-j",
            "ACCEPT"));
        test.check(Command.of("ip6tables", "-A", "INPUT", "-s", "2001:db8:9::/48", "-j",
            "DROP"));
        test.check(Command.of("nft", "delete", "table", "ip", "other"));
        test.check(Command.of("nft", "add", "table", "inet", "cfslast"));
        w.awaitAfter(mark, l -> l.contains("in sync, nothing written")
            && l.contains("add table inet cfslast"), "the check after the last change");
        int b = g.sentinel(test, "add table inet cfsmarkb", "nft", "add", "table", "inet",
            "cfsmarkb");
        List<String> gens = g.generationsBetween(a, b);
        assertThat(gens).isNotEmpty();
        for (String gen : gens) {
          long pid = Long.parseLong(gen.replaceAll(".* by process (\\d+) .*", "$1"));
          assertThat(ours).as("transaction %s was the test's, not the watch's", gen)
              .contains(pid);
        }
        assertThat(w.matching(mark, WatchProcess::isHeal)).isEmpty();
        assertThat(w.terminate()).isZero();
      }
    }
  }

  @Test
  void sigtermDuringAHealExitsZeroAndLeavesNoHalfTable() throws Exception {
    try (Netns net = Netns.create()) {
      WatchProcess w = watch(net, tmp);
      try (w) {
        net.server().check(Command.of("nft", "flush", "ruleset"));
        assertThat(w.terminate()).as(w.log()).isZero();
      }
      Result plan = net.cfsyncRun(tmp, "plan", "--detailed-exitcode", "--source", "builtin",
          "--state-dir", tmp.resolve("state").toString());
      boolean present = net.server().check(Command.of("nft", "list", "tables")).stdout()
          .contains("table inet cfsync");
      // Either the heal committed whole (in sync) or not at all (table absent).
      assertThat(plan.exitCode() == 0 || !present).as("table present: %s, plan: %s", present,
          plan.stdout()).isTrue();
      // nft monitor went with the watch.
      String pids = net.server().run(Command.of("ip", "netns", "pids", net.serverName()))
          .stdout();
      for (String pid : pids.split("\\s+")) {
        if (!pid.isBlank()) {
          String cmd = ProcessHandle.of(Long.parseLong(pid.trim()))
              .flatMap(h -> h.info().commandLine()).orElse("");
          assertThat(cmd).doesNotContain("monitor");
        }
      }
    }
  }
}
