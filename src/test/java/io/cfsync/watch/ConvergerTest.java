package io.cfsync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Backend;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Installed;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Plan;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.error.BackendFailure;
import io.cfsync.error.SourceRejected;
import io.cfsync.error.SourceUnavailable;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.model.Diff;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.state.RunLock;
import io.cfsync.state.StateDir;
import io.cfsync.sync.Origin;
import io.cfsync.sync.Resolution;
import io.cfsync.sync.SourceOutcome;
import io.cfsync.sync.Sync;
import io.cfsync.testing.Fixtures;
import io.cfsync.testing.RecordingLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch's decisions against an in-memory firewall: a check in sync writes nothing, a
 * heal restores the lists in force, a refresh that fails (garbage, an unreachable source, a
 * change the removal guard refuses) never shrinks what is installed, and a failed apply or
 * a held lock is reported and retried rather than fatal.
 */
class ConvergerTest {

  private static final PrefixSet CF = PrefixSet.of(Fixtures.all());

  @TempDir
  Path tmp;

  /**
   * A firewall that is one set of prefixes. The plan is pure (its diff says what to do);
   * apply counts itself and can be told to fail once, as a tool exiting non-zero would.
   */
  static final class MemoryBackend implements Backend {
    PrefixSet installed = PrefixSet.empty();
    int applies;
    boolean failNextApply;

    private record State(PrefixSet prefixes) implements Installed {
      @Override
      public boolean present() {
        return !prefixes.isEmpty();
      }
    }

    @Override
    public String name() {
      return "nftables";
    }

    @Override
    public Policy defaultPolicy() {
      return Policy.RESTRICT;
    }

    @Override
    public Installed read(ProcessRunner run) {
      return new State(installed);
    }

    @Override
    public Plan plan(Installed now, Desired want) {
      Diff d = Diff.between(now.prefixes(), want.prefixes());
      return new Plan(name(), d, d.isEmpty() ? ImmutableList.of()
          : ImmutableList.of(Command.of("memory-apply")), ImmutableList.of(), ImmutableList.of());
    }

    @Override
    public void apply(Plan plan, ProcessRunner run) {
      applies++;
      if (failNextApply) {
        failNextApply = false;
        throw new BackendFailure("nft exited 1: Error: Could not process rule: No buffer space "
            + "available");
      }
      installed = installed.difference(plan.diff().removed()).union(plan.diff().added());
    }
  }

  /** Records what the converger reported to the metrics/systemd side. */
  static final class Events implements Converger.Listener {
    final List<String> applied = new CopyOnWriteArrayList<>();
    final List<String> failed = new CopyOnWriteArrayList<>();

    @Override
    public void applied(String event, Resolution lists, Sync.Prepared p, Duration took) {
      applied.add(event);
    }

    @Override
    public void failed(String event, RuntimeException e, Duration took) {
      failed.add(event + ": " + e.getMessage());
    }
  }

  private static final ProcessRunner NO_PROCESSES = c -> {
    throw new AssertionError("no process expected: " + c);
  };

  private static Resolution fresh(PrefixSet p) {
    return new Resolution(p, ImmutableList.of(new SourceOutcome("cloudflare", Origin.FRESH,
        p.prefixes(), Optional.empty(), Optional.empty(), "", Optional.empty(),
        Optional.empty())));
  }

  private static Resolution fallback(PrefixSet p) {
    return new Resolution(p, ImmutableList.of(new SourceOutcome("cloudflare", Origin.CACHE,
        p.prefixes(), Optional.empty(), Optional.empty(), "", Optional.empty(),
        Optional.of("connection refused"))));
  }

  @SafeVarargs
  private static Deque<Supplier<Resolution>> fetches(Supplier<Resolution>... answers) {
    return new ArrayDeque<>(List.of(answers));
  }

  private StateDir state() {
    return new StateDir(tmp.resolve("state"));
  }

