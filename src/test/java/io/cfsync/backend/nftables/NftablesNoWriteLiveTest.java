package io.cfsync.backend.nftables;

import static io.cfsync.backend.nftables.NftTesting.cloudflare;
import static io.cfsync.backend.nftables.NftTesting.want;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfsync.backend.Desired;
import io.cfsync.exec.Command;
import io.cfsync.exec.Result;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import io.cfsync.live.NftMonitor;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.sync.Log;
import io.cfsync.sync.Sync;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Invariant 8: a run with nothing to change commits no transaction at all. */
@Live(tools = {"nft"})
class NftablesNoWriteLiveTest {

  @TempDir
  Path tmp;

  void noWriteBetweenSentinels(Netns net, Runnable run) {
    try (NftMonitor mon = new NftMonitor(net).ready(net.server())) {
      int a = mon.sentinel(net.server(), "add table inet cfsmark", "nft", "add", "table",
          "inet", "cfsmark");
      run.run();
      int b = mon.sentinel(net.server(), "delete table inet cfsmark", "nft", "delete",
          "table", "inet", "cfsmark");
      assertThat(mon.between(a, b)).filteredOn(l -> !l.startsWith("# new generation"))
          .isEmpty();
      assertThat(mon.generationOf(b)).as("generation after the run")
          .isEqualTo(mon.generationOf(a) + 1);
    }
  }

  @Test
  void secondCliApplyWithTheSameListCommitsNothing() {
    try (Netns net = Netns.create()) {
      String[] args = {"apply", "--source", "builtin", "--state-dir",
          tmp.resolve("state").toString()};
      Result first = net.cfsyncRun(tmp, args);
      assertThat(first.exitCode()).as(first.stderr()).isZero();
      noWriteBetweenSentinels(net, () -> {
        Result second = net.cfsyncRun(tmp, args);
        assertThat(second.exitCode()).as(second.stderr()).isZero();
        assertThat(second.stderr()).contains("in sync");
      });
      // The check bites: a run that does change something fails it.
      Path other = NftTesting.writeList(tmp, "fewer.txt", cloudflare().difference(
          PrefixSet.of(Prefix.parse("131.0.72.0/22"))));
      assertThatThrownBy(() -> noWriteBetweenSentinels(net, () -> assertThat(net.cfsyncRun(tmp,
          "apply", "--source", "file:" + other, "--state-dir", tmp.resolve("state").toString())
          .exitCode()).isZero())).isInstanceOf(AssertionError.class)
          .hasMessageContaining("cfsync");
    }
  }

  @Test
  void inSyncRunsWriteNothingInEveryMode() {
    try (Netns net = Netns.create()) {
      net.server().check(Command.of("nft", "-f", "-").withStdin(
          "table inet filter { chain input { type filter hook input priority 0;\n }\n}\n"));
      Desired[] modes = {
          want(cloudflare()).build(),
          want(cloudflare()).reject().dockerUser().extra("198.51.100.0/24").build(),
          want(cloudflare()).allow("inet filter", "input").build()};
      for (Desired d : modes) {
        Sync s = new Sync(new NftablesBackend(), net.server(), Log.SILENT);
        s.apply(s.prepare(d, false, 100, true), net.server());
        noWriteBetweenSentinels(net, () -> {
          Sync.Prepared p = s.prepare(d, false, 100, true);
          assertThat(p.plan().commands()).as("%s", d).isEmpty();
          s.apply(p, net.server());
        });
      }
    }
  }
}
