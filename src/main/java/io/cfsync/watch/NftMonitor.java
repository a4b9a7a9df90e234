package io.cfsync.watch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code nft monitor} as a child process (an argument vector, no shell): every committed
 * transaction, nftables' own and iptables-nft's, is reported to {@code sink} with who made
 * it. The committer is looked up in {@code /proc} as soon as its generation line is read,
 * while a short-lived {@code nft} or {@code iptables} is most likely still there.
 */
final class NftMonitor implements AutoCloseable {

  private final Process process;
  private final Thread reader;
  private volatile boolean closing;

  private NftMonitor(Process process, Consumer<Transaction> sink, Consumer<String> exited,
      ProcInfo proc) {
    this.process = process;
    this.reader = new Thread(() -> read(sink, exited, proc), "nft-monitor");
    reader.setDaemon(true);
  }

  /**
   * Starts the monitor and waits (up to {@code ready}) until its netlink socket listens, so
   * that a change right after this returns is reported. Empty when nft cannot be started.
   */
  static Optional<NftMonitor> start(List<String> argv, Consumer<Transaction> sink,
      Consumer<String> exited, ProcInfo proc, Duration ready) throws InterruptedException {
    Process p;
    try {
      ProcessBuilder pb = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().put("LC_ALL", "C");
      p = pb.start();
    } catch (IOException e) {
      return Optional.empty();
    }
    NftMonitor m = new NftMonitor(p, sink, exited, proc);
    m.reader.start();
    long deadline = System.nanoTime() + ready.toNanos();
    long pause = 1;
    while (p.isAlive() && System.nanoTime() < deadline) {
      Optional<Boolean> sub = proc.subscribedToNetfilter(p.pid());
      if (sub.isEmpty() || sub.get()) {
        break;
      }
      // The kernel offers no wait for another process's subscription: poll briefly.
      TimeUnit.MILLISECONDS.sleep(pause);
      pause = Math.min(pause * 2, 20);
    }
    if (!p.isAlive()) {
      m.reader.join(1000);
      return Optional.empty();
    }
    return Optional.of(m);
  }

  private void read(Consumer<Transaction> sink, Consumer<String> exited, ProcInfo proc) {
    MonitorParser parser = new MonitorParser();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        Optional<Transaction> t = parser.line(line);
        if (t.isPresent()) {
          sink.accept(t.get().withCulprit(proc.enrich(t.get().culprit())));
        }
      }
    } catch (IOException e) {
      // The stream ends with the process; why is told below.
    }
    if (!closing) {
      String why;
      try {
        why = process.waitFor(2, TimeUnit.SECONDS) ? "exited " + process.exitValue()
            : "closed its output";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        why = "stopped";
      }
      exited.accept("nft monitor " + why);
    }
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    closing = true;
    process.destroy();
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      reader.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
