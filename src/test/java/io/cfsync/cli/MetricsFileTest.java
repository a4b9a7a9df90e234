package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.error.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --metrics-file} through the real command line. */
class MetricsFileTest {

  private static String value(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
    return m.find() ? m.group(1) : null;
  }

  @Test
  void fetchWritesSuccessThenAFailedRunKeepsItAndCountsTheFailure(@TempDir Path dir)
      throws IOException {
    Path state = dir.resolve("state");
    Path prom = dir.resolve("cfsync.prom");
    Cli.Result ok = Cli.run("fetch", "--config", "/dev/null", "--source", "builtin",
        "--state-dir", state.toString(), "--metrics-file", prom.toString());
    assertThat(ok.code()).isZero();
    String first = Files.readString(prom);
    String success = value(first, "cfsync_last_success_timestamp_seconds{command=\"fetch\"}");
    assertThat(success).isNotNull();
    assertThat(value(first, "cfsync_prefixes_listed{command=\"fetch\",family=\"ipv4\"}"))
        .isEqualTo("15");
    assertThat(value(first, "cfsync_fetch_failures_total{command=\"fetch\"}")).isEqualTo("0");

    Path bad = dir.resolve("bad.txt");
    Files.writeString(bad, "<html>captive portal</html>\n");
    Cli.Result refused = Cli.run("fetch", "--config", "/dev/null", "--source", "file:" + bad,
        "--state-dir", state.toString(), "--metrics-file", prom.toString());
    assertThat(refused.code()).isEqualTo(ExitCode.REFUSED);
    String second = Files.readString(prom);
    assertThat(value(second, "cfsync_last_success_timestamp_seconds{command=\"fetch\"}"))
        .isEqualTo(success);
    assertThat(value(second, "cfsync_prefixes_listed{command=\"fetch\",family=\"ipv4\"}"))
        .isEqualTo("15");
    assertThat(value(second, "cfsync_last_run_exit_code{command=\"fetch\"}")).isEqualTo("3");
    assertThat(value(second, "cfsync_fetch_failures_total{command=\"fetch\"}")).isEqualTo("1");
  }

  @Test
  void unwritableMetricsFileIsAWarningNotAFailedRun(@TempDir Path dir) {
    Cli.Result r = Cli.run("fetch", "--config", "/dev/null", "--source", "builtin",
        "--state-dir", dir.resolve("state").toString(),
        "--metrics-file", dir.resolve("no-such-dir").resolve("cfsync.prom").toString());
    assertThat(r.code()).isZero();
    assertThat(r.err()).contains("metrics file").contains("cannot write it");
  }
}
