package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LogCheckTest {

  private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  private static final Set<String> WEB = Set.of("nginx", "caddy");

  private static LogCheck check(CannedRunner run) {
    return new LogCheck(run, ProcFs.SYSTEM, NOW, Duration.ofHours(24));
  }

  private static String since() {
    return "--since=@" + NOW.minus(Duration.ofHours(24)).getEpochSecond();
  }

  @Test
  void readsOomKillsSegfaultsAndTrapsOncePerEvent() {
    List<LogCheck.KernelEvent> e = LogCheck.parseKernel(Fixtures.text("kernel-oom.log"),
        Optional.empty());
    assertThat(e).extracting(LogCheck.KernelEvent::kind, LogCheck.KernelEvent::process,
        LogCheck.KernelEvent::pid).containsExactly(
            org.assertj.core.groups.Tuple.tuple("oom-kill", "nginx", 812L),
            org.assertj.core.groups.Tuple.tuple("segfault", "php-fpm8.2", 4242L),
            org.assertj.core.groups.Tuple.tuple("trap", "caddy", 901L),
            org.assertj.core.groups.Tuple.tuple("oom-kill", "mysqld", 777L));
    assertThat(e.get(0).at()).isEqualTo(Instant.parse("2026-11-25T03:14:07.200100Z"));
  }

  @Test
  void dmesgSecondsSinceBootNeedTheBootTime() {
    String plain = "[ 3600.123456] Out of memory: Killed process 812 (nginx) total-vm:1kB\n";
    assertThat(LogCheck.parseKernel(plain, Optional.empty())).isEmpty();
    Instant boot = Instant.parse("2026-11-25T00:00:00Z");
    assertThat(LogCheck.parseKernel(plain, Optional.of(boot))).singleElement()
        .satisfies(x -> assertThat(x.at()).isEqualTo(Instant.parse("2026-11-25T01:00:00Z")));
  }

  @Test
  void aWebServerKilledByTheOomKillerIsNamedWithTheFix() {
    CannedRunner run = new CannedRunner()
        .on("journalctl -k --no-pager -o short-iso " + since(), 0, "", "No journal files were "
            + "found.\n")
        .on("dmesg --time-format=iso", Fixtures.text("kernel-oom.log"));
    Finding f = check(run).kernel(WEB);
    assertThat(f.status()).isEqualTo(Status.WARN);
    // The newest web-server event in the window is caddy's trap; nginx's OOM kill is counted.
    assertThat(f.message()).startsWith("caddy (pid 901) crashed (trap) at "
        + "2026-11-25T06:30:00Z (2 such events in the last 24 h) (dmesg)");
    assertThat(f.fix()).isPresent();
  }

  @Test
  void otherOomKillsAreAMemoryPressureWarningAndOldOnesDoNotCount() {
    String log = "2026-11-25T10:00:00,000000+00:00 Out of memory: Killed process 5 (java) x\n"
        + "2026-11-20T10:00:00,000000+00:00 Out of memory: Killed process 6 (nginx) x\n";
    CannedRunner run = new CannedRunner()
        .on("journalctl -k --no-pager -o short-iso " + since(), log);
    Finding f = check(run).kernel(WEB);
    assertThat(f.status()).isEqualTo(Status.WARN);
    assertThat(f.message()).isEqualTo("the OOM killer killed 1 process(es) in the last 24 h "
        + "(last: java): the web server may be next");
  }

  @Test
  void aFullConntrackTableIsA522Cause() {
    String log = "2026-11-25T10:00:00,000000+00:00 nf_conntrack: nf_conntrack: table full, "
        + "dropping packet\n2026-11-25T10:00:05,000000+00:00 nf_conntrack: nf_conntrack: table "
        + "full, dropping packet\n";
    CannedRunner run = new CannedRunner()
        .on("journalctl -k --no-pager -o short-iso " + since(), 0, "", "No journal files were "
            + "found.\n")
        .on("dmesg --time-format=iso", log);
    Finding f = check(run).kernel(WEB);
    assertThat(f.status()).isEqualTo(Status.WARN);
    assertThat(f.message()).isEqualTo("the conntrack table was full in the last 24 h (last at "
        + "2026-11-25T10:00:05Z): the kernel dropped new connections, Cloudflare's included (522)");
    assertThat(f.fix()).hasValueSatisfying(x -> assertThat(x).contains("nf_conntrack_max"));
  }

  @Test
  void aQuietKernelLogIsOk() {
    CannedRunner run = new CannedRunner().on("journalctl -k --no-pager -o short-iso " + since(),
        "2026-11-25T10:00:00+0000 web1 kernel: eth0: link up\n");
    assertThat(check(run).kernel(WEB).status()).isEqualTo(Status.OK);
  }

  @Test
  void noKernelLogAtAllIsAWarning() {
    assertThat(check(new CannedRunner()).kernel(WEB).status()).isEqualTo(Status.WARN);
  }

  @Test
  void readsUnitFailuresFromTheJournal() {
    List<LogCheck.UnitEvent> e = LogCheck.parseJournal(Fixtures.text("journal-units.log"));
    assertThat(e).extracting(LogCheck.UnitEvent::what).containsExactly(
        "Main process exited, code=killed, status=9/KILL", "Failed with result 'oom-kill'",
        "Scheduled restart job, restart counter is at 1.");
    CannedRunner run = new CannedRunner().on("journalctl --no-pager -o short-iso " + since()
        + " -u nginx.service", Fixtures.text("journal-units.log"));
    Finding f = check(run).journal(List.of("nginx.service"));
    assertThat(f.status()).isEqualTo(Status.WARN);
    assertThat(f.message()).isEqualTo("nginx.service: 2 failure(s) in the last 24 h, last at "
        + "2026-11-25T03:14:07Z: Failed with result 'oom-kill'");
  }

  @Test
  void noJournalIsAWarningNotAnError() {
    CannedRunner run = new CannedRunner().on("journalctl --no-pager -o short-iso " + since()
        + " -u nginx.service", 0, "-- No entries --\n", "No journal files were found.\n");
    Finding f = check(run).journal(List.of("nginx.service"));
    assertThat(f.status()).isEqualTo(Status.WARN);
    assertThat(f.message()).startsWith("no systemd journal here");
  }
}
