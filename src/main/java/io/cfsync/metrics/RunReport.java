package io.cfsync.metrics;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableMap;
import io.cfsync.model.Family;
import java.time.Duration;
import java.time.Instant;

/**
 * What one run contributes to the metrics.
 *
 * @param command the subcommand ("apply", "fetch"): a label, so both can feed node_exporter
 * @param exitCode the run's exit code; 0 is a success
 * @param prefixes on success, the prefixes per family the run left installed (apply) or
 *     listed (fetch); empty on failure
 * @param changed the run changed the firewall
 * @param fallback the run used a last-known-good or built-in list (add-only)
 * @param fetchFailures sources that could not be fetched or were rejected in this run
 */
public record RunReport(String command, Instant finished, Duration took, int exitCode,
    ImmutableMap<Family, Integer> prefixes, boolean changed, boolean fallback,
    int fetchFailures) {

  public RunReport {
    checkArgument(command.matches("[a-z][a-z-]*"), "bad command label %s", command);
    checkArgument(fetchFailures >= 0, "negative failures");
    prefixes = ImmutableMap.copyOf(prefixes);
  }

  public boolean success() {
    return exitCode == 0;
  }

  /** A run that failed before or while applying: nothing installed is known from it. */
  public static RunReport failure(String command, Instant finished, Duration took, int exitCode,
      int fetchFailures) {
    checkArgument(exitCode != 0, "a failure has a non-zero exit code");
    return new RunReport(command, finished, took, exitCode, ImmutableMap.of(), false, false,
        fetchFailures);
  }
}