  private Converger converger(MemoryBackend b, Deque<Supplier<Resolution>> fetches,
      RecordingLog log) {
    return converger(b, fetches, log, Duration.ofSeconds(5), () -> false,
        Converger.Listener.NONE);
  }

  private Converger converger(MemoryBackend b, Deque<Supplier<Resolution>> fetches,
      RecordingLog log, Duration lockTimeout, BooleanSupplier stopping,
      Converger.Listener listener) {
    Converger.Wiring w = new Converger.Wiring() {
      @Override
      public Resolution resolve() {
        return fetches.removeFirst().get();
      }

      @Override
      public Resolution resolveOffline() {
        return fallback(CF);
      }

      @Override
      public Desired desired(Resolution r) {
        return new Desired(r.prefixes(), ImmutableSet.of(Family.V4, Family.V6),
            ImmutableList.of(PortRange.of(443)), Policy.RESTRICT, Hook.INPUT, Action.DROP,
            PrefixSet.empty(), Naming.DEFAULT, ImmutableMap.of());
      }

      @Override
      public RunLock lock(Duration wait) {
        return RunLock.acquire(state(), wait);
      }
    };
    return new Converger(b, NO_PROCESSES, w, 25, false, lockTimeout, stopping, log, log,
        listener);
  }

  @Test
  void aCheckInSyncWritesNothingAndAHealRestoresTheListsInForce() {
    MemoryBackend b = new MemoryBackend();
    RecordingLog log = new RecordingLog();
    Converger c = converger(b, fetches(() -> fresh(CF)), log);
    assertThat(c.start()).isEqualTo(Converger.Outcome.HEALED);
    assertThat(b.installed).isEqualTo(CF);
    assertThat(b.applies).isEqualTo(1);

    assertThat(c.check(Trigger.of("poll"))).isEqualTo(Converger.Outcome.IN_SYNC);
    assertThat(b.applies).as("in sync: nothing written").isEqualTo(1);

    b.installed = PrefixSet.empty();
    assertThat(c.check(Trigger.of("1 ruleset change"))).isEqualTo(Converger.Outcome.HEALED);
    assertThat(b.installed).isEqualTo(CF);
    assertThat(b.applies).isEqualTo(2);
    assertThat(log.warnings()).anyMatch(l -> l.startsWith("healed nftables: table inet cfsync "
        + "missing; removed by: unknown; re-applied 15 IPv4 + 7 IPv6 prefixes")
        && l.endsWith("on 1 ruleset change)"));
  }

  @Test
  void aPartialLossNamesWhatWasMissingAndRestoresOnlyThat() {
    MemoryBackend b = new MemoryBackend();
    RecordingLog log = new RecordingLog();
    Converger c = converger(b, fetches(() -> fresh(CF)), log);
    c.start();
    PrefixSet lost = PrefixSet.of(Prefix.parse("173.245.48.0/20"),
        Prefix.parse("103.21.244.0/22"));
    b.installed = CF.difference(lost);
    assertThat(c.check(Trigger.of("poll"))).isEqualTo(Converger.Outcome.HEALED);
    assertThat(b.installed).isEqualTo(CF);
    assertThat(log.warnings()).anyMatch(l -> l.startsWith("healed nftables: set cfsync-v4 "
        + "lacks 2 of 15 IPv4 prefixes;"));
  }

  @Test
  void aRefreshWithUnchangedListsWritesNothing() {
    MemoryBackend b = new MemoryBackend();
    RecordingLog log = new RecordingLog();
    Events events = new Events();
    Converger c = converger(b, fetches(() -> fresh(CF), () -> fresh(CF)), log,
        Duration.ofSeconds(5), () -> false, events);
    c.start();
    assertThat(c.refresh()).isTrue();
    assertThat(b.applies).isEqualTo(1);
    assertThat(events.applied).containsExactly("start", "refresh");
    assertThat(log.infos()).anyMatch(l -> l.startsWith("refresh: nftables in sync (15 IPv4 + "
        + "7 IPv6 prefixes); source cloudflare (fresh); nothing written"));
  }

