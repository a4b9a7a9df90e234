package io.cfsync.backend.ufw;

import com.google.common.base.CharMatcher;
import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableMultiset;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.Forked;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.model.Family;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads UFW's state under UFW's lock: a {@code ufw} command rewrites its rule files in place
 * (truncate, then write), so a read without the lock could see half a file, and a plan made
 * from half a file would drop the operator's rules.
 */
final class UfwReader {

  static final Duration LOCK_WAIT = Duration.ofSeconds(30);

  private UfwReader() {}

  static UfwState read(UfwPaths paths, ProcessRunner run, String tag) {
    try (UfwLock lock = UfwLock.acquire(paths.lock(), LOCK_WAIT)) {
      return readLocked(paths, run, tag);
    }
  }

  /** The same, for a caller that holds the lock already (apply's own verification). */
  static UfwState readLocked(UfwPaths paths, ProcessRunner run, String tag) {
    Map<String, String> defaults = keyValues(paths.defaults());
    Map<String, String> conf = keyValues(paths.ufwConf());
    boolean ipv6 = "yes".equalsIgnoreCase(defaults.getOrDefault("IPV6", "no"));
    String input = defaults.getOrDefault("DEFAULT_INPUT_POLICY", "DROP")
        .toUpperCase(Locale.ROOT);
    boolean enabled = "yes".equalsIgnoreCase(conf.getOrDefault("ENABLED", "no"));
    // Both families' chains are read at once: a run is short, and process starts add up.
    Forked<Optional<ImmutableMultiset<String>>> live6 = ipv6 ? Forked.start("ip6tables-save",
        new Supplier<Optional<ImmutableMultiset<String>>>() {
          @Override
          public Optional<ImmutableMultiset<String>> get() {
            return live(run, Family.V6);
          }
        }) : null;
    Optional<ImmutableMultiset<String>> live4 = live(run, Family.V4);
    ImmutableMap.Builder<Family, UfwState.FamilyState> fams = ImmutableMap.builder();
    for (Family f : Family.values()) {
      if (f == Family.V6 && !ipv6) {
        continue;
      }
      Path p = paths.rules(f);
      String content;
      try {
        content = AtomicFiles.read(p);
      } catch (NoSuchFileException e) {
        throw new BackendFailure(p + " does not exist: is UFW installed? (apt install ufw); "
            + "nothing changed");
      } catch (IOException e) {
        throw new BackendFailure("cannot read " + p + " (" + e.getMessage() + "); run cfsync "
            + "as root; nothing changed", e);
      }
      RulesFile file = RulesFile.parse(f, p.toString(), content);
      fams.put(f, new UfwState.FamilyState(f, p, content, file, f == Family.V4 ? live4
          : live6.join()));
    }
    return new UfwState(tag, enabled, input, fams.buildOrThrow());
  }

  /** The input chain's allow rules as the kernel holds them; empty when UFW has no chain. */
  static Optional<ImmutableMultiset<String>> live(ProcessRunner run, Family f) {
    Result r = run.check(Command.of(UfwPaths.saveTool(f), "-t", "filter"));
    String chain = RulesFile.inputChain(f);
    List<String> lines = Splitter.on('\n').splitToList(r.stdout());
    String declared = ":" + chain + " ";
    boolean loaded = false;
    for (String l : lines) {
      if (l.startsWith(declared)) {
        loaded = true;
        break;
      }
    }
    if (!loaded) {
      return Optional.empty();
    }
    return Optional.of(ChainShapes.of(chain, lines));
  }

  /** {@code KEY=value} and {@code KEY="value"} lines of UFW's shell-style config files. */
  static Map<String, String> keyValues(Path file) {
    String text;
    try {
      text = AtomicFiles.read(file);
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      throw new BackendFailure("cannot read " + file + " (" + e.getMessage() + "); run cfsync "
          + "as root; nothing changed", e);
    }
    Map<String, String> out = new HashMap<>();
    for (String line : Splitter.on('\n').split(text)) {
      String l = line.strip();
      int eq = l.indexOf('=');
      if (l.startsWith("#") || eq <= 0) {
        continue;
      }
      String v = l.substring(eq + 1).strip();
      v = CharMatcher.anyOf("\"'").trimFrom(v);
      out.put(l.substring(0, eq).strip(), v);
    }
    return out;
  }
}
