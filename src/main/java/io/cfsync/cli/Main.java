package io.cfsync.cli;

import io.cfsync.error.CfsyncException;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cfsync}: keeps a Linux origin's firewall in step with Cloudflare's edge ranges. */
@Command(name = "cfsync", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"Keeps this origin's firewall open to Cloudflare's edge, and only as open as "
        + "you chose.", ""},
    subcommands = {FetchCommand.class, PlanCommand.class, ApplyCommand.class, RenderCommand.class,
        CheckCommand.class},
    footer = {"", "Exit codes: 0 done/in sync, 1 error, 2 changes pending or drift, "
        + "3 refused by a safety check (firewall untouched), 64 usage error."})
public final class Main implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "no command given: use one of "
        + String.join(", ", spec.subcommands().keySet()));
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code (tests call this in-process). */
  public static int run(String... args) {
    CommandLine cl = commandLine();
    try {
      ConfigDefaults defaults = ConfigDefaults.load(Arrays.asList(args));
      cl.setDefaultValueProvider(defaults);
      for (String k : defaults.unknownKeys(cl.getCommandSpec())) {
        cl.getErr().println("cfsync: config file " + defaults.path() + ": unknown key \"" + k
            + "\" ignored");
      }
    } catch (CfsyncException e) {
      Errors.print(e, cl, false);
      return e.exitCode();
    }
    return cl.execute(args);
  }

  /** The configured command tree (also used to generate the man page and completion). */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    Errors errors = new Errors();
    // Set after the subcommands exist: picocli copies these only to subcommands present now.
    cl.setExitCodeExceptionMapper(errors);
    cl.setExecutionExceptionHandler(errors);
    cl.setParameterExceptionHandler(errors);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    return cl;
  }
}
