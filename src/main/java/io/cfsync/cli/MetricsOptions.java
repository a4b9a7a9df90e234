package io.cfsync.cli;

import com.google.common.collect.ImmutableMap;
import io.cfsync.error.CfsyncException;
import io.cfsync.error.SourceRejected;
import io.cfsync.error.SourceUnavailable;
import io.cfsync.metrics.MetricsState;
import io.cfsync.metrics.RunReport;
import io.cfsync.metrics.Textfile;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import io.cfsync.state.StateDir;
import io.cfsync.sync.Resolution;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Option;

/** {@code --metrics-file}: where apply and fetch leave their node_exporter metrics. */
public final class MetricsOptions {

  @Option(names = "--metrics-file", paramLabel = "PATH",
      description = "After the run, write its metrics for node_exporter's textfile collector "
          + "to PATH (atomically; e.g. /var/lib/prometheus/node-exporter/cfsync.prom). Failed "
          + "runs update the failure metrics and leave the success ones. See docs/metrics.md.")
  Path metricsFile;

  Clock clock = Clock.systemUTC();

  /** Records a run that exited 0. */
  void success(String command, StateDir state, Resolution lists, PrefixSet kept,
      Set<Family> families, boolean changed, Duration took, Console log) {
    if (metricsFile == null) {
      return;
    }
    Map<Family, Integer> counts = new EnumMap<>(Family.class);
    for (Family f : families) {
      counts.put(f, kept.prefixCount(f));
    }
    int failures = (int) lists.outcomes().stream().filter(o -> o.failure().isPresent()).count();
    record(state, new RunReport(command, clock.instant(), took, 0, ImmutableMap.copyOf(counts),
        changed, lists.addOnly(), failures), log);
  }

  /** Records a run that failed with {@code e}; the exception itself is the caller's to throw. */
  void failure(String command, StateDir state, RuntimeException e, Duration took, Console log) {
    if (metricsFile == null) {
      return;
    }
    int code = new Errors().getExitCode(e);
    int failures = e instanceof SourceRejected || e instanceof SourceUnavailable ? 1 : 0;
    record(state, RunReport.failure(command, clock.instant(), took, code == 0 ? 1 : code,
        failures), log);
  }

  private void record(StateDir state, RunReport run, Console log) {
    try {
      MetricsState next = MetricsState.load(state, run.command()).next(run);
      next.store(state);
      Textfile.write(metricsFile, Textfile.render(next, Version.get()));
    } catch (IOException | CfsyncException e) {
      // The run's own outcome stands; a stale metrics file shows up as an old timestamp.
      log.warn("metrics file " + metricsFile + ": cannot write it (" + e.getMessage()
          + "); fix the path or its directory's permissions");
    }
  }
}
