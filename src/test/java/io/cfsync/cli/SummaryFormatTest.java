package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class SummaryFormatTest {

  @Test
  void durationReadsAsStringFormatWouldPrintIt() {
    long[] nanos = {0, 4_999_999, 5_000_000, 9_999_999, 10_000_000, 99_000_000, 170_400_000,
        994_999_999, 995_000_000, 1_000_000_000, 12_345_678_901L, 3_600_004_000_000L};
    for (long n : nanos) {
      assertThat(SyncRun.seconds(Duration.ofNanos(n))).as("%s ns", n)
          .isEqualTo(String.format(Locale.ROOT, "%.2f s", n / 1e9));
    }
  }
}
