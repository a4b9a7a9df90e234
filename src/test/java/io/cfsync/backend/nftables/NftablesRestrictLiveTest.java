package io.cfsync.backend.nftables;

import static io.cfsync.backend.nftables.NftTesting.cloudflare;
import static io.cfsync.backend.nftables.NftTesting.want;
import static io.cfsync.live.Netns.Outcome.CONNECTED;
import static io.cfsync.live.Netns.Outcome.REFUSED;
import static io.cfsync.live.Netns.Outcome.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.backend.Desired;
import io.cfsync.exec.Command;
import io.cfsync.exec.Result;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import io.cfsync.model.Family;
import io.cfsync.sync.Log;
import io.cfsync.sync.Sync;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restrict mode against real TCP: the edge gets in, others do not, other ports are untouched. */
@Live(tools = {"nft", "socat"})
class NftablesRestrictLiveTest {

  @TempDir
  Path tmp;

  static void sync(Netns net, Desired want) {
    Sync s = new Sync(new NftablesBackend(), net.server(), Log.SILENT);
    s.apply(s.prepare(want, false, 100, true), net.server());
  }

  /** A connection made inside the server namespace (loopback, or to its own address). */
  static Netns.Outcome fromServer(Netns net, String to, int port) {
    String target = to.contains(":") ? "TCP6:[" + to + "]:" + port : "TCP4:" + to + ":" + port;
    Result r = net.server().run(Command.of("socat", "-u", "OPEN:/dev/null",
        target + ",connect-timeout=1"));
    return r.ok() ? CONNECTED : r.stderr().contains("refused") ? REFUSED : TIMEOUT;
  }

  @Test
  void cloudflareConnectsOthersAreDroppedAndUnlistedPortsStayOpen() {
    try (Netns net = Netns.create()) {
      net.listen(80, 443, 8080);
      NftTesting.warmUp(net, 80);
      Result r = net.cfsyncRun(tmp, "apply", "--source", "builtin", "--state-dir",
          tmp.resolve("state").toString());
      assertThat(r.exitCode()).as(r.stderr()).isZero();

      for (int port : new int[] {80, 443}) {
        assertThat(net.connect(Netns.CF_V4, port)).as("CF v4 :%s", port).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.CF_V4_B, port)).as("CF v4 B :%s", port)
            .isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.CF_V6, port)).as("CF v6 :%s", port).isEqualTo(CONNECTED);
        assertThat(net.connect(Netns.OTHER_V4, port)).as("other v4 :%s", port)
            .isEqualTo(TIMEOUT);
        assertThat(net.connect(Netns.OTHER_V6, port)).as("other v6 :%s", port)
            .isEqualTo(TIMEOUT);
      }
      assertThat(net.connect(Netns.OTHER_V4, 8080)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.OTHER_V6, 8080)).isEqualTo(CONNECTED);
      // Loopback is excepted: local health checks and proxies keep working.
      assertThat(fromServer(net, "127.0.0.1", 80)).isEqualTo(CONNECTED);
      assertThat(fromServer(net, "::1", 443)).isEqualTo(CONNECTED);
      assertThat(fromServer(net, Netns.SERVER_V4, 80)).isEqualTo(CONNECTED);
    }
  }

  @Test
  void rejectActionRefusesOthersAtOnceWithAReset() {
    try (Netns net = Netns.create()) {
      net.listen(80, 443);
      NftTesting.warmUp(net, 80);
      sync(net, want(cloudflare()).reject().build());
      assertThat(net.connect(Netns.OTHER_V4, 443)).isEqualTo(REFUSED);
      assertThat(net.connect(Netns.OTHER_V6, 80)).isEqualTo(REFUSED);
      assertThat(net.connect(Netns.CF_V4, 443)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.CF_V6, 80)).isEqualTo(CONNECTED);
    }
  }

  @Test
  void allowExtraLetsOnlyThatSourceIn() {
    try (Netns net = Netns.create()) {
      net.listen(80);
      NftTesting.warmUp(net, 80);
      sync(net, want(cloudflare()).extra(Netns.OTHER_V4 + "/32").build());
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.OTHER_V6, 80)).isEqualTo(TIMEOUT);
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(CONNECTED);
    }
  }

  @Test
  void onlyTheSelectedFamilyIsRestricted() {
    try (Netns net = Netns.create()) {
      net.listen(80);
      NftTesting.warmUp(net, 80);
      sync(net, want(cloudflare()).family(Family.V4).build());
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(TIMEOUT);
      assertThat(net.connect(Netns.OTHER_V6, 80)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(CONNECTED);

      sync(net, want(cloudflare()).family(Family.V6).build());
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.OTHER_V6, 80)).isEqualTo(TIMEOUT);
      assertThat(net.connect(Netns.CF_V6, 80)).isEqualTo(CONNECTED);
    }
  }

  @Test
  void portRangesAreProtectedAsAWhole() {
    try (Netns net = Netns.create()) {
      net.listen(8000, 8080, 9000);
      NftTesting.warmUp(net, 8000);
      sync(net, want(cloudflare()).ports("8000-8080").build());
      assertThat(net.connect(Netns.OTHER_V4, 8000)).isEqualTo(TIMEOUT);
      assertThat(net.connect(Netns.OTHER_V6, 8080)).isEqualTo(TIMEOUT);
      assertThat(net.connect(Netns.OTHER_V4, 9000)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.CF_V4_B, 8080)).isEqualTo(CONNECTED);
    }
  }
}
