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

/** {@code cfsync plan}: print exactly what apply would run. */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = {"Dry run: fetch and validate the lists, read what cfsync owns in the live "
        + "firewall and print the exact commands (with their input) that apply would run. "
        + "Prints nothing on stdout when in sync.", "",
        "Exit codes: 0 done (with --detailed-exitcode: in sync), 1 error, 2 changes pending "
            + "(--detailed-exitcode), 3 apply would refuse, 64 usage."})
final class PlanCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ListOptions lists;

  @Mixin
  FirewallOptions firewall;

  @Mixin
  OutputOptions output;

  @Option(names = "--detailed-exitcode",
      description = "Exit 2 when changes are pending, 0 when in sync (like terraform plan).")
  boolean detailedExitcode;

  @Override
  public Integer call() {
    Console log = output.console();
    SyncRun.Outcome o = SyncRun.execute(lists, firewall, log, SyncRun.Mode.PLAN,
        Duration.ZERO);
    PrintWriter out = spec.commandLine().getOut();
    out.print(output.json ? Json.write(SyncRun.json("cfsync.plan/v1", o, true)) : o.transcript());
    out.flush();
    log.info(SyncRun.summary(o, false));
    return detailedExitcode && !o.prepared().plan().isEmpty() ? ExitCode.DRIFT : ExitCode.OK;
  }
}
