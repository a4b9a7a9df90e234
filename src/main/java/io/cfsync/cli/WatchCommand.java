package io.cfsync.cli;

import com.google.common.collect.ImmutableList;
import io.cfsync.backend.Backend;
import io.cfsync.backend.Desired;
import io.cfsync.backend.XtFlavour;
import io.cfsync.detect.Detection;
import io.cfsync.error.UsageError;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.exec.SystemProcessRunner;
import io.cfsync.model.Family;
import io.cfsync.state.RunLock;
import io.cfsync.sync.Log;
import io.cfsync.sync.Resolution;
import io.cfsync.sync.Sync;
import io.cfsync.watch.Converger;
import io.cfsync.watch.Notifier;
import io.cfsync.watch.OwnProcesses;
import io.cfsync.watch.SystemdNotify;
import io.cfsync.watch.Watcher;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cfsync watch}: apply, then keep it applied (heal within a second, refresh hourly). */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = {"Apply once, then keep it applied: listen to ruleset changes (nft monitor, "
        + "which also sees iptables-nft; UFW's rule files) and re-apply within about a second "
        + "when anything cfsync owns is missing or altered, deciding by reading cfsync's own "
        + "state back, never by an event's text. Bursts of changes cause one check. Without "
        + "an event stream (iptables-legacy, ipset sets) it polls; a check that finds the "
        + "firewall in sync writes nothing. The lists are fetched again every --refresh "
        + "with apply's validation, removal guard and add-only fallback. Each heal is one "
        + "line on stderr naming what was missing and who probably removed it. The run lock "
        + "is held only while applying. SIGTERM: the current apply finishes, exit 0. See "
        + "docs/watch.md.", "",
        "Exit codes: 0 stopped by a signal, 1 error at start (e.g. a file: source missing and "
            + "no cache), 64 usage."})
final class WatchCommand implements Callable<Integer> {

  /** UFW's rule files: cfsync's rules live there, and UFW (re)loads its chains from them. */
  private static final ImmutableList<Path> UFW_FILES =
      ImmutableList.of(Path.of("/etc/ufw/user.rules"), Path.of("/etc/ufw/user6.rules"));

  @Mixin
  ListOptions lists;

  @Mixin
  FirewallOptions firewall;

  @Mixin
  OutputOptions output;

  @Mixin
  MetricsOptions metrics;

  @Option(names = "--lock-timeout", paramLabel = "DURATION", defaultValue = "60s",
      converter = Durations.class,
      description = "How long a heal waits for another run to finish. Default: "
          + "${DEFAULT-VALUE}.")
  Duration lockTimeout;

  @Option(names = "--refresh", paramLabel = "DURATION", defaultValue = "1h",
      converter = Durations.class,
      description = "Fetch the lists again this often (±10%% jitter; after a failed fetch "
          + "sooner, from 1 min doubling). Default: ${DEFAULT-VALUE}.")
  Duration refresh;

  @Option(names = "--poll", paramLabel = "DURATION", defaultValue = "5s",
      converter = Durations.class,
      description = "Check interval where no event stream exists (iptables-legacy, ipset "
          + "sets, nft monitor unavailable): read and plan only. Default: ${DEFAULT-VALUE}.")
  Duration poll;

  @Option(names = "--debounce", paramLabel = "DURATION", defaultValue = "150ms",
      converter = Durations.class,
      description = "Quiet time after a change before the check (a burst causes one). "
          + "Default: ${DEFAULT-VALUE}.")
  Duration debounce;

  @Option(names = "--events", paramLabel = "auto|nft|none", defaultValue = "auto",
      description = "Event stream: auto (nft monitor for nftables and iptables-nft, none for "
          + "iptables-legacy), nft, or none (poll only). Default: ${DEFAULT-VALUE}.")
  String events;

