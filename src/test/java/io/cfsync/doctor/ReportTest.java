package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReportTest {

  private static Report of(Finding... f) {
    return new Report(ImmutableList.copyOf(f), Duration.ZERO);
  }

  @Test
  void exitsZeroWhenAllIsWellAndOnWarningsUnlessStrict() {
    Finding ok = Finding.ok("listen", "80/ipv4", "fine");
    Finding warn = Finding.of("service", "", Status.WARN, "no systemd", "check by hand");
    assertThat(of(ok).exitCode(false)).isZero();
    assertThat(of(ok, warn).exitCode(false)).isZero();
    assertThat(of(ok, warn).exitCode(true)).isEqualTo(2);
  }

  @Test
  void exitsTwoOnAnyFailure() {
    Finding fail = Finding.of("listen", "80/ipv4", Status.FAIL, "nothing listens", "start it");
    assertThat(of(Finding.ok("a", "", "x"), fail).exitCode(false)).isEqualTo(2);
    assertThat(of(fail).worst()).isEqualTo(Status.FAIL);
  }

  @Test
  void everyWarningAndFailureCarriesAOneLineFix() {
    assertThatThrownBy(() -> new Finding("listen", "", Status.FAIL, "broken",
        java.util.Optional.empty(), com.google.common.collect.ImmutableMap.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Finding.of("listen", "", Status.WARN, "two\nlines", "fix"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
