package io.cfsync.watch;

import com.google.common.base.Stopwatch;
import com.google.common.collect.ImmutableList;
import io.cfsync.backend.Backend;
import io.cfsync.backend.Desired;
import io.cfsync.error.BackendFailure;
import io.cfsync.error.CfsyncException;
import io.cfsync.error.SafetyRefusal;
import io.cfsync.error.SourceRejected;
import io.cfsync.error.SourceUnavailable;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.model.Family;
import io.cfsync.state.RunLock;
import io.cfsync.sync.Log;
import io.cfsync.sync.Resolution;
import io.cfsync.sync.Sync;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The work of the watch: check (read + plan, no lock, no write), heal (under the run lock:
 * read again, plan, apply, verify, exactly as {@code apply} does) and refresh the lists. It
 * keeps the last good lists between refreshes; a refresh that fails validation, or whose
 * change the removal guard refuses, leaves them as they were, and one that falls back to
 * the cache or snapshot makes every later change add-only until a fresh list comes.
 */
public final class Converger {

  /** What the command line wires in: how to get the lists, what to install, the lock. */
  public interface Wiring {
    /** The lists as {@code apply} gets them (fetch, validate, cache, fall back add-only). */
    Resolution resolve();

    /** The lists from cache or snapshot only, add-only (when the sources answered garbage). */
    Resolution resolveOffline();

    /** What to install for these lists (ports, policy, names, options). */
    Desired desired(Resolution lists);

    /** Takes the run lock, waiting up to {@code wait}; throws BackendFailure when it cannot. */
    RunLock lock(Duration wait);
  }

  /** Told about every apply and failure (metrics, systemd status). */
  public interface Listener {
    void applied(String event, Resolution lists, Sync.Prepared prepared, Duration took);

    void failed(String event, RuntimeException e, Duration took);

    Listener NONE = new Listener() {
      @Override
      public void applied(String event, Resolution lists, Sync.Prepared p, Duration took) {}

      @Override
      public void failed(String event, RuntimeException e, Duration took) {}
    };
  }

  /** How a check ended. */
  public enum Outcome { IN_SYNC, HEALED, REFUSED, FAILED, STOPPED }

  private final Backend backend;
  private final ProcessRunner run;
  private final Wiring wiring;
  private final double maxRemoval;
  private final boolean force;
  private final Duration lockTimeout;
  private final BooleanSupplier stopping;
  private final Log log;
  private final Log notice;
  private final Listener listener;
  private Resolution lists;
  private Outcome last = Outcome.IN_SYNC;

  /**
   * @param log warnings, information and debug lines
   * @param notice where heals and changes go: news even with {@code -q}
   */
  public Converger(Backend backend, ProcessRunner run, Wiring wiring, double maxRemoval,
      boolean force, Duration lockTimeout, BooleanSupplier stopping, Log log, Log notice,
      Listener listener) {
    this.backend = backend;
    this.run = run;
    this.wiring = wiring;
    this.maxRemoval = maxRemoval;
    this.force = force;
    this.lockTimeout = lockTimeout;
    this.stopping = stopping;
    this.log = new OnceLog(log);
    this.notice = notice;
    this.listener = listener;
  }

  Backend backend() {
    return backend;
  }

  /** The names a change to cfsync's objects would mention (for blaming). */
  ImmutableList<String> ownNames() {
    return lists == null ? ImmutableList.of() : Symptoms.ownNames(wiring.desired(lists));
  }

  /** How the last start, check or refresh's apply ended (FAILED: the loop retries). */
  Outcome lastOutcome() {
    return last;
  }

  boolean addOnly() {
    return lists != null && lists.addOnly();
  }

  /**
   * The first run: fetch like {@code apply} and converge. A source that answers garbage is
   * reported and the last-known-good lists (or the snapshot) serve, add-only, until the next
   * refresh: the watch is there to keep the firewall up, and those lists passed validation.
   */
  public Outcome start() {
    try {
      lists = wiring.resolve();
    } catch (SourceRejected e) {
      log.warn("start: " + e.getMessage() + "; serving the last-known-good lists (add-only) "
          + "until the next refresh");
      lists = wiring.resolveOffline();
    }
    return converge("start", Trigger.of("start"));
  }

  /** A check after a change, a poll or a retry: heals only when the plan is not empty. */
  public Outcome check(Trigger t) {
    if (lists == null) {
      return start();
    }
    return converge("heal", t);
  }

  /**
   * Fetches the lists again. Returns true when they came fresh (or unchanged from the
   * server); false when the fetch failed and the old or cached lists stay.
   */
  public boolean refresh() {
    Stopwatch sw = Stopwatch.createStarted();
    Resolution fresh;
    try {
      fresh = wiring.resolve();
    } catch (SourceRejected | SourceUnavailable e) {
      log.warn("refresh: " + e.getMessage() + "; keeping the lists in force ("
          + count(lists) + ")");
      listener.failed("refresh", e, sw.elapsed());
      return false;
    }
    Resolution before = lists;
    lists = fresh;
    Outcome o = converge("refresh", Trigger.of("refresh"));
    if (o == Outcome.REFUSED) {
      // The guard refused the new lists' change: keep enforcing the old ones.
      lists = before;
      return false;
    }
    return !fresh.addOnly();
  }

