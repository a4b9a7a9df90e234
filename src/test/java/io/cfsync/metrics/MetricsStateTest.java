package io.cfsync.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableMap;
import io.cfsync.model.Family;
import io.cfsync.state.StateDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsStateTest {

  private static final Instant T1 = Instant.parse("2026-05-04T10:00:00Z");
  private static final Instant T2 = Instant.parse("2026-05-04T11:00:00Z");
  private static final Instant T3 = Instant.parse("2026-05-04T12:00:00Z");

  private static RunReport ok(Instant at, boolean changed, boolean fallback, int failures) {
    return new RunReport("apply", at, Duration.ofMillis(250), 0,
        ImmutableMap.of(Family.V4, 15, Family.V6, 7), changed, fallback, failures);
  }

  @Test
  void failedRunCountsFailureAndLeavesSuccessValues() {
    MetricsState s = MetricsState.empty("apply").next(ok(T1, true, false, 0));
    MetricsState after = s.next(RunReport.failure("apply", T2, Duration.ofSeconds(3), 3, 1));

    assertThat(after.lastSuccess()).contains(T1);
    assertThat(after.lastChange()).contains(T1);
    assertThat(after.prefixes()).containsEntry(Family.V4, 15).containsEntry(Family.V6, 7);
    assertThat(after.fetchFailuresTotal()).isEqualTo(1);
    assertThat(after.lastExitCode()).isEqualTo(3);
    assertThat(after.lastRun()).contains(T2);
    assertThat(after.lastDuration()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void noOpRunMovesSuccessButNotLastChange() {
    MetricsState s = MetricsState.empty("apply").next(ok(T1, true, false, 0))
        .next(ok(T2, false, false, 0));
    assertThat(s.lastSuccess()).contains(T2);
    assertThat(s.lastChange()).contains(T1);
  }

  @Test
  void fallbackRunCountsItsFailedSourcesAndSaysFallback() {
    MetricsState s = MetricsState.empty("apply").next(ok(T1, false, true, 2));
    assertThat(s.fallback()).isTrue();
    assertThat(s.fetchFailuresTotal()).isEqualTo(2);
    assertThat(s.next(ok(T2, false, false, 0)).fallback()).isFalse();
  }

  @Test
  void failureCounterSurvivesAcrossRunsInTheStateDir(@TempDir Path dir) {
    StateDir state = new StateDir(dir.resolve("state"));
    MetricsState.load(state, "apply").next(RunReport.failure("apply", T1, Duration.ZERO, 1, 1))
        .store(state);
    MetricsState.load(state, "apply").next(ok(T2, true, false, 0)).store(state);
    MetricsState third = MetricsState.load(state, "apply")
        .next(RunReport.failure("apply", T3, Duration.ZERO, 3, 1));
    third.store(state);

    MetricsState loaded = MetricsState.load(state, "apply");
    assertThat(loaded).isEqualTo(third);
    assertThat(loaded.fetchFailuresTotal()).isEqualTo(2);
    assertThat(loaded.lastSuccess()).contains(T2);
    // Each command keeps its own bookkeeping: fetch has not run.
    assertThat(MetricsState.load(state, "fetch").fetchFailuresTotal()).isZero();
  }

  @Test
  void damagedBookkeepingStartsFromZeroInsteadOfFailingTheRun(@TempDir Path dir) {
    StateDir state = new StateDir(dir);
    state.writeAtomically(MetricsState.fileName("apply"), "last_success = yesterday\n".getBytes());
    assertThat(MetricsState.load(state, "apply")).isEqualTo(MetricsState.empty("apply"));
  }

  @Test
  void rendersTheTextfileFormat() {
    MetricsState s = MetricsState.empty("apply").next(ok(T1, true, false, 0))
        .next(RunReport.failure("apply", T2, Duration.ofMillis(1500), 1, 1));
    String text = Textfile.render(s, "0.1.0");
    assertThat(text).isEqualTo(String.join("\n",
        "# HELP cfsync_info cfsync's version; always 1.",
        "# TYPE cfsync_info gauge",
        "cfsync_info{command=\"apply\",version=\"0.1.0\"} 1",
        "# HELP cfsync_last_run_timestamp_seconds When the last run ended, whatever its "
            + "outcome (Unix time).",
        "# TYPE cfsync_last_run_timestamp_seconds gauge",
        "cfsync_last_run_timestamp_seconds{command=\"apply\"} 1777892400.000",
        "# HELP cfsync_last_run_exit_code Exit code of the last run: 0 ok, 1 error, 3 refused "
            + "by a safety check, 64 usage.",
        "# TYPE cfsync_last_run_exit_code gauge",
        "cfsync_last_run_exit_code{command=\"apply\"} 1",
        "# HELP cfsync_run_duration_seconds How long the last run took.",
        "# TYPE cfsync_run_duration_seconds gauge",
        "cfsync_run_duration_seconds{command=\"apply\"} 1.500",
        "# HELP cfsync_last_success_timestamp_seconds When the last run that exited 0 ended "
            + "(Unix time).",
        "# TYPE cfsync_last_success_timestamp_seconds gauge",
        "cfsync_last_success_timestamp_seconds{command=\"apply\"} 1777888800.000",
        "# HELP cfsync_last_change_timestamp_seconds When a run last changed the firewall "
            + "(Unix time).",
        "# TYPE cfsync_last_change_timestamp_seconds gauge",
        "cfsync_last_change_timestamp_seconds{command=\"apply\"} 1777888800.000",
        "# HELP cfsync_prefixes_installed Prefixes cfsync allows, per family, as of the last "
            + "successful run.",
        "# TYPE cfsync_prefixes_installed gauge",
        "cfsync_prefixes_installed{command=\"apply\",family=\"ipv4\"} 15",
        "cfsync_prefixes_installed{command=\"apply\",family=\"ipv6\"} 7",
        "# HELP cfsync_fallback_in_use 1 when the last successful run used a last-known-good "
            + "or built-in list (add-only).",
        "# TYPE cfsync_fallback_in_use gauge",
        "cfsync_fallback_in_use{command=\"apply\"} 0",
        "# HELP cfsync_fetch_failures_total Sources that could not be fetched or were "
            + "rejected, since the state directory was made.",
        "# TYPE cfsync_fetch_failures_total counter",
        "cfsync_fetch_failures_total{command=\"apply\"} 1",
        ""));
  }

  @Test
  void neverSucceededOmitsTimestampsItCannotKnow() {
    String text = Textfile.render(MetricsState.empty("apply")
        .next(RunReport.failure("apply", T1, Duration.ZERO, 3, 1)), "0.1.0");
    assertThat(text).doesNotContain("cfsync_last_success_timestamp_seconds{")
        .doesNotContain("cfsync_last_change_timestamp_seconds{")
        .doesNotContain("cfsync_prefixes_installed{")
        .contains("cfsync_last_run_exit_code{command=\"apply\"} 3");
  }

  @Test
  void writeReplacesAtomicallyWorldReadableAndLeavesNoTemporaryFile(@TempDir Path dir)
      throws IOException {
    Path target = dir.resolve("cfsync.prom");
    Files.writeString(target, "old\n");
    Textfile.write(target, "new\n");
    assertThat(target).hasContent("new");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target)))
        .isEqualTo("rw-r--r--");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("cfsync.prom");
    }
  }

  @Test
  void writeIntoMissingDirectoryFailsWithoutCreatingIt(@TempDir Path dir) {
    Path target = dir.resolve("absent").resolve("cfsync.prom");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Textfile.write(target, "x\n"))
        .isInstanceOf(IOException.class);
    assertThat(dir.resolve("absent")).doesNotExist();
  }
}
