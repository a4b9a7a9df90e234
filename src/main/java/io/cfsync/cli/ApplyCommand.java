package io.cfsync.cli;

import com.google.common.base.Stopwatch;
import io.cfsync.error.ExitCode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cfsync apply}: converge the live firewall (the cron job). */
@Command(name = "apply", mixinStandardHelpOptions = true,
    description = {"Converge the live firewall to the validated lists: the smallest change, "
        + "one transaction per tool, verified by reading back, undone on failure. A run "
        + "with nothing to change writes nothing.", "",
        "Exit codes: 0 done or in sync, 1 error (nothing half-applied), 3 refused by a safety "
            + "check (firewall untouched), 64 usage."})
final class ApplyCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ListOptions lists;

  @Mixin
  FirewallOptions firewall;

  @Mixin
  OutputOptions output;

  @Mixin
  MetricsOptions metrics;

  @Option(names = "--dry-run",
      description = "Print what would run instead of running it (the same output as plan).")
  boolean dryRun;

  @Option(names = "--lock-timeout", paramLabel = "DURATION", defaultValue = "60s",
      converter = Durations.class,
      description = "How long to wait for another run to finish. Default: ${DEFAULT-VALUE}.")
  Duration lockTimeout;

  @Override
  public Integer call() {
    Console log = output.console();
    Stopwatch sw = Stopwatch.createStarted();
    SyncRun.Outcome o;
    try {
      o = SyncRun.execute(lists, firewall, log,
          dryRun ? SyncRun.Mode.DRY_RUN : SyncRun.Mode.APPLY, lockTimeout);
    } catch (RuntimeException e) {
      if (!dryRun) {
        metrics.failure("apply", lists.stateDir(), e, sw.elapsed(), log);
      }
      throw e;
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      out.print(Json.write(SyncRun.json(dryRun ? "cfsync.plan/v1" : "cfsync.apply/v1", o,
          dryRun)));
    } else if (dryRun) {
      out.print(o.transcript());
    }
    out.flush();
    // A change or a fallback is news even with -q (cron mails it); "in sync" is routine.
    if (!dryRun && (o.applied() || o.lists().addOnly())) {
      log.notice(SyncRun.summary(o, true));
    } else {
      log.info(SyncRun.summary(o, !dryRun));
    }
    if (!dryRun) {
      metrics.success("apply", lists.stateDir(), o.lists(), o.prepared().effective().prefixes(),
          o.prepared().effective().families(), o.applied(), sw.elapsed(), log);
    }
    return ExitCode.OK;
  }
}