  @Test
  void aRejectedRefreshKeepsTheListsInForce() {
    MemoryBackend b = new MemoryBackend();
    RecordingLog log = new RecordingLog();
    Converger c = converger(b, fetches(() -> fresh(CF), () -> {
      throw new SourceRejected("source cloudflare line 1: \"<html>\" is not a CIDR");
    }), log);
    c.start();
    assertThat(c.refresh()).isFalse();
    assertThat(b.installed).isEqualTo(CF);
    assertThat(b.applies).isEqualTo(1);
    assertThat(log.warnings()).anyMatch(l -> l.contains("refresh: source cloudflare line 1")
        && l.contains("keeping the lists in force (15 IPv4 + 7 IPv6 prefixes)"));
    // A later heal restores the lists that were in force, not something smaller.
    b.installed = PrefixSet.empty();
    c.check(Trigger.of("poll"));
    assertThat(b.installed).isEqualTo(CF);
  }

  @Test
  void anUnreachableSourceAtRefreshKeepsTheListsInForce() {
    MemoryBackend b = new MemoryBackend();
    RecordingLog log = new RecordingLog();
    Events events = new Events();
    Converger c = converger(b, fetches(() -> fresh(CF), () -> {
      throw new SourceUnavailable("source cloudflare: connect timed out; nothing cached");
    }), log, Duration.ofSeconds(5), () -> false, events);
    c.start();
    assertThat(c.refresh()).isFalse();
    assertThat(b.installed).isEqualTo(CF);
    assertThat(events.failed).singleElement().asString().startsWith("refresh: source "
        + "cloudflare: connect timed out");
  }

  @Test
  void aRefreshTheRemovalGuardRefusesKeepsTheOldLists() {
    MemoryBackend b = new MemoryBackend();
    RecordingLog log = new RecordingLog();
    PrefixSet half = PrefixSet.of(Prefix.parse("173.245.48.0/20"),
        Prefix.parse("2400:cb00::/32"));
    Converger c = converger(b, fetches(() -> fresh(CF), () -> fresh(half)), log);
    c.start();
    assertThat(c.refresh()).isFalse();
    assertThat(b.installed).isEqualTo(CF);
    assertThat(b.applies).isEqualTo(1);
    assertThat(log.warnings()).anyMatch(l -> l.startsWith("refresh: refusing to remove"));
    b.installed = PrefixSet.empty();
    c.check(Trigger.of("poll"));
    assertThat(b.installed).as("healed with the lists in force").isEqualTo(CF);
  }

  @Test
  void aRefreshThatFallsBackOnlyAdds() {
    MemoryBackend b = new MemoryBackend();
    RecordingLog log = new RecordingLog();
    PrefixSet cached = PrefixSet.of(Prefix.parse("173.245.48.0/20"),
        Prefix.parse("198.41.128.0/17"), Prefix.parse("45.64.64.0/22"));
    Converger c = converger(b, fetches(() -> fresh(CF), () -> fallback(cached)), log);
    c.start();
    assertThat(c.refresh()).as("a fallback is not a fresh list").isFalse();
    assertThat(c.addOnly()).isTrue();
    assertThat(b.installed).isEqualTo(CF.union(cached));
  }

  @Test
  void garbageAtStartServesTheLastKnownGoodListsAddOnly() {
    MemoryBackend b = new MemoryBackend();
    RecordingLog log = new RecordingLog();
    Converger c = converger(b, fetches(() -> {
      throw new SourceRejected("source cloudflare: HTML with status 200");
    }), log);
    assertThat(c.start()).isEqualTo(Converger.Outcome.HEALED);
    assertThat(b.installed).isEqualTo(CF);
    assertThat(c.addOnly()).isTrue();
    assertThat(log.warnings()).anyMatch(l -> l.contains("serving the last-known-good lists"));
  }

