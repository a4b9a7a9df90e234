package io.cfsync.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.exec.Command;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The harness itself: traffic crosses the veth, and a kernel rule in the server ns bites. */
@Live(tools = {"socat", "nft"})
class NetnsHarnessTest {

  @Test
  void clientsReachListenersAndAKernelDropStopsThem() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(80);
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Netns.Outcome.CONNECTED);
      assertThat(net.connect(Netns.CF_V6, 80)).isEqualTo(Netns.Outcome.CONNECTED);
      assertThat(net.connect(Netns.OTHER_V4, 81)).isEqualTo(Netns.Outcome.REFUSED);

      Prober.Handle probe = net.probe(Netns.CF_V4, 80, Duration.ofMillis(20)).awaitFirst();
      net.server().check(Command.of("nft", "-f", "-").withStdin(
          "table inet t { chain i { type filter hook input priority 0; tcp dport 80 drop\n }\n}\n"));
      assertThat(net.connect(Netns.OTHER_V6, 80)).isEqualTo(Netns.Outcome.TIMEOUT);
      Prober.Stats stats = probe.awaitFailure().stop();
      assertThat(stats.connected()).as("%s", stats).isPositive();
      assertThat(stats.timeouts()).isPositive();
    }
  }
}
