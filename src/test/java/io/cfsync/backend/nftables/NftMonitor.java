package io.cfsync.backend.nftables;

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
 * {@code nft monitor} in the server namespace: every committed transaction prints its
 * objects and a {@code # new generation N} line. Two sentinel writes around a run prove the
 * run wrote nothing: their generations are then consecutive.
 */
final class NftMonitor implements AutoCloseable {

  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;

  NftMonitor(Netns net) {
    try {
      process = new ProcessBuilder("ip", "netns", "exec", net.serverName(), "nft", "monitor")
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    reader = new Thread(() -> {
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
    }, "nft-monitor");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Waits until the monitor is subscribed: writes a throw-away table until the monitor
   * reports it (a write before the subscription is never reported).
   */
  NftMonitor ready(ProcessRunner srv) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      srv.check(Command.of("nft", "add", "table", "inet", "cfsready"));
      srv.check(Command.of("nft", "delete", "table", "inet", "cfsready"));
      if (await("delete table inet cfsready", TimeUnit.MILLISECONDS.toNanos(500))) {
        return this;
      }
    }
    throw new IllegalStateException("nft monitor reported nothing within 30 s");
  }

  private boolean await(String line, long nanos) {
    long deadline = System.nanoTime() + nanos;
    synchronized (lines) {
      while (!lines.contains(line)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      return true;
    }
  }

  /**
   * Runs {@code nftCommand} (a sentinel write), waits until the monitor reports
   * {@code expected} and returns the generation that transaction created.
   */
  long sentinel(ProcessRunner srv, String expected, String... nftCommand) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    srv.check(Command.of(nftCommand));
    synchronized (lines) {
      while (true) {
        int at = lines.indexOf(expected);
        if (at >= 0) {
          for (int i = at + 1; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.startsWith("# new generation ")) {
              return Long.parseLong(l.split(" ")[3]);
            }
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("nft monitor did not report \"" + expected + "\": "
              + lines);
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

  /** Everything the monitor printed between the two lines (exclusive). */
  List<String> between(String first, String last) {
    synchronized (lines) {
      int a = lines.indexOf(first);
      int b = lines.lastIndexOf(last);
      return new ArrayList<>(lines.subList(a + 1, b));
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
      reader.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
