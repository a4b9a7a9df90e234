package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

class FastSpecsTest {

  @Test
  void modelInTheBuildIsWhatTheAnnotationsSayNow() throws Exception {
    StringBuilder now = new StringBuilder();
    FastSpecs.write(now);
    assertThat(FastSpecs.model()).as("the build compiles " + FastSpecs.MODEL_CLASS)
        .contains(now.toString());
  }

  @Test
  void generatedSourceCarriesEveryCharacterAcrossParts(@TempDir Path dir) throws Exception {
    // Tabs, newlines, the list separator, NUL for "no value", quotes, backslashes, non-ASCII,
    // and more than one part's worth: what javac reads back must be the text, char for char.
    String text = "command\tapply\n\u001f\u0000 \"q\" \\ \u00e9\r".repeat(2000);
    String source = FastSpecs.source(text);
    assertThat(source).contains("final class FastSpecsModel").doesNotContain("\\u000a");
    Path src = dir.resolve("io/cfsync/cli/FastSpecsModel.java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, source);
    assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", dir.toString(),
        src.toString())).isZero();
    try (var loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
      Class<?> c = Class.forName(FastSpecs.MODEL_CLASS, true, loader);
      var f = c.getDeclaredField("TEXT");
      f.setAccessible(true);
      assertThat(f.get(null)).isEqualTo(text);
    }
  }

  @Test
  void everyHotCommandParsesLikeItsAnnotatedTwin() throws Exception {
    for (var e : Main.HOT.entrySet()) {
      CommandLine fast = FastSpecs.tree(Main.NAME, e.getKey()).orElseThrow();
      CommandLine slow = Main.reflectiveTree(e.getKey(), e.getValue());
      CommandSpec f = fast.getSubcommands().get(e.getKey()).getCommandSpec();
      CommandSpec s = slow.getSubcommands().get(e.getKey()).getCommandSpec();
      assertThat(f.qualifiedName()).isEqualTo(s.qualifiedName()).isEqualTo("cfsync " + e.getKey());
      assertThat(f.userObject()).isExactlyInstanceOf(e.getValue());
      Map<String, List<Object>> fastOptions = describe(f);
      Map<String, List<Object>> slowOptions = describe(s);
      assertThat(fastOptions).as(e.getKey()).hasSizeGreaterThan(5)
          .containsExactlyInAnyOrderEntriesOf(slowOptions);
      // The fast model has no mixin specs: each option must still land on the instance
      // picocli would set, the one in the command's @Mixin field of that name.
      assertThat(owners(f)).as(e.getKey()).containsExactlyInAnyOrderEntriesOf(owners(s));
      for (var m : s.mixins().entrySet()) {
        if (m.getKey().equals("mixinStandardHelpOptions")) {
          continue;
        }
        Object inFast = field(f.userObject(), m.getKey());
        assertThat(inFast).as(e.getKey() + " @Mixin " + m.getKey())
            .isExactlyInstanceOf(m.getValue().userObject().getClass());
        for (OptionSpec o : f.options()) {
          if (o.scope().get().getClass() == inFast.getClass()) {
            assertThat((Object) o.scope().get()).as(o.longestName()).isSameAs(inFast);
          }
        }
      }
    }
  }

  /** Per option, the class of the object its value is stored on (command or mixin). */
  private static Map<String, Class<?>> owners(CommandSpec spec) throws Exception {
    Map<String, Class<?>> out = new LinkedHashMap<>();
    for (OptionSpec o : spec.options()) {
      if (!o.usageHelp() && !o.versionHelp()) {
        out.put(o.longestName(), o.scope().get().getClass());
      }
    }
    return out;
  }

  private static Object field(Object owner, String name) throws Exception {
    var f = owner.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(owner);
  }

  /**
   * What parsing depends on, per option (help options are left to the reflective path, and
   * with them descriptions and completion candidates, which only help and completion read;
   * prompts only matter to interactive options, which FastSpecs refuses to write).
   */
  private static Map<String, List<Object>> describe(CommandSpec spec) {
    Map<String, List<Object>> out = new LinkedHashMap<>();
    for (OptionSpec o : spec.options()) {
      if (o.usageHelp() || o.versionHelp()) {
        continue;
      }
      List<Object> d = new ArrayList<>(List.of(Arrays.asList(o.names()), o.type(),
          Arrays.asList(o.auxiliaryTypes()), o.arity(), o.paramLabel(), o.splitRegex(),
          String.valueOf(o.defaultValue()), o.required(), o.negatable(),
          String.valueOf(o.fallbackValue()), o.hidden(), o.order(), o.interactive(),
          o.typeInfo().isMultiValue(), o.typeInfo().isCollection(), o.typeInfo().isBoolean(),
          o.typeInfo().isOptional(), o.typeInfo().getClassName(), o.command().name(),
          String.valueOf(o.initialValue()), o.hasInitialValue(), o.inherited(), o.scopeType(),
          String.valueOf(o.mapFallbackValue()), kind(o.parameterConsumer()),
          kind(o.preprocessor())));
      for (var c : o.converters()) {
        d.add(c.getClass());
      }
      out.put(o.longestName(), d);
    }
    return out;
  }

  /** A hook's class: what a new option's custom consumer or preprocessor would change. */
  private static String kind(Object hook) {
    return hook == null ? "none" : hook.getClass().getName();
  }

  @Test
  void optionsLandInTheCommandsOwnFields() {
    CommandLine cl = FastSpecs.tree(Main.NAME, "apply").orElseThrow();
    cl.parseArgs("apply", "--source", "builtin,file:/x", "--max-age", "50m", "--dry-run",
        "--ports", "443", "-q", "--max-removal", "10", "--metrics-file", "/tmp/m.prom");
    ApplyCommand a = (ApplyCommand) cl.getSubcommands().get("apply").getCommandSpec()
        .userObject();
    assertThat(a.spec).isSameAs(cl.getSubcommands().get("apply").getCommandSpec());
    assertThat(a.lists.sources).containsExactly("builtin", "file:/x");
    assertThat(a.lists.maxAge).isEqualTo(java.time.Duration.ofMinutes(50));
    assertThat(a.lists.httpTimeout).isEqualTo(java.time.Duration.ofSeconds(10));
    assertThat(a.dryRun).isTrue();
    assertThat(a.lockTimeout).isEqualTo(java.time.Duration.ofSeconds(60));
    assertThat(a.firewall.ports).isEqualTo("443");
    assertThat(a.firewall.maxRemoval).isEqualTo(10.0);
    assertThat(a.output.quiet).isTrue();
  }

  @Test
  void helpAndVersionRequestsTakeTheAnnotatedPath() {
    for (String[] args : List.of(new String[] {"apply", "--help"}, new String[] {"fetch", "-h"},
        new String[] {"plan", "-qh"}, new String[] {"apply", "-V"},
        new String[] {"fetch", "--version"})) {
      assertThat(FastSpecs.tree(Main.NAME, args[0], args)).as(String.join(" ", args)).isEmpty();
    }
    assertThat(FastSpecs.tree(Main.NAME, "apply", "apply", "--", "-h")).isPresent();
    Cli.Result help = Cli.run("apply", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Usage: cfsync apply").contains("--max-removal=PCT")
        .contains("-h, --help");
  }

  @Test
  void usageErrorsReadTheSameOnBothPaths() {
    for (String[] args : List.of(new String[] {"apply", "--max-removal", "x"},
        new String[] {"apply", "--no-such"}, new String[] {"fetch", "--max-age"},
        new String[] {"plan", "--lock-timeout", "1s"})) {
      String fast = parseError(FastSpecs.tree(Main.NAME, args[0]).orElseThrow(), args);
      String slow = parseError(Main.reflectiveTree(args[0], Main.HOT.get(args[0])), args);
      assertThat(fast).as(String.join(" ", args)).isNotEmpty().isEqualTo(slow);
    }
  }

  private static String parseError(CommandLine cl, String[] args) {
    try {
      cl.parseArgs(args);
      return "";
    } catch (CommandLine.ParameterException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }
}
