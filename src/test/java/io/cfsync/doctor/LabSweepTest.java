package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.SystemProcessRunner;
import io.cfsync.live.Live;
import org.junit.jupiter.api.Test;

/** Namespaces left by a doctor that was killed are removed by the next one; live ones are not. */
class LabSweepTest {

  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
  }

  @Test
  void recognisesOnlyItsOwnNamesOfDeadProcesses() throws Exception {
    long dead = deadPid();
    long alive = ProcessHandle.current().pid();
    assertThat(Lab.staleName("cfsdoc" + dead + "qs (id: 7)")).hasValue("cfsdoc" + dead + "qs");
    assertThat(Lab.staleName("cfsdoc" + dead + "qc")).hasValue("cfsdoc" + dead + "qc");
    assertThat(Lab.staleName("cfsdoc" + dead + "qk0")).hasValue("cfsdoc" + dead + "qk0");
    assertThat(Lab.staleName("cfsdoc" + alive + "qs")).isEmpty();
    assertThat(Lab.staleName("cfs1a2b3cs")).isEmpty();
    assertThat(Lab.staleName("cfsdoc" + dead + "qx")).isEmpty();
  }

  @Test
  @Live
  void sweepRemovesTheNamespacesOfADeadDoctorOnly() throws Exception {
    ProcessRunner host = new SystemProcessRunner();
    String dead = "cfsdoc" + deadPid() + "qs";
    String alive = "cfsdoc" + ProcessHandle.current().pid() + "qs";
    try {
      host.check(Command.of("ip", "netns", "add", dead));
      host.check(Command.of("ip", "netns", "add", alive));
      Lab.sweepStale(host);
      String list = host.check(Command.of("ip", "netns", "list")).stdout();
      assertThat(list).doesNotContain(dead).contains(alive);
    } finally {
      host.run(Command.of("ip", "netns", "del", dead));
      host.run(Command.of("ip", "netns", "del", alive));
    }
  }
}
