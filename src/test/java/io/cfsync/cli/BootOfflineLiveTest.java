package io.cfsync.cli;

import static io.cfsync.live.Netns.Outcome.CONNECTED;
import static io.cfsync.live.Netns.Outcome.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import io.cfsync.exec.Command;
import io.cfsync.exec.Result;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import io.cfsync.model.Prefix;
import io.cfsync.source.Fetched;
import io.cfsync.state.ListCache;
import io.cfsync.state.StateDir;
import io.cfsync.testing.Fixtures;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What cfsync-boot.service runs, {@code cfsync apply --offline}, at a boot: the host's
 * firewall service has just loaded a ruleset without cfsync's part (here: emptied), there is
 * no network (the server namespace routes only to the test's client: no resolver, no
 * Cloudflare), and the state directory holds the last-known-good cache of an earlier run.
 */
@Live(tools = {"nft", "socat"})
class BootOfflineLiveTest {

  @TempDir
  Path tmp;

  @Test
  void offlineApplyFromTheCacheRestrictsAnEmptiedRulesetWithoutNetwork() throws Exception {
    // The cache an earlier online run left: Cloudflare's list less one prefix, so that the
    // run's output shows the cache (14 IPv4), not the built-in snapshot (15), was used.
    Prefix dropped = Prefix.parse("131.0.72.0/22");
    ImmutableList<Prefix> cached = Fixtures.all().stream().filter(p -> !p.equals(dropped))
        .collect(ImmutableList.toImmutableList());
    Path state = tmp.resolve("state");
    new ListCache(new StateDir(state)).store(new Fetched("cloudflare", cached,
        ImmutableList.of(), Optional.empty(), false, Optional.empty()),
        Instant.parse("2025-01-01T00:00:00Z"));

    try (Netns net = Netns.create()) {
      net.listen(80, 443);
      // The firewall service's load, then a flush: the ruleset cfsync finds at boot.
      net.server().check(Command.of("nft", "-f", "-").withStdin("table inet filter {\n"
          + " chain input { type filter hook input priority 0; policy accept; }\n}\n"));
      net.server().check(Command.of("nft", "flush", "ruleset"));
      assertThat(net.server().check(Command.of("nft", "list", "ruleset")).stdout()).isBlank();
      assertThat(net.connect(Netns.OTHER_V4, 80)).as("open before").isEqualTo(CONNECTED);

      Result r = net.cfsyncRun(tmp, "apply", "--offline", "--state-dir", state.toString());
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      assertThat(r.stderr()).contains("offline run (--offline)", "last-known-good list of "
          + "cloudflare", "14 IPv4 + 7 IPv6 prefixes", "add-only");

      for (int port : new int[] {80, 443}) {
        assertThat(net.connect(Netns.CF_V4, port)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.CF_V4_B, port)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.CF_V6, port)).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.OTHER_V4, port)).isEqualTo(TIMEOUT);
        assertThat(net.connect(Netns.OTHER_V6, port)).isEqualTo(TIMEOUT);
      }
      // Converged: a second offline run changes nothing.
      Result again = net.cfsyncRun(tmp, "apply", "--offline", "--state-dir", state.toString());
      assertThat(again.exitCode()).isZero();
      assertThat(again.stderr()).contains("in sync");
    }
  }
}
