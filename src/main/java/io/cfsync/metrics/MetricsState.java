package io.cfsync.metrics;

import com.google.common.collect.ImmutableMap;
import io.cfsync.model.Family;
import io.cfsync.state.StateDir;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The metrics as of the last run of one command, kept in the state directory
 * ({@code metrics-COMMAND.properties}) so that a failed run can rewrite the whole
 * {@code .prom} file with the previous success values unchanged and the failure counter
 * carried on. A missing or damaged file starts from zero: it is bookkeeping, not safety.
 */
public record MetricsState(String command, long fetchFailuresTotal,
    Optional<Instant> lastSuccess, Optional<Instant> lastChange,
    ImmutableMap<Family, Integer> prefixes, boolean fallback, Optional<Instant> lastRun,
    int lastExitCode, Duration lastDuration) {

  public MetricsState {
    prefixes = ImmutableMap.copyOf(prefixes);
  }

  static MetricsState empty(String command) {
    return new MetricsState(command, 0, Optional.empty(), Optional.empty(), ImmutableMap.of(),
        false, Optional.empty(), 0, Duration.ZERO);
  }

  static String fileName(String command) {
    return "metrics-" + command + ".properties";
  }

  /** The state after {@code run}: failures count up, success values move only on success. */
  public MetricsState next(RunReport run) {
    long failures = fetchFailuresTotal + run.fetchFailures();
    if (!run.success()) {
      return new MetricsState(command, failures, lastSuccess, lastChange, prefixes, fallback,
          Optional.of(run.finished()), run.exitCode(), run.took());
    }
    return new MetricsState(command, failures, Optional.of(run.finished()),
        run.changed() ? Optional.of(run.finished()) : lastChange, run.prefixes(),
        run.fallback(), Optional.of(run.finished()), run.exitCode(), run.took());
  }

  public static MetricsState load(StateDir dir, String command) {
    Optional<byte[]> bytes = dir.read(fileName(command));
    if (bytes.isEmpty()) {
      return empty(command);
    }
    Properties p = new Properties();
    try {
      p.load(new StringReader(new String(bytes.get(), StandardCharsets.UTF_8)));
      Map<Family, Integer> prefixes = new EnumMap<>(Family.class);
      for (Family f : Family.values()) {
        String v = p.getProperty("prefixes." + f.label());
        if (v != null) {
          prefixes.put(f, Integer.parseInt(v));
        }
      }
      return new MetricsState(command,
          Long.parseLong(p.getProperty("fetch_failures_total", "0")),
          instant(p, "last_success"), instant(p, "last_change"),
          ImmutableMap.copyOf(prefixes), Boolean.parseBoolean(p.getProperty("fallback")),
          instant(p, "last_run"), Integer.parseInt(p.getProperty("last_exit_code", "0")),
          Duration.ofMillis(Long.parseLong(p.getProperty("last_duration_ms", "0"))));
    } catch (IOException | RuntimeException e) {
      return empty(command);
    }
  }

  public void store(StateDir dir) {
    Properties p = new Properties();
    p.setProperty("fetch_failures_total", Long.toString(fetchFailuresTotal));
    lastSuccess.ifPresent(t -> p.setProperty("last_success", t.toString()));
    lastChange.ifPresent(t -> p.setProperty("last_change", t.toString()));
    prefixes.forEach((f, n) -> p.setProperty("prefixes." + f.label(), Integer.toString(n)));
    p.setProperty("fallback", Boolean.toString(fallback));
    lastRun.ifPresent(t -> p.setProperty("last_run", t.toString()));
    p.setProperty("last_exit_code", Integer.toString(lastExitCode));
    p.setProperty("last_duration_ms", Long.toString(lastDuration.toMillis()));
    StringWriter w = new StringWriter();
    try {
      p.store(w, "cfsync metrics bookkeeping for '" + command + "'; safe to delete");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    dir.writeAtomically(fileName(command), w.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static Optional<Instant> instant(Properties p, String key) {
    String v = p.getProperty(key);
    return v == null ? Optional.empty() : Optional.of(Instant.parse(v));
  }
}
