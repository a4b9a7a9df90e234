package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceCheckTest {

  private static final List<String> UNITS = List.of("nginx.service", "apache2.service",
      "httpd.service", "caddy.service", "haproxy.service", "traefik.service");
  private static final String SHOW = "systemctl show -p " + ServiceCheck.PROPERTIES + " "
      + String.join(" ", UNITS);

  @Test
  void judgesEachInstalledUnitFromOneSystemctlShow() {
    CannedRunner run = new CannedRunner().on(SHOW, Fixtures.text("systemctl-show.txt"));
    List<Finding> f = new ServiceCheck(run, true).run(UNITS);
    // httpd is not installed (LoadState=not-found): no line for it.
    assertThat(f).extracting(Finding::name).containsExactly("service nginx", "service apache2",
        "service caddy", "service haproxy", "service traefik");
    assertThat(f.get(0).status()).isEqualTo(Status.OK);
    assertThat(f.get(0).message()).isEqualTo("nginx.service is active (running), "
        + "Restart=on-failure");
    assertThat(f.get(1).status()).isEqualTo(Status.FAIL);
    assertThat(f.get(1).message()).contains("has failed (Result=exit-code)");
    assertThat(f.get(1).fix()).hasValueSatisfying(x -> assertThat(x)
        .contains("journalctl -u apache2.service").contains("systemctl restart"));
    assertThat(f.get(2).status()).isEqualTo(Status.FAIL);
    assertThat(f.get(2).message()).contains("waiting to restart").contains("4 restarts");
    assertThat(f.get(3).status()).isEqualTo(Status.OK);
    assertThat(f.get(3).message()).contains("not enabled");
    assertThat(f.get(4).status()).isEqualTo(Status.WARN);
    assertThat(f.get(4).message()).contains("Restart=no");
    assertThat(f.get(4).fix()).hasValueSatisfying(x -> assertThat(x)
        .contains("Restart=on-failure"));
  }

  @Test
  void restartsSinceStartAreAWarning() {
    Finding f = ServiceCheck.judge("nginx.service", ServiceCheck.parse(
        "LoadState=loaded\nActiveState=active\nSubState=running\nRestart=always\nNRestarts=3\n")
        .get(0));
    assertThat(f.status()).isEqualTo(Status.WARN);
    assertThat(f.message()).contains("restarted 3 time(s)");
  }

  @Test
  void anEnabledUnitThatIsNotRunningFails() {
    Finding f = ServiceCheck.judge("caddy.service", ServiceCheck.parse(
        "LoadState=loaded\nActiveState=inactive\nSubState=dead\nUnitFileState=enabled\n").get(0));
    assertThat(f.status()).isEqualTo(Status.FAIL);
    assertThat(f.fix()).hasValueSatisfying(x -> assertThat(x).startsWith(
        "`systemctl start caddy.service`"));
  }

  @Test
  void withoutSystemdItWarnsAndRunsNothing() {
    CannedRunner run = new CannedRunner();
    List<Finding> f = new ServiceCheck(run, false).run(UNITS);
    assertThat(f).singleElement().satisfies(x -> {
      assertThat(x.status()).isEqualTo(Status.WARN);
      assertThat(x.message()).startsWith("systemd is not running here");
    });
    assertThat(run.asked).isEmpty();
  }

  @Test
  void noKnownUnitInstalledIsAWarning() {
    String none = "LoadState=not-found\nActiveState=inactive\n\n".repeat(UNITS.size());
    List<Finding> f = new ServiceCheck(new CannedRunner().on(SHOW, none), true).run(UNITS);
    assertThat(f).singleElement().satisfies(x -> {
      assertThat(x.status()).isEqualTo(Status.WARN);
      assertThat(x.message()).contains("is a systemd unit here");
    });
  }
}
