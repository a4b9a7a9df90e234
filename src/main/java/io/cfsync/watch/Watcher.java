package io.cfsync.watch;

import com.google.common.collect.ImmutableList;
import io.cfsync.sync.Log;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The event loop of {@code cfsync watch}. One thread does all the work, in order: the first
 * apply, then checks after changes (debounced), polls, refreshes and retries. Other threads
 * only put signals on a queue: the {@code nft monitor} reader, the file watcher, and a stop
 * request. A stop is acted on between two steps, so an apply in progress finishes (each is
 * one transaction per tool) and the loop returns.
 */
public final class Watcher {

  /**
   * How the loop behaves.
   *
   * @param debounce the quiet time after a change before the check
   * @param maxDelay the longest a check waits while changes keep coming
   * @param poll the check interval without an event stream
   * @param refresh how often the lists are fetched again (jittered by ±10%)
   * @param monitorArgv {@code nft monitor}'s argument vector; empty: no event stream
   * @param alwaysPoll poll even with the event stream (state it cannot see, e.g. ipset)
   * @param files files whose changes trigger a check (UFW's rule files)
   */
  public record Settings(Duration debounce, Duration maxDelay, Duration poll, Duration refresh,
      ImmutableList<String> monitorArgv, boolean alwaysPoll, ImmutableList<Path> files) {

    public Settings {
      monitorArgv = ImmutableList.copyOf(monitorArgv);
      files = ImmutableList.copyOf(files);
    }
  }

  private sealed interface Signal permits Change, FileChanged, MonitorDown, Stop {}

  private record Change(Transaction t, long at) implements Signal {}

  private record FileChanged(Path path, long at) implements Signal {}

  private record MonitorDown(String why) implements Signal {}

  private record Stop() implements Signal {}

  private static final int MAX_EVIDENCE = 64;
  private static final long SECOND = 1_000_000_000L;

  private final Converger converger;
  private final Settings settings;
  private final Log log;
  private final Notifier notifier;
  private final ProcInfo proc;
  private final OwnProcesses own;
  private final Random random;
  private final BlockingQueue<Signal> queue = new LinkedBlockingQueue<>();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Debouncer debouncer;
  private final Deque<Transaction> evidence = new ArrayDeque<>();
  private long firstChangeAt;
  private boolean fileChange;
  private Optional<NftMonitor> monitor = Optional.empty();
  private Optional<FileWatch> fileWatch = Optional.empty();
  private final Backoff monitorBackoff = new Backoff(SECOND, 60 * SECOND);
  private final Backoff retryBackoff = new Backoff(2 * SECOND, 60 * SECOND);
  private final Backoff refreshBackoff;

  public Watcher(Converger converger, Settings settings, Log log, Notifier notifier,
      OwnProcesses own, Random random) {
    this(converger, settings, log, notifier, own, random, ProcInfo.system());
  }

  Watcher(Converger converger, Settings settings, Log log, Notifier notifier, OwnProcesses own,
      Random random, ProcInfo proc) {
    this.converger = converger;
    this.settings = settings;
    this.log = log;
    this.notifier = notifier;
    this.own = own;
    this.random = random;
    this.proc = proc;
    this.debouncer = new Debouncer(settings.debounce().toNanos(), settings.maxDelay().toNanos());
    this.refreshBackoff = new Backoff(Math.min(60 * SECOND, settings.refresh().toNanos()),
        settings.refresh().toNanos());
  }

  /** True once a stop was requested (the converger gives up waiting for the lock then). */
  public boolean stopping() {
    return stopping.get();
  }

  /** Asks the loop to stop after the current step; safe from any thread (a signal handler). */
  public void stop() {
    if (stopping.compareAndSet(false, true)) {
      queue.add(new Stop());
    }
  }

