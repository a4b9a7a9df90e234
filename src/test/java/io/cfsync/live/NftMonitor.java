package io.cfsync.live;

import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The test's own {@code nft monitor} in a namespace: every committed transaction prints its
 * objects and ends in {@code # new generation N by process PID (COMM)}. Sentinel writes by
 * the test around a stretch of time bound the transactions committed in between, which is how
 * tests prove that a run wrote nothing (or that only the test wrote).
 */
public final class NftMonitor implements AutoCloseable {

  private static final String GENERATION = "# new generation ";

  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;

  public NftMonitor(Netns net) {
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
        // The monitor was stopped.
      }
    }, "nft-monitor");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Waits until the monitor is subscribed: writes throw-away tables until it reports one (a
   * write before the subscription is never reported).
   */
  public NftMonitor ready(ProcessRunner srv) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int n = 0; System.nanoTime() < deadline; n++) {
      String name = "cfsready" + n;
      srv.check(Command.of("nft", "add", "table", "inet", name));
      srv.check(Command.of("nft", "delete", "table", "inet", name));
      if (indexOf("delete table inet " + name, TimeUnit.MILLISECONDS.toNanos(500)) >= 0) {
        return this;
      }
    }
    throw new IllegalStateException("nft monitor reported nothing within 30 s");
  }

  /**
   * Runs {@code nft} (a sentinel write), waits until the monitor reports {@code expected} and
   * returns that line's index.
   */
  public int sentinel(ProcessRunner srv, String expected, String... nft) {
    srv.check(Command.of(nft));
    int at = indexOf(expected, TimeUnit.SECONDS.toNanos(30));
    if (at < 0) {
      throw new IllegalStateException("nft monitor did not report \"" + expected + "\": "
          + snapshot());
    }
    return at;
  }

  /** The generation the transaction printed at line {@code at} created (waits for its end). */
  public long generationOf(int at) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      synchronized (lines) {
        for (int i = at + 1; i < lines.size(); i++) {
          if (lines.get(i).startsWith(GENERATION)) {
            return Long.parseLong(lines.get(i).split(" ")[3]);
          }
        }
        if (!await(deadline)) {
          throw new IllegalStateException("no generation after line " + at + ": " + lines);
        }
      }
    }
  }

  /** Everything the monitor printed strictly between two line indexes. */
  public List<String> between(int from, int to) {
    synchronized (lines) {
      return new ArrayList<>(lines.subList(from + 1, to));
    }
  }

  /** The generation lines strictly between two line indexes. */
  public List<String> generationsBetween(int from, int to) {
    return between(from, to).stream().filter(l -> l.startsWith(GENERATION)).toList();
  }

  private int indexOf(String line, long nanos) {
    long deadline = System.nanoTime() + nanos;
    synchronized (lines) {
      while (true) {
        int at = lines.indexOf(line);
        if (at >= 0) {
          return at;
        }
        if (!await(deadline)) {
          return -1;
        }
      }
    }
  }

  /** Waits (holding {@code lines}) for a new line; false once the deadline has passed. */
  private boolean await(long deadline) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      return false;
    }
    try {
      lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private List<String> snapshot() {
    synchronized (lines) {
      return new ArrayList<>(lines);
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
