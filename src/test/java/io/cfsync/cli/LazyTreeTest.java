package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LazyTreeTest {

  @Test
  void namedSubcommandBuildsOnlyThatCommand() {
    CommandLine cl = Main.commandLineFor("apply", "--dry-run");
    assertThat(cl.getSubcommands()).containsOnlyKeys("apply");
    assertThat(cl.getSubcommands().get("apply").getCommandSpec().qualifiedName())
        .isEqualTo("cfsync apply");
  }

  @Test
  void anythingElseBuildsTheWholeTree() {
    CommandLine full = Main.commandLine();
    assertThat(Main.commandLineFor().getSubcommands().keySet())
        .isEqualTo(full.getSubcommands().keySet()).hasSizeGreaterThan(1);
    assertThat(Main.commandLineFor("--help").getSubcommands().keySet())
        .isEqualTo(full.getSubcommands().keySet());
    assertThat(Main.commandLineFor("no-such-command").getSubcommands().keySet())
        .isEqualTo(full.getSubcommands().keySet());
  }

  @Test
  void everySubcommandIsReachableLazilyWithTheSameOptions() {
    for (var e : Main.commandLine().getSubcommands().entrySet()) {
      CommandLine lazy = Main.commandLineFor(e.getKey()).getSubcommands().get(e.getKey());
      assertThat(names(lazy)).isEqualTo(names(e.getValue()));
    }
  }

  @Test
  void hotCommandTableAgreesWithTheRootAnnotation() {
    picocli.CommandLine.Command root = Main.class.getAnnotation(picocli.CommandLine.Command.class);
    assertThat(root.name()).isEqualTo(Main.NAME);
    assertThat(Main.HOT).isNotEmpty();
    for (var e : Main.HOT.entrySet()) {
      assertThat(root.subcommands()).contains(e.getValue());
      assertThat(e.getValue().getAnnotation(picocli.CommandLine.Command.class).name())
          .isEqualTo(e.getKey());
    }
  }

  @Test
  void versionShortcutPrintsWhatPicocliPrints() {
    java.io.StringWriter expected = new java.io.StringWriter();
    CommandLine full = Main.commandLine();
    full.setOut(new java.io.PrintWriter(expected));
    assertThat(full.execute("--version")).isZero();
    for (String flag : new String[] {"--version", "-V"}) {
      Cli.Result r = Cli.run(flag);
      assertThat(r.code()).isZero();
      assertThat(r.out().replace("\r\n", "\n")).isEqualTo(expected.toString()
          .replace("\r\n", "\n")).startsWith("cfsync ");
    }
  }

  @Test
  void lazyRunStillMapsUsageErrorsTo64() {
    assertThat(Cli.run("fetch", "--no-such-option").code()).isEqualTo(64);
    assertThat(Cli.run("fetch", "--family", "7", "--source", "builtin", "--config",
        "/dev/null").code()).isEqualTo(64);
  }

  /** Option names; -h/-V are left out: the timer commands' fast model routes them away. */
  private static java.util.Set<String> names(CommandLine cl) {
    return cl.getCommandSpec().options().stream().filter(o -> !o.usageHelp() && !o.versionHelp())
        .map(o -> o.longestName()).collect(java.util.stream.Collectors.toSet());
  }
}
