package io.cfsync.watch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@code cfsync watch} process under test: its stderr lines as they come, waits on them
 * (poll-until-deadline on a monitor, no sleeping), and a SIGTERM stop that returns the exit
 * code.
 */
final class WatchProcess implements AutoCloseable {

  private final Process process;
  private final List<String> lines = new ArrayList<>();

  WatchProcess(Process process) {
    this.process = process;
    reader(process.getErrorStream(), true);
    reader(process.getInputStream(), false);
  }

  private void reader(InputStream in, boolean keep) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in,
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (keep) {
            synchronized (lines) {
              lines.add(line);
              lines.notifyAll();
            }
          }
        }
      } catch (IOException e) {
        // process gone
      }
    }, "watch-output");
    t.setDaemon(true);
    t.start();
  }

  long pid() {
    return process.pid();
  }

  /** How many lines have been seen so far (a mark for {@link #awaitAfter}). */
  int mark() {
    synchronized (lines) {
      return lines.size();
    }
  }

  /** Waits until a line matching {@code what} has been printed; returns it. */
  String await(Predicate<String> what, String description) {
    return awaitAfter(0, what, description);
  }

  /** Waits until a line after {@code mark} matches {@code what}; returns it. */
  String awaitAfter(int mark, Predicate<String> what, String description) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    synchronized (lines) {
      while (true) {
        for (int i = mark; i < lines.size(); i++) {
          if (what.test(lines.get(i))) {
            return lines.get(i);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || !process.isAlive() && lines.size() == mark) {
          throw new AssertionError("watch never printed " + description + "; it printed:\n"
              + String.join("\n", lines));
        }
        try {
          lines.wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(left))));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
  }

  /** Lines after {@code mark} that match. */
  List<String> matching(int mark, Predicate<String> what) {
    synchronized (lines) {
      List<String> out = new ArrayList<>();
      for (int i = mark; i < lines.size(); i++) {
        if (what.test(lines.get(i))) {
          out.add(lines.get(i));
        }
      }
      return out;
    }
  }

  String log() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  /** SIGTERM, then the exit code (waits up to a minute). */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("watch did not exit within 60 s of SIGTERM:\n" + log());
    }
    return process.exitValue();
  }

  static boolean isHeal(String line) {
    return line.contains("cfsync: healed ");
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }
}
