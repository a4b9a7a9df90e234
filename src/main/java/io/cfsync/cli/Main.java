package io.cfsync.cli;

import io.cfsync.error.CfsyncException;
import java.util.Arrays;
import java.util.List;
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
    subcommands = {FetchCommand.class, PlanCommand.class, ApplyCommand.class, DoctorCommand.class,
        RenderCommand.class, CheckCommand.class, WatchCommand.class},
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
    CommandLine cl = commandLineFor(args);
    try {
      ConfigDefaults defaults = ConfigDefaults.load(Arrays.asList(args));
      cl.setDefaultValueProvider(defaults);
      List<String> unknown = defaults.unknownKeys(cl.getCommandSpec());
      if (!unknown.isEmpty() && cl.getSubcommands().size() == 1) {
        // Keys of other commands are unknown to a one-command tree: ask the whole tree.
        unknown = defaults.unknownKeys(commandLine().getCommandSpec());
      }
      for (String k : unknown) {
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
    return configure(new CommandLine(new Main()));
  }

  /**
   * The tree for these arguments. picocli reflects over every option of every subcommand when
   * it builds a tree, most of a short run's start-up; when the first argument names a
   * subcommand (the cron and timer case), only that one is built under a bare root.
   */
  static CommandLine commandLineFor(String... args) {
    Command root = Main.class.getAnnotation(Command.class);
    if (args.length > 0) {
      for (Class<?> sub : root.subcommands()) {
        Command c = sub.getAnnotation(Command.class);
        if (c != null && c.name().equals(args[0])) {
          // The root's own options (-h, -V) cannot follow a subcommand name, so the bare root
          // needs none: building picocli's help mixin is itself a reflective pass.
          CommandSpec spec = CommandSpec.wrapWithoutInspection(new Main());
          spec.name(root.name());
          CommandLine cl = new CommandLine(spec);
          cl.addSubcommand(c.name(), sub);
          return configure(cl);
        }
      }
    }
    return commandLine();
  }

  private static CommandLine configure(CommandLine cl) {
    Errors errors = new Errors();
    // Set after the subcommands exist: picocli copies these only to subcommands present now.
    cl.setExitCodeExceptionMapper(errors);
    cl.setExecutionExceptionHandler(errors);
    cl.setParameterExceptionHandler(errors);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    return cl;
  }
}
