package io.cfsync.cli;

import com.google.common.base.CharMatcher;
import io.cfsync.error.UsageError;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from the config file (a Java properties file). Keys are long option names
 * without dashes ({@code ports = 80,443}), optionally qualified by the command
 * ({@code apply.max-removal = 10}); the qualified key wins, the command line wins over both.
 * The file is found before parsing ({@code --config FILE} or the default path): picocli asks
 * for defaults while it parses, so the option itself cannot point the way in time.
 */
public final class ConfigDefaults implements IDefaultValueProvider {

  static final String DEFAULT_PATH = "/etc/cfsync/cfsync.conf";

  private final Properties props;
  private final Path path;

  ConfigDefaults(Path path, Properties props) {
    this.path = path;
    this.props = props;
  }

  Path path() {
    return path;
  }

  /** Finds {@code --config} in the raw arguments and loads it; absent default is fine. */
  static ConfigDefaults load(List<String> args) {
    Path explicit = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--")) {
        break;
      }
      if (a.equals("--config") && i + 1 < args.size()) {
        explicit = Path.of(args.get(i + 1));
      } else if (a.startsWith("--config=")) {
        explicit = Path.of(a.substring("--config=".length()));
      }
    }
    Path p = explicit != null ? explicit : Path.of(DEFAULT_PATH);
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
      props.load(r);
    } catch (NoSuchFileException e) {
      if (explicit != null) {
        throw new UsageError("config file " + p + " does not exist; fix --config");
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new UsageError("config file " + p + " is unreadable (" + e.getMessage() + ")");
    }
    return new ConfigDefaults(p, props);
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec opt) || props.isEmpty()) {
      return arg.defaultValue();
    }
    String key = key(opt);
    CommandSpec cmd = opt.command();
    String qualified = cmd == null ? null : cmd.name() + "." + key;
    String v = qualified == null ? null : props.getProperty(qualified);
    if (v == null) {
      v = props.getProperty(key);
    }
    return v != null ? v.trim() : arg.defaultValue();
  }

  /** Keys the file holds that no option of any command knows: probably typos. */
  List<String> unknownKeys(CommandSpec root) {
    if (props.isEmpty()) {
      return List.of();
    }
    java.util.Set<String> known = new java.util.HashSet<>();
    collect(root, known);
    return props.stringPropertyNames().stream().filter(k -> !known.contains(k)).sorted()
        .toList();
  }

  private static void collect(CommandSpec spec, java.util.Set<String> known) {
    for (OptionSpec o : spec.options()) {
      String key = key(o);
      known.add(key);
      known.add(spec.name() + "." + key);
    }
    for (var sub : spec.subcommands().values()) {
      collect(sub.getCommandSpec(), known);
    }
  }

  /** The option's config-file key: its longest name without the leading dashes. */
  private static String key(OptionSpec o) {
    return DASH.trimLeadingFrom(o.longestName());
  }

  private static final CharMatcher DASH = CharMatcher.is('-');
}