  /** Waits until {@link #run()} has returned. */
  public boolean awaitStopped(Duration d) throws InterruptedException {
    return stopped.await(d.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Runs until {@link #stop()}; returns the exit code (0). */
  public int run() throws InterruptedException {
    try {
      return loop();
    } finally {
      monitor.ifPresent(NftMonitor::close);
      fileWatch.ifPresent(FileWatch::close);
      stopped.countDown();
    }
  }

  private int loop() throws InterruptedException {
    startMonitor();
    fileWatch = FileWatch.start(settings.files(), p -> queue.add(new FileChanged(p,
        System.nanoTime())));
    // Subscribed first, applied second: a change between the two is then seen.
    Converger.Outcome first = converger.start();
    fileWatch.ifPresent(FileWatch::record);
    long now = System.nanoTime();
    long retryAt = first == Converger.Outcome.FAILED ? now + retryBackoff.next() : Long.MAX_VALUE;
    notifier.ready(status(first));
    log.info("watching " + converger.backend().name() + ": " + how()
        + "; lists refreshed every " + human(settings.refresh()) + " (±10%)");
    long nextRefresh = now + jittered(settings.refresh());
    long nextPoll = now + settings.poll().toNanos();
    long monitorRetryAt = Long.MAX_VALUE;
    while (!stopping.get()) {
      now = System.nanoTime();
      long wake = Math.min(Math.min(nextRefresh, retryAt), monitorRetryAt);
      if (polling()) {
        wake = Math.min(wake, nextPoll);
      }
      if (debouncer.pending()) {
        wake = Math.min(wake, debouncer.due());
      }
      Signal s = queue.poll(Math.max(0, wake - now), TimeUnit.NANOSECONDS);
      while (s != null) {
        monitorRetryAt = handle(s, monitorRetryAt);
        s = queue.poll();
      }
      if (stopping.get()) {
        break;
      }
      now = System.nanoTime();
      if (now - monitorRetryAt >= 0) {
        startMonitor();
        monitorRetryAt = monitor.isPresent() ? Long.MAX_VALUE : now + monitorBackoff.next();
        if (monitor.isPresent()) {
          monitorBackoff.reset();
          log.info("nft monitor is back; watching ruleset changes again");
          // Whatever happened while it was down: check once.
          debouncer.event(now);
          firstChangeAt = now;
        }
      }
      if (now - nextRefresh >= 0) {
        boolean fresh = converger.refresh();
        fileWatch.ifPresent(FileWatch::record);
        now = System.nanoTime();
        nextRefresh = now + (fresh ? jittered(settings.refresh()) : refreshBackoff.next());
        if (fresh) {
          refreshBackoff.reset();
        }
        nextPoll = now + settings.poll().toNanos();
        // New lists whose apply failed: without a retry they would wait for the next change
        // or refresh, which with an event stream and a quiet ruleset may be an hour away.
        Converger.Outcome o = converger.lastOutcome();
        if (o == Converger.Outcome.FAILED) {
          retryAt = now + retryBackoff.next();
        }
        notifier.status(status(o == Converger.Outcome.FAILED ? o : Converger.Outcome.IN_SYNC));
        continue;
      }
      boolean due = debouncer.isDue(now);
      boolean pollDue = polling() && now - nextPoll >= 0;
      boolean retryDue = now - retryAt >= 0;
      if (!due && !pollDue && !retryDue) {
        continue;
      }
      Trigger t = trigger(due, pollDue, retryDue);
      debouncer.clear();
      evidence.clear();
      fileChange = false;
      nextPoll = now + settings.poll().toNanos();
      if (t == null) {
        continue;
      }
      Converger.Outcome o = converger.check(t);
      fileWatch.ifPresent(FileWatch::record);
      if (o == Converger.Outcome.FAILED) {
        retryAt = System.nanoTime() + retryBackoff.next();
      } else {
        retryAt = Long.MAX_VALUE;
        retryBackoff.reset();
      }
      if (o == Converger.Outcome.HEALED || o == Converger.Outcome.FAILED) {
        notifier.status(status(o));
      }
    }
    notifier.stopping();
    log.info("stopping on request: no apply in progress, exit 0");
    return 0;
  }

  /** What woke the loop; null when only cfsync's own transactions did. */
  private Trigger trigger(boolean due, boolean pollDue, boolean retryDue) {
    List<Transaction> foreign = new ArrayList<>();
    for (Transaction t : evidence) {
      if (!own.isOwn(t.culprit().pid()) && !proc.isOurs(t.culprit())) {
        foreign.add(t);
      }
    }
    if (due && foreign.isEmpty() && !fileChange && !pollDue && !retryDue
        && !evidence.isEmpty()) {
      log.debug("only cfsync's own transactions since the last check: nothing to check");
      return null;
    }
    String reason;
    if (due) {
      reason = fileChange && foreign.isEmpty() ? "a change of " + files() : foreign.isEmpty()
          ? "a restart of nft monitor" : foreign.size() == 1 ? "1 ruleset change"
          : foreign.size() + " ruleset changes";
    } else if (pollDue) {
      reason = "poll (every " + human(settings.poll()) + ")";
    } else {
      reason = "retry";
    }
    long since = due ? firstChangeAt : System.nanoTime();
    return new Trigger(reason, ImmutableList.copyOf(foreign), foreign.isEmpty() && pollDue
        ? proc::firewallToolsRunning : ImmutableList::of, since);
  }

  private long handle(Signal s, long monitorRetryAt) {
    if (s instanceof Change c) {
      if (!debouncer.pending()) {
        firstChangeAt = c.at();
      }
      debouncer.event(c.at());
      if (evidence.size() >= MAX_EVIDENCE) {
        evidence.removeFirst();
      }
      evidence.addLast(c.t());
    } else if (s instanceof FileChanged f) {
      if (fileWatch.isPresent() && fileWatch.get().changed(f.path())) {
        if (!debouncer.pending()) {
          firstChangeAt = f.at();
        }
        debouncer.event(f.at());
        fileChange = true;
      }
    } else if (s instanceof MonitorDown d) {
      monitor.ifPresent(NftMonitor::close);
      monitor = Optional.empty();
      if (!stopping.get()) {
        log.warn(d.why() + "; polling every " + human(settings.poll()) + " until it is back");
        return System.nanoTime() + monitorBackoff.next();
      }
    }
    return monitorRetryAt;
  }

  private void startMonitor() throws InterruptedException {
    if (settings.monitorArgv().isEmpty()) {
      return;
    }
    monitor = NftMonitor.start(settings.monitorArgv(),
        t -> queue.add(new Change(t, System.nanoTime())),
        why -> queue.add(new MonitorDown(why)), proc, Duration.ofSeconds(2));
    if (monitor.isEmpty()) {
      log.warn(String.join(" ", settings.monitorArgv()) + " could not be started; polling "
          + "every " + human(settings.poll()) + " instead");
    }
  }

  private boolean polling() {
    return settings.alwaysPoll() || monitor.isEmpty();
  }

  private String how() {
    List<String> parts = new ArrayList<>();
    if (monitor.isPresent()) {
      parts.add("ruleset changes (nft monitor)");
    }
    if (fileWatch.isPresent()) {
      parts.add("changes of " + files());
    }
    if (polling()) {
      parts.add("a poll every " + human(settings.poll()));
    }
    return String.join(", ", parts);
  }

  private String files() {
    List<String> names = new ArrayList<>();
    for (Path p : settings.files()) {
      names.add(p.toString());
    }
    return String.join(" and ", names);
  }

  private String status(Converger.Outcome o) {
    return switch (o) {
      case FAILED -> "last apply failed; retrying";
      case REFUSED -> "refused by a safety check; see the log";
      default -> "in sync; " + how();
    };
  }

  private long jittered(Duration d) {
    double f = 0.9 + 0.2 * random.nextDouble();
    return (long) (d.toNanos() * f);
  }

  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + " h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + " min";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + " s";
    }
    return ms + " ms";
  }

  /** Doubling waits between attempts, up to a cap. */
  static final class Backoff {
    private final long first;
    private final long cap;
    private long next;

    Backoff(long first, long cap) {
      this.first = Math.max(1, Math.min(first, cap));
      this.cap = cap;
      this.next = this.first;
    }

    long next() {
      long n = next;
      next = Math.min(cap, next * 2);
      return n;
    }

    void reset() {
      next = first;
    }
  }
}
