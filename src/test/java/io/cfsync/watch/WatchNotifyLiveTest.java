package io.cfsync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.exec.Command;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Type=notify protocol end to end: the watch, started with {@code NOTIFY_SOCKET} as
 * systemd would, tells READY=1 (through the real systemd-notify, barrier included) only
 * after its first apply, a status after a heal, and STOPPING=1 on SIGTERM.
 */
@Live(tools = {"nft", "python3", "systemd-notify"})
class WatchNotifyLiveTest {

  @TempDir
  Path tmp;

  @Test
  void readyComesAfterTheFirstApplyAndStoppingOnSigterm() throws Exception {
    Path script = tmp.resolve("notify-receiver.py");
    try (var in = getClass().getResourceAsStream("/watch/notify-receiver.py")) {
      Files.copy(in, script);
    }
    Path socket = tmp.resolve("notify.sock");
    Process receiver = new ProcessBuilder("python3", script.toString(), socket.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    List<String> got = new ArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(
          receiver.getInputStream(), StandardCharsets.UTF_8))) {
        String l;
        while ((l = r.readLine()) != null) {
          synchronized (got) {
            got.add(l);
            got.notifyAll();
          }
        }
      } catch (java.io.IOException e) {
        // stopped
      }
    });
    reader.setDaemon(true);
    reader.start();
    try (Netns net = Netns.create()) {
      await(got, "listening");
      WatchProcess w = new WatchProcess(net.cfsync(tmp, Map.of("NOTIFY_SOCKET",
          socket.toString()), "watch", "--source", "builtin", "--state-dir",
          tmp.resolve("state").toString(), "-v"));
      try (w) {
        String ready = await(got, "READY=1");
        assertThat(ready).contains("STATUS=in sync");
        // READY only once the rules are in place.
        assertThat(net.server().check(Command.of("nft", "list", "tables")).stdout())
            .contains("table inet cfsync");
        w.await(l -> l.contains("cfsync: watching "), "its watching line");
        net.server().check(Command.of("nft", "flush", "ruleset"));
        w.await(WatchProcess::isHeal, "a heal");
        assertThat(w.terminate()).isZero();
        await(got, "STOPPING=1");
        assertThat(w.log()).doesNotContain("systemd-notify exited");
      }
    } finally {
      receiver.destroy();
    }
  }

  private static String await(List<String> got, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    synchronized (got) {
      while (true) {
        for (String l : got) {
          if (l.contains(what)) {
            return l;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("never received " + what + "; got " + got);
        }
        got.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }
  }
}