  @Test
  void aFailedApplyIsReportedAndTheNextCheckHeals() {
    MemoryBackend b = new MemoryBackend();
    RecordingLog log = new RecordingLog();
    Events events = new Events();
    Converger c = converger(b, fetches(() -> fresh(CF)), log, Duration.ofSeconds(5),
        () -> false, events);
    c.start();
    b.installed = PrefixSet.empty();
    b.failNextApply = true;
    assertThat(c.check(Trigger.of("poll"))).isEqualTo(Converger.Outcome.FAILED);
    assertThat(b.installed).isEqualTo(PrefixSet.empty());
    assertThat(log.warnings()).anyMatch(l -> l.startsWith("heal: nft exited 1")
        && l.endsWith("; will try again"));
    assertThat(events.failed).hasSize(1);

    assertThat(c.check(Trigger.of("poll"))).isEqualTo(Converger.Outcome.HEALED);
    assertThat(b.installed).isEqualTo(CF);
  }

  @Test
  void aRefreshWhoseApplyFailsIsMarkedForRetryAndTheRetryInstallsTheNewLists() {
    MemoryBackend b = new MemoryBackend();
    RecordingLog log = new RecordingLog();
    PrefixSet grown = CF.union(PrefixSet.of(Prefix.parse("45.64.64.0/22")));
    Converger c = converger(b, fetches(() -> fresh(CF), () -> fresh(grown)), log);
    c.start();
    assertThat(c.lastOutcome()).isEqualTo(Converger.Outcome.HEALED);
    b.failNextApply = true;
    assertThat(c.refresh()).as("the lists came fresh").isTrue();
    assertThat(c.lastOutcome()).isEqualTo(Converger.Outcome.FAILED);
    assertThat(b.installed).as("nothing half-applied").isEqualTo(CF);
    assertThat(log.warnings()).anyMatch(l -> l.startsWith("refresh: nft exited 1"));

    assertThat(c.check(Trigger.of("retry"))).isEqualTo(Converger.Outcome.HEALED);
    assertThat(b.installed).isEqualTo(grown);
    assertThat(c.lastOutcome()).isEqualTo(Converger.Outcome.HEALED);
  }

  @Test
  void aHeldLockFailsTheHealWithoutWritingAndReleasingItLetsTheNextHeal() {
    MemoryBackend b = new MemoryBackend();
    RecordingLog log = new RecordingLog();
    Converger c = converger(b, fetches(() -> fresh(CF)), log, Duration.ofMillis(300),
        () -> false, Converger.Listener.NONE);
    c.start();
    b.installed = PrefixSet.empty();
    try (RunLock other = RunLock.acquire(state(), Duration.ofSeconds(5))) {
      assertThat(c.check(Trigger.of("poll"))).isEqualTo(Converger.Outcome.FAILED);
      assertThat(b.applies).isEqualTo(1);
      assertThat(log.warnings()).anyMatch(l -> l.startsWith("heal: another cfsync run"));
    }
    assertThat(c.check(Trigger.of("poll"))).isEqualTo(Converger.Outcome.HEALED);
    assertThat(b.installed).isEqualTo(CF);
  }

  @Test
  void aStopRequestWhileWaitingForTheLockEndsTheCheckWithoutWriting() {
    MemoryBackend b = new MemoryBackend();
    RecordingLog log = new RecordingLog();
    AtomicBoolean stop = new AtomicBoolean();
    Converger c = converger(b, fetches(() -> fresh(CF)), log, Duration.ofMinutes(5),
        stop::get, Converger.Listener.NONE);
    c.start();
    b.installed = PrefixSet.empty();
    try (RunLock other = RunLock.acquire(state(), Duration.ofSeconds(5))) {
      stop.set(true);
      assertThat(c.check(Trigger.of("poll"))).isEqualTo(Converger.Outcome.STOPPED);
    }
    assertThat(b.applies).isEqualTo(1);
    assertThat(b.installed).isEqualTo(PrefixSet.empty());
  }
}