  @Override
  public Integer call() throws InterruptedException {
    if (output.json) {
      throw new UsageError("watch has no --json: it logs one line per heal on stderr; use "
          + "--json with plan or apply");
    }
    for (var d : List.of(refresh, poll, debounce)) {
      if (d.isZero() || d.isNegative()) {
        throw new UsageError("watch: --refresh, --poll and --debounce must be positive");
      }
    }
    String mode = events.toLowerCase(Locale.ROOT);
    if (!List.of("auto", "nft", "none").contains(mode)) {
      throw new UsageError("--events \"" + events + "\": use auto, nft or none");
    }
    Console log = output.console();
    OwnProcesses own = new OwnProcesses();
    ProcessRunner run = new SystemProcessRunner(List.of(), Map.of(), own::started);
    // --backend auto decides once, at start, as apply does on every run: a host whose
    // firewall manager changes needs a restart of the watch (systemctl restart), which
    // detects again.
    AutoBackend.Selection sel = AutoBackend.select(firewall, lists.families(), run, log, false);
    Backend backend = sel.backend();
    Watcher.Settings settings = settings(backend, sel.detection().flatMap(Detection::flavour),
        mode, run);
    Watcher[] watcher = new Watcher[1];
    Log notice = new Log() {
      @Override
      public void warn(String message) {
        log.notice(message);
      }

      @Override
      public void info(String message) {
        log.notice(message);
      }

      @Override
      public void debug(String message) {
        log.debug(message);
      }
    };
    Converger converger = new Converger(backend, run, wiring(backend, log), firewall.maxRemoval,
        firewall.force, lockTimeout, () -> watcher[0] != null && watcher[0].stopping(), log,
        notice, listener(log));
    Notifier notifier = SystemdNotify.fromEnvironment(new SystemProcessRunner(), log);
    watcher[0] = new Watcher(converger, settings, log, notifier, own, new SecureRandom());
    // SIGTERM (and ^C) start the JVM's shutdown: let the loop finish its step, then leave
    // with 0, the way a service manager expects a daemon to stop.
    Thread hook = new Thread(() -> {
      watcher[0].stop();
      try {
        watcher[0].awaitStopped(Duration.ofSeconds(80));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      System.err.flush();
      Runtime.getRuntime().halt(0);
    }, "cfsync-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return watcher[0].run();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // Shutting down already: the hook ends the process.
      }
    }
  }

  private Watcher.Settings settings(Backend backend, Optional<XtFlavour> detected, String mode,
      ProcessRunner run) {
    boolean stream = switch (mode) {
      case "none" -> false;
      case "nft" -> true;
      default -> eventStreamExists(backend, detected, run);
    };
    // A ruleset that changes without pause still gets checked: at most a second after the
    // burst began (or four quiet times, when those are longer).
    Duration maxDelay = debounce.multipliedBy(4).compareTo(Duration.ofSeconds(1)) > 0
        ? debounce.multipliedBy(4) : Duration.ofSeconds(1);
    return new Watcher.Settings(debounce, maxDelay, poll, refresh,
        stream ? ImmutableList.of("nft", "monitor") : ImmutableList.of(),
        // ipset's sets live outside nftables: nft monitor never reports them.
        backend.name().equals("ipset"),
        backend.name().equals("ufw") ? UFW_FILES : ImmutableList.of());
  }

  /**
   * nftables reports its own changes, and iptables-nft's; iptables-legacy (and UFW or the
   * ipset rule on top of it) changes tables nft monitor never sees.
   */
  private static boolean eventStreamExists(Backend backend, Optional<XtFlavour> detected,
      ProcessRunner run) {
    if (backend.name().equals("nftables")) {
      return true;
    }
    if (detected.isPresent()) {
      // auto bound the iptables tools to the flavour whose rules govern the host.
      return detected.get() == XtFlavour.NFT;
    }
    try {
      Result r = run.run(XtFlavour.versionCommand(Family.V4));
      return r.ok() && XtFlavour.parse(r.stdout() + r.stderr()) == XtFlavour.NFT;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private Converger.Wiring wiring(Backend backend, Console log) {
    return new Converger.Wiring() {
      @Override
      public Resolution resolve() {
        return Lists.resolve(lists, log);
      }

      @Override
      public Resolution resolveOffline() {
        return Lists.resolve(lists, log, true);
      }

      @Override
      public Desired desired(Resolution r) {
        return firewall.desired(backend, r.prefixes(), lists.families());
      }

      @Override
      public RunLock lock(Duration wait) {
        return RunLock.acquire(lists.stateDir(), wait);
      }
    };
  }

  private Converger.Listener listener(Console log) {
    return new Converger.Listener() {
      @Override
      public void applied(String event, Resolution r, Sync.Prepared p, Duration took) {
        metrics.success("watch", lists.stateDir(), r, p.effective().prefixes(),
            p.effective().families(), !p.plan().isEmpty(), took, log);
      }

      @Override
      public void failed(String event, RuntimeException e, Duration took) {
        metrics.failure("watch", lists.stateDir(), e, took, log);
      }
    };
  }
}
