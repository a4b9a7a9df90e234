package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watch's options: mistakes are usage errors (64) before anything starts. */
class WatchCommandTest {

  @TempDir
  Path tmp;

  @Test
  void jsonIsRefusedWithAUsageError() {
    Cli.Result r = Cli.run("watch", "--json", "--state-dir", tmp.toString());
    assertThat(r.code()).isEqualTo(64);
    assertThat(r.err()).contains("watch has no --json");
  }

  @Test
  void unknownEventStreamIsAUsageError() {
    Cli.Result r = Cli.run("watch", "--events", "inotify", "--state-dir", tmp.toString());
    assertThat(r.code()).isEqualTo(64);
    assertThat(r.err()).contains("--events \"inotify\": use auto, nft or none");
  }

  @Test
  void zeroIntervalsAreUsageErrors() {
    Cli.Result r = Cli.run("watch", "--poll", "0s", "--state-dir", tmp.toString());
    assertThat(r.code()).isEqualTo(64);
    assertThat(r.err()).contains("must be positive");
  }

  @Test
  void helpListsTheWatchOptions() {
    Cli.Result r = Cli.run("watch", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("--refresh", "--poll", "--debounce", "--events",
        "--max-removal", "--source");
  }
}
