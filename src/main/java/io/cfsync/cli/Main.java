package io.cfsync.cli;

import io.cfsync.error.CfsyncException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
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
    if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
      // What picocli prints for the root's -V (LazyTreeTest compares), without building the
      // tree of every command for it.
      for (String line : new Version().getVersion()) {
        System.out.println(line);
      }
      return 0;
    }
    skipUnusedPicocliFeatures();
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

  /**
   * Two picocli features cfsync does not use, turned off by picocli's documented switches (an
   * operator's own setting wins). Every picocli {@code CommandLine} registers converters for
   * java.sql and java.time types by reflection ({@code Class.forName},
   * {@code getDeclaredMethod}), a few per cent of a short run; cfsync has no option of those
   * types: durations go through {@link Durations}. And picocli's factory looks for Groovy's
   * {@code Closure} class once: a class that is not there, so the class loader opens the jar
   * and indexes its 4,700 entries to be sure, which a run whose classes all come from the
   * CDS archive would otherwise never do (about 15 ms of a UFW change).
   */
  private static void skipUnusedPicocliFeatures() {
    if (System.getProperty(CONVERTER_EXCLUDES) == null) {
      System.setProperty(CONVERTER_EXCLUDES, "java\\.sql\\..*|java\\.time\\.(?!Duration$).*");
    }
    if (System.getProperty(NO_CLOSURES) == null) {
      System.setProperty(NO_CLOSURES, "true");
    }
  }

  private static final String CONVERTER_EXCLUDES = "picocli.converters.excludes";
  private static final String NO_CLOSURES = "picocli.disable.closures";

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
    if (args.length > 0) {
      Class<?> hot = HOT.get(args[0]);
      if (hot != null) {
        Optional<CommandLine> fast = FastSpecs.tree(NAME, args[0], args);
        return configure(fast.isPresent() ? fast.get() : reflectiveTree(args[0], hot));
      }
      Command root = Main.class.getAnnotation(Command.class);
      for (Class<?> sub : root.subcommands()) {
        Command c = sub.getAnnotation(Command.class);
        if (c != null && c.name().equals(args[0])) {
          return configure(reflectiveTree(c.name(), sub));
        }
      }
    }
    return commandLine();
  }

  /**
   * The timer's commands by name, so that finding one parses no annotation: reading the root's
   * {@code @Command} loads every subcommand class and makes a proxy per annotation, a tenth of
   * a no-op run. These are also built from {@link FastSpecs}. LazyTreeTest checks that this
   * agrees with the annotation; a name missing here still works through the annotation.
   */
  static final java.util.Map<String, Class<?>> HOT = java.util.Map.of(
      "fetch", FetchCommand.class, "plan", PlanCommand.class, "apply", ApplyCommand.class);

  /** {@code cfsync NAME} built by picocli's reflection, under a bare root (not configured). */
  static CommandLine reflectiveTree(String name, Class<?> sub) {
    // The root's own options (-h, -V) cannot follow a subcommand name, so the bare root
    // needs none: building picocli's help mixin is itself a reflective pass.
    CommandSpec spec = CommandSpec.wrapWithoutInspection(new Main());
    spec.name(NAME);
    CommandLine cl = new CommandLine(spec);
    cl.addSubcommand(name, sub);
    return cl;
  }

  static final String NAME = "cfsync";

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
