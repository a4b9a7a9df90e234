package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The config file: docs/cfsync.conf.example (installed as /etc/cfsync/cfsync.conf) names only
 * real options and every option, each value in it parses, and the command line wins.
 */
class ConfigFileTest {

  private static final Path EXAMPLE = Path.of("docs", "cfsync.conf.example");
  /** "#key = value" (commented setting) or "key = value"; prose comments are "# ...". */
  private static final Pattern SETTING = Pattern.compile("^#?([a-z][a-z0-9-]*(?:\\.[a-z0-9-]+)?) = (.*)$");
  /** Options that make no sense as defaults: they stop the run or locate this very file. */
  private static final Set<String> NOT_CONFIGURABLE = Set.of("help", "version", "config");

  private static Map<String, String> exampleSettings() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(EXAMPLE, StandardCharsets.UTF_8)) {
      Matcher m = SETTING.matcher(line);
      if (m.matches()) {
        out.put(m.group(1), m.group(2));
      }
    }
    return out;
  }

  @Test
  void exampleNamesOnlyOptionsThatExist() throws IOException {
    Map<String, String> settings = exampleSettings();
    assertThat(settings).hasSizeGreaterThan(20);
    ConfigDefaults d = new ConfigDefaults(EXAMPLE, props(settings));
    assertThat(d.unknownKeys(Main.commandLine().getCommandSpec()))
        .as("keys in %s that no option of any command has", EXAMPLE).isEmpty();
  }

  @Test
  void exampleDocumentsEveryOptionOfEveryCommand() throws IOException {
    Set<String> documented = new TreeSet<>();
    for (String k : exampleSettings().keySet()) {
      documented.add(k.contains(".") ? k.substring(k.indexOf('.') + 1) : k);
    }
    Set<String> missing = new TreeSet<>();
    for (CommandLine sub : Main.commandLine().getSubcommands().values()) {
      for (OptionSpec o : sub.getCommandSpec().options()) {
        String key = o.longestName().replaceFirst("^-+", "");
        if (!NOT_CONFIGURABLE.contains(key) && !documented.contains(key)) {
          missing.add(sub.getCommandName() + " " + o.longestName());
        }
      }
    }
    assertThat(missing).as("options without a commented line in %s (add one, with the "
        + "default, and a line in docs/configuration.md)", EXAMPLE).isEmpty();
  }

  @Test
  void configurationPageNamesEveryKeyOfTheExample() throws IOException {
    String page = Files.readString(Path.of("docs", "configuration.md"), StandardCharsets.UTF_8);
    Set<String> missing = new TreeSet<>();
    for (String k : exampleSettings().keySet()) {
      String key = k.contains(".") ? k.substring(k.indexOf('.') + 1) : k;
      if (!page.contains("`" + key + "`")) {
        missing.add(key);
      }
    }
    assertThat(missing).as("keys of %s without a row in docs/configuration.md", EXAMPLE)
        .isEmpty();
  }

  @Test
  void everyExampleValueParsesWhenUncommented() throws IOException {
    Map<String, String> settings = exampleSettings();
    for (CommandLine sub : Main.commandLine().getSubcommands().values()) {
      CommandLine cl = Main.commandLine();
      cl.setDefaultValueProvider(new ConfigDefaults(EXAMPLE, props(settings)));
      // Throws a ParameterException naming the option if a value does not convert.
      cl.parseArgs(sub.getCommandName());
    }
  }

  @Test
  void commandLineWinsOverQualifiedKeyWhichWinsOverPlainKey(@TempDir Path dir)
      throws IOException {
    Path conf = dir.resolve("cfsync.conf");
    Files.writeString(conf, String.join("\n",
        "ports = 8080",
        "plan.ports = 8443",
        "source = builtin",
        "max-removal = 10",
        "apply.lock-timeout = 5m",
        ""));
    ConfigDefaults d = ConfigDefaults.load(List.of("--config", conf.toString()));

    CommandLine plan = parse(d, "plan", "--ports", "9000");
    assertThat(((PlanCommand) plan.getCommand()).firewall.ports).isEqualTo("9000");
    plan = parse(d, "plan");
    assertThat(((PlanCommand) plan.getCommand()).firewall.ports).isEqualTo("8443");
    CommandLine apply = parse(d, "apply");
    ApplyCommand a = apply.getCommand();
    assertThat(a.firewall.ports).isEqualTo("8080");
    assertThat(a.firewall.maxRemoval).isEqualTo(10.0);
    assertThat(a.lockTimeout).hasMinutes(5);
    assertThat(a.lists.sources).containsExactly("builtin");
    apply = parse(d, "apply", "--source", "cloudflare", "--max-removal", "40");
    a = apply.getCommand();
    assertThat(a.lists.sources).containsExactly("cloudflare");
    assertThat(a.firewall.maxRemoval).isEqualTo(40.0);
  }

  @Test
  void configValueReachesARealRunAndTheCommandLineOverridesIt(@TempDir Path dir)
      throws IOException {
    Path list = dir.resolve("own-list.txt");
    Files.writeString(list, "# the operator's own list\n173.245.48.0/20\n");
    Path conf = dir.resolve("cfsync.conf");
    Files.writeString(conf, "source = file:" + list + "\nmin-prefixes = 1,0\nfamily = 4\n"
        + "state-dir = " + dir.resolve("state") + "\n");

    Cli.Result fromConfig = Cli.run("fetch", "--config", conf.toString());
    assertThat(fromConfig.code()).isZero();
    assertThat(fromConfig.out()).isEqualTo("173.245.48.0/20\n");

    Cli.Result fromArgs = Cli.run("fetch", "--config", conf.toString(), "--source", "builtin",
        "--family", "both", "--min-prefixes", "10,4");
    assertThat(fromArgs.code()).isZero();
    assertThat(fromArgs.out()).contains("104.16.0.0/13", "2606:4700::/32");
  }

  @Test
  void unknownKeyIsReportedEvenWhenOnlyOneCommandIsBuilt(@TempDir Path dir) throws IOException {
    Path conf = dir.resolve("cfsync.conf");
    Files.writeString(conf, "prots = 443\nplan.detailed-exitcode = true\n"
        + "state-dir = " + dir.resolve("state") + "\n");
    Cli.Result r = Cli.run("fetch", "--config", conf.toString(), "--source", "builtin");
    assertThat(r.code()).isZero();
    assertThat(r.err()).contains("unknown key \"prots\"").doesNotContain("detailed-exitcode");
  }

  private static CommandLine parse(ConfigDefaults d, String... args) {
    CommandLine cl = Main.commandLine();
    cl.setDefaultValueProvider(d);
    List<CommandLine> parsed = cl.parseArgs(args).asCommandLineList();
    return parsed.get(parsed.size() - 1);
  }

  private static Properties props(Map<String, String> settings) {
    Properties p = new Properties();
    settings.forEach(p::setProperty);
    return p;
  }
}
