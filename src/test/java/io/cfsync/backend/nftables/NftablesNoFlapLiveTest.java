package io.cfsync.backend.nftables;

import static io.cfsync.backend.nftables.NftTesting.cloudflare;
import static io.cfsync.backend.nftables.NftTesting.want;
import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.backend.Desired;
import io.cfsync.exec.Result;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import io.cfsync.live.Prober;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.sync.Log;
import io.cfsync.sync.Sync;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-applying under traffic never refuses the edge: flush set + add element in one
 * transaction leaves no moment in which the client's prefix is missing.
 */
@Live(tools = {"nft", "socat"})
class NftablesNoFlapLiveTest {

  @TempDir
  Path tmp;

  /** Both lists hold every client prefix; B lacks two prefixes and has one of its own. */
  static final PrefixSet A = cloudflare();
  static final PrefixSet B = cloudflare().difference(PrefixSet.of(
      Prefix.parse("131.0.72.0/22"), Prefix.parse("2405:b500::/32")))
      .union(PrefixSet.of(Prefix.parse("11.0.0.0/24")));

  @Test
  void hundredAppliesAlternatingTwoListsNeverFailAProbe() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(80);
      NftTesting.warmUp(net, 80);
      Sync sync = new Sync(new NftablesBackend(), net.server(), Log.SILENT);
      Desired a = want(A).build();
      Desired b = want(B).build();
      sync.apply(sync.prepare(a, false, 100, true), net.server());

      List<Prober.Handle> edge = List.of(
          net.probe(Netns.CF_V4, 80, Duration.ofMillis(20)).awaitFirst(),
          net.probe(Netns.CF_V4_B, 80, Duration.ofMillis(20)).awaitFirst(),
          net.probe(Netns.CF_V6, 80, Duration.ofMillis(20)).awaitFirst());
      Prober.Handle other = net.probe(Netns.OTHER_V4, 80, Duration.ofMillis(20)).awaitFirst();

      int changed = 0;
      for (int i = 0; i < 100; i++) {
        Sync.Prepared p = sync.prepare(i % 2 == 0 ? b : a, false, 25, false);
        changed += p.plan().isEmpty() ? 0 : 1;
        sync.apply(p, net.server());
      }
      Path fileA = NftTesting.writeList(tmp, "a.txt", A);
      Path fileB = NftTesting.writeList(tmp, "b.txt", B);
      for (int i = 0; i < 4; i++) {
        Result r = net.cfsyncRun(tmp, "apply", "--source", "file:" + (i % 2 == 0 ? fileB
            : fileA), "--state-dir", tmp.resolve("state").toString());
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stderr()).contains("applied");
      }

      assertThat(changed).isEqualTo(100);
      for (Prober.Handle h : edge) {
        Prober.Stats s = h.stop();
        assertThat(s.failed()).as("%s", s).isZero();
        assertThat(s.connected()).as("%s", s).isGreaterThan(50);
      }
      // The restriction held all along: the other client never got in.
      Prober.Stats o = other.stop();
      assertThat(o.connected()).as("%s", o).isZero();
      assertThat(o.total()).isPositive();
    }
  }

  /**
   * A first install of a long list, and a structure change that adds sets, under probes. On
   * kernel 6.18 a new 100k-element set committed together with the rule using it lost about
   * one Cloudflare SYN per apply; the backend fills new sets in a transaction of their own.
   */
  @Test
  void firstInstallsAndNewShardsOfALongListNeverFailAProbe() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(80);
      NftTesting.warmUp(net, 80);
      PrefixSet big = cloudflare().union(PrefixSet.of(NftTesting.spacedV4(60_000, 0)));
      PrefixSet bigger = big.union(PrefixSet.of(NftTesting.spacedV4(70_000, 0)));
      Prober.Handle edge = net.probe(Netns.CF_V4, 80, Duration.ofMillis(20)).awaitFirst();
      Sync sync = new Sync(new NftablesBackend(), net.server(), Log.SILENT);
      for (int i = 0; i < 3; i++) {
        net.server().run(io.cfsync.exec.Command.of("nft", "delete", "table", "inet", "cfsync"));
        Sync.Prepared first = sync.prepare(want(big).build(), false, 100, true);
        assertThat(first.plan().commands()).hasSize(2);
        sync.apply(first, net.server());
        // 70k needs more sets than 60k: new shards are filled, then the rule is swapped.
        Sync.Prepared grow = sync.prepare(want(bigger).build(), false, 100, true);
        assertThat(grow.plan().commands()).hasSize(2);
        sync.apply(grow, net.server());
      }
      Prober.Stats s = edge.stop();
      assertThat(s.failed()).as("%s", s).isZero();
      assertThat(s.connected()).isPositive();
    }
  }
}
