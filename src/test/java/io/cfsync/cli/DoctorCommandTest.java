package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.doctor.Doctor;
import io.cfsync.doctor.Finding;
import io.cfsync.doctor.ProcFs;
import io.cfsync.doctor.Report;
import io.cfsync.doctor.Status;
import io.cfsync.exec.SystemProcessRunner;
import io.cfsync.state.StateDir;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The doctor command's output contract: the human lines and the cfsync.doctor/v1 document. */
class DoctorCommandTest {

  private static final Path GOLDEN = Path.of("src", "test", "resources", "golden", "doctor");

  private static Report report() {
    return new Report(ImmutableList.of(
        Finding.ok("listen", "80/ipv4", "nginx (pid 812, nginx.service) listens on 0.0.0.0:80")
            .withDetails(ImmutableMap.of("port", 80, "family", "ipv4")),
        Finding.of("firewall", "443/ipv4", Status.FAIL, "1 of 15 Cloudflare ipv4 prefixes are "
            + "dropped (522) on port 443: 104.16.0.0/13; decided by inet filter input policy "
            + "drop", "let Cloudflare in before that rule: `cfsync apply --policy allow "
            + "--nft-table 'inet filter' --nft-chain input`")
            .withDetails(ImmutableMap.of("port", 443, "prefixes", List.of(ImmutableMap.of("prefix",
                "104.16.0.0/13", "outcome", "dropped")))),
        Finding.of("service", "", Status.WARN, "systemd is not running here", "check by hand")),
        Duration.ofMillis(3456));
  }

  private static Doctor.Config config() {
    return new Doctor.Config(ImmutableList.of(80, 443), ProcFs.SYSTEM, new SystemProcessRunner(),
        new StateDir(Path.of("state")), Map.of(), Duration.ofHours(24), Duration.ofDays(2),
        Duration.ofSeconds(2), ImmutableSet.of(), Clock.systemUTC(), Path.of("/nonexistent"),
        Path.of("/nonexistent"));
  }

  private static void assertGolden(String name, String actual) throws IOException {
    Path file = GOLDEN.resolve(name);
    if ("1".equals(System.getenv("CFSYNC_GOLDEN_UPDATE"))) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual, StandardCharsets.UTF_8);
    }
    assertThat(actual).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
  }

  @Test
  void humanOutputIsOneLinePerCheckWithTheFixUnderneath() throws IOException {
    String out = DoctorCommand.human(report());
    assertGolden("human.txt", out);
    assertThat(out.lines().filter(l -> l.startsWith("FAIL"))).hasSize(1);
  }

  @Test
  void jsonDocumentKeepsItsSchemaAndKeyOrder() throws IOException {
    String json = Json.write(DoctorCommand.json(report(), config(), 2));
    assertGolden("report.json", json);
    assertThat(json).startsWith("{\n  \"schema\" : \"cfsync.doctor/v1\"");
  }

  private static int run(StringWriter err, String... args) {
    CommandLine cl = Main.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    return cl.execute(args);
  }

  @Test
  void anUnknownCheckToSkipIsAUsageError() {
    StringWriter err = new StringWriter();
    assertThat(run(err, "doctor", "--skip", "everything")).isEqualTo(64);
    assertThat(err.toString()).contains("--skip \"everything\": use listen, firewall, "
        + "own-rules, services, logs, cfsync");
  }

  @Test
  void tooManyPortsOrABadPortAreUsageErrors() {
    StringWriter err = new StringWriter();
    assertThat(run(err, "doctor", "--ports", "1000-2000")).isEqualTo(64);
    assertThat(err.toString()).contains("at most 64 ports");
    assertThat(run(new StringWriter(), "doctor", "--port", "0")).isEqualTo(64);
  }

  @Test
  void doctorIsASubcommand() {
    assertThat(Main.commandLine().getSubcommands()).containsKey("doctor");
    assertThat(Optional.ofNullable(Main.commandLine().getSubcommands().get("doctor")
        .getCommandSpec().findOption("--json"))).isPresent();
  }
}
