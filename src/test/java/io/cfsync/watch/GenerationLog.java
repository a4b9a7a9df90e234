package io.cfsync.watch;

import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.live.Netns;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The test's own {@code nft monitor} in the server namespace: every committed transaction
 * ends in {@code # new generation N by process PID (COMM)}. Sentinel tables written by the
 * test around a stretch of time bound the transactions committed in between: if none of
 * them came from the watch, the watch wrote nothing.
 */
final class GenerationLog implements AutoCloseable {

  private final Process process;
  private final List<String> lines = new ArrayList<>();

  GenerationLog(Netns net) {
    try {
      process = new ProcessBuilder("ip", "netns", "exec", net.serverName(), "nft", "monitor")
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(
          process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          synchronized (lines) {
            lines.add(line);
            lines.notifyAll();
          }
        }
      } catch (IOException e) {
        // stopped
      }
    }, "generation-log");
    t.setDaemon(true);
    t.start();
  }

  /** Writes throw-away tables until the monitor reports one: from then on it sees all. */
  GenerationLog ready(ProcessRunner srv) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    int n = 0;
    while (System.nanoTime() < deadline) {
      String name = "cfsready" + n++;
      srv.check(Command.of("nft", "add", "table", "inet", name));
      srv.check(Command.of("nft", "delete", "table", "inet", name));
      if (awaitLine("delete table inet " + name, 500) >= 0) {
        return this;
      }
    }
    throw new IllegalStateException("nft monitor reported nothing within 30 s");
  }

  /** Runs a sentinel nft command, waits until reported, returns its line index. */
  int sentinel(ProcessRunner srv, String expectLine, String... nft) {
    srv.check(Command.of(nft));
    int at = awaitLine(expectLine, 30_000);
    if (at < 0) {
      throw new IllegalStateException("monitor never reported " + expectLine);
    }
    return at;
  }

  private int awaitLine(String line, long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    synchronized (lines) {
      while (true) {
        int at = lines.indexOf(line);
        if (at >= 0) {
          return at;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return -1;
        }
        try {
          lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /** The generation lines strictly between two line indexes. */
  List<String> generationsBetween(int from, int to) {
    synchronized (lines) {
      List<String> out = new ArrayList<>();
      for (String l : lines.subList(from + 1, to)) {
        if (l.startsWith("# new generation")) {
          out.add(l);
        }
      }
      return out;
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
