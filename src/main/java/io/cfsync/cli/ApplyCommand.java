package io.cfsync.cli;

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
    SyncRun.Outcome o = SyncRun.execute(lists, firewall, log,
        dryRun ? SyncRun.Mode.DRY_RUN : SyncRun.Mode.APPLY, lockTimeout);
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      out.print(Json.write(SyncRun.json(dryRun ? "cfsync.plan/v1" : "cfsync.apply/v1", o,
          dryRun)));
    } else if (dryRun) {
      out.print(o.transcript());
    }
    out.flush();
    log.info(SyncRun.summary(o, !dryRun));
    return ExitCode.OK;
  }
}