  private Outcome converge(String event, Trigger t) {
    last = convergeOnce(event, t);
    return last;
  }

  /**
   * A refusal (bad list, removal guard) waits for the next refresh or change; any other
   * failure is retried, and the log line says so.
   */
  private Outcome failed(String event, CfsyncException e, Stopwatch sw) {
    boolean refused = e instanceof SafetyRefusal;
    log.warn(event + ": " + e.getMessage() + (refused ? "" : "; will try again"));
    listener.failed(event, e, sw.elapsed());
    return refused ? Outcome.REFUSED : Outcome.FAILED;
  }

  private Outcome convergeOnce(String event, Trigger t) {
    Stopwatch sw = Stopwatch.createStarted();
    Desired want = wiring.desired(lists);
    Sync sync = new Sync(backend, run, log);
    Sync.Prepared seen;
    try {
      seen = sync.prepare(want, lists.addOnly(), maxRemoval, force);
    } catch (CfsyncException e) {
      return failed(event, e, sw);
    }
    if (seen.plan().isEmpty()) {
      if (event.equals("heal")) {
        log.debug("checked after " + t.reason() + ": in sync, nothing written"
            + (t.evidence().isEmpty() ? "" : " (change " + t.blame(ownNames()) + ")"));
      } else {
        log.info(event + ": " + backend.name() + " in sync (" + count(seen) + "); source "
            + sources(lists) + "; nothing written");
        listener.applied(event, lists, seen, sw.elapsed());
      }
      return Outcome.IN_SYNC;
    }
    ImmutableList<String> symptoms = Symptoms.of(backend.name(), seen.before(),
        seen.effective());
    Optional<RunLock> lock;
    try {
      lock = lock();
    } catch (BackendFailure e) {
      log.warn(event + ": " + e.getMessage());
      listener.failed(event, e, sw.elapsed());
      return Outcome.FAILED;
    }
    if (lock.isEmpty()) {
      return Outcome.STOPPED;
    }
    Sync.Prepared p;
    try (RunLock held = lock.get()) {
      // Read again under the lock: a manual apply may have converged meanwhile.
      p = sync.prepare(want, lists.addOnly(), maxRemoval, force);
      if (p.plan().isEmpty()) {
        log.info(event + ": another run converged " + backend.name() + " meanwhile; nothing "
            + "written");
        return Outcome.IN_SYNC;
      }
      sync.apply(p, run);
    } catch (CfsyncException e) {
      return failed(event, e, sw);
    }
    String took = seconds(sw.elapsed().toNanos());
    if (event.equals("heal")) {
      notice.warn("healed " + backend.name() + ": " + String.join("; ", symptoms) + "; "
          + t.blame(ownNames()) + "; re-applied " + count(p) + " in " + took + " ("
          + seconds(System.nanoTime() - t.since()) + " after the change was seen, on "
          + t.reason() + ")");
    } else {
      notice.warn(event + ": applied " + changes(p) + (symptoms.isEmpty() ? "" : " ("
          + String.join("; ", symptoms) + ")") + "; source " + sources(lists) + "; " + took);
    }
    listener.applied(event, lists, p, sw.elapsed());
    return Outcome.HEALED;
  }

  /**
   * The run lock, in slices of a second so that a stop request is noticed while another
   * run holds it; empty when stopping.
   */
  private Optional<RunLock> lock() {
    long deadline = System.nanoTime() + lockTimeout.toNanos();
    while (true) {
      if (stopping.getAsBoolean()) {
        return Optional.empty();
      }
      long left = deadline - System.nanoTime();
      try {
        return Optional.of(wiring.lock(Duration.ofNanos(Math.max(1_000_000,
            Math.min(left, 1_000_000_000L)))));
      } catch (BackendFailure e) {
        if (System.nanoTime() - deadline >= 0) {
          throw e;
        }
      }
    }
  }

  private static String count(Sync.Prepared p) {
    var e = p.effective();
    StringBuilder sb = new StringBuilder();
    for (Family f : e.families()) {
      sb.append(sb.length() > 0 ? " + " : "").append(e.prefixes().prefixCount(f)).append(' ')
          .append(Symptoms.word(f));
    }
    return sb.append(" prefixes").toString();
  }

  private static String count(Resolution r) {
    if (r == null) {
      return "none yet";
    }
    return r.prefixes().prefixCount(Family.V4) + " IPv4 + " + r.prefixes().prefixCount(
        Family.V6) + " IPv6 prefixes" + (r.addOnly() ? ", add-only" : "");
  }

  private static String changes(Sync.Prepared p) {
    var d = p.plan().diff();
    StringBuilder sb = new StringBuilder();
    for (Family f : p.effective().families()) {
      sb.append(sb.length() > 0 ? ", " : "").append('+').append(d.added().prefixCount(f))
          .append("/-").append(d.removed().prefixCount(f)).append(' ').append(Symptoms.word(f));
    }
    return sb.toString();
  }

  private static String sources(Resolution r) {
    StringBuilder sb = new StringBuilder();
    for (var o : r.outcomes()) {
      sb.append(sb.length() > 0 ? ", " : "").append(o.source()).append(" (")
          .append(o.origin().word()).append(')');
    }
    return sb.append(r.addOnly() ? ", add-only fallback" : "").toString();
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }
}
