package io.cfsync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /proc as files: a fake tree, the shapes the kernel writes. */
class ProcInfoTest {

  @TempDir
  Path proc;

  private void process(long pid, long ppid, String comm, String cmdline, String cgroup)
      throws Exception {
    Path d = Files.createDirectories(proc.resolve(Long.toString(pid)));
    // A comm with a space and a parenthesis: the parent is read after the last ')'.
    Files.writeString(d.resolve("stat"), pid + " (" + comm + ") S " + ppid + " 1 1 0 -1");
    Files.writeString(d.resolve("comm"), comm + "\n");
    Files.writeString(d.resolve("cmdline"), cmdline.replace(' ', '\0') + "\0");
    Files.writeString(d.resolve("cgroup"), cgroup);
  }

  @Test
  void enrichNamesCommandLineParentAndUnit() throws Exception {
    process(812, 1, "nft", "/usr/sbin/nft -f /etc/nftables.conf",
        "0::/system.slice/nftables.service\n");
    Culprit c = new ProcInfo(proc, 99).enrich(Culprit.of(812, "nft"));
    assertThat(c.describe()).isEqualTo(
        "nft (pid 812: /usr/sbin/nft -f /etc/nftables.conf; nftables.service)");
    assertThat(c.ancestors()).containsExactly(1L);
  }

  @Test
  void grandchildrenOfThisProcessAreOurs() throws Exception {
    process(300, 200, "iptables-restor", "iptables-restore -n", "0::/user.slice\n");
    process(200, 99, "python3", "/usr/bin/python3 /usr/sbin/ufw allow 80", "0::/x\n");
    process(99, 1, "java", "java", "0::/x\n");
    ProcInfo p = new ProcInfo(proc, 99);
    Culprit c = p.enrich(Culprit.of(300, "iptables-restor"));
    assertThat(p.isOurs(c)).isTrue();
    assertThat(c.parent()).isEqualTo("/usr/bin/python3 /usr/sbin/ufw allow 80");
    assertThat(new ProcInfo(proc, 42).isOurs(c)).isFalse();
  }

  @Test
  void aProcessThatIsGoneKeepsWhatTheMonitorSaid() {
    Culprit c = new ProcInfo(proc, 99).enrich(Culprit.of(4242, "iptables"));
    assertThat(c.describe()).isEqualTo("iptables (pid 4242)");
  }

  @Test
  void runningFirewallToolsAreFoundButNotOurOwn() throws Exception {
    process(500, 1, "ufw-init", "/bin/sh /lib/ufw/ufw-init force-stop", "0::/x\n");
    process(501, 1, "python3", "/usr/bin/python3 /usr/sbin/ufw reload", "0::/x\n");
    process(502, 99, "nft", "nft -f -", "0::/x\n");
    process(503, 1, "bash", "bash", "0::/x\n");
    assertThat(new ProcInfo(proc, 99).firewallToolsRunning())
        .extracting(Culprit::pid).containsExactlyInAnyOrder(500L, 501L);
  }

  @Test
  void subscriptionIsReadFromTheNetlinkTable() throws Exception {
    Path fd = Files.createDirectories(proc.resolve("77").resolve("fd"));
    Files.createSymbolicLink(fd.resolve("3"), Path.of("socket:[8408229]"));
    Files.createDirectories(proc.resolve("net"));
    String head = "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    "
        + "Drops    Inode\n";
    Files.writeString(proc.resolve("net").resolve("netlink"), head
        + "0000000037932f2f 12  77         00000000 0        0        0     2        0        "
        + "8408229 \n");
    ProcInfo p = new ProcInfo(proc, 1);
    assertThat(p.subscribedToNetfilter(77)).contains(false);
    Files.writeString(proc.resolve("net").resolve("netlink"), head
        + "0000000037932f2f 12  77         00000140 0        0        0     2        0        "
        + "8408229 \n");
    assertThat(p.subscribedToNetfilter(77)).contains(true);
    assertThat(p.subscribedToNetfilter(78)).isEmpty();
  }
}
