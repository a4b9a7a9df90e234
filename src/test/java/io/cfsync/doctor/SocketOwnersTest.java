package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A /proc-shaped directory with fd symlinks, as the kernel shows them. */
class SocketOwnersTest {

  @TempDir
  Path proc;

  private void process(long pid, String comm, String cgroup, String... links) throws Exception {
    Path fd = Files.createDirectories(proc.resolve(pid + "/fd"));
    Files.writeString(proc.resolve(pid + "/comm"), comm + "\n");
    Files.writeString(proc.resolve(pid + "/cgroup"), cgroup);
    int n = 0;
    for (String l : links) {
      Files.createSymbolicLink(fd.resolve(Integer.toString(n++)), Path.of(l));
    }
  }

  @Test
  void findsEveryProcessHoldingASocketLowestPidFirst() throws Exception {
    process(900, "nginx", "0::/system.slice/nginx.service\n", "/dev/null", "socket:[4711]");
    process(812, "nginx", "0::/system.slice/nginx.service\n", "socket:[4711]", "pipe:[1]");
    process(1000, "sshd", "0::/system.slice/ssh.service\n", "socket:[22]");
    Files.createDirectories(proc.resolve("net"));
    var owners = SocketOwners.find(new ProcFs(proc), Set.of(4711L));
    assertThat(owners.get(4711L)).extracting(SocketOwners.Owner::pid).containsExactly(812L, 900L);
    assertThat(owners.get(4711L).get(0).describe()).isEqualTo("nginx (pid 812, nginx.service)");
    assertThat(owners.containsKey(22L)).isFalse();
  }

  @Test
  void readsTheUnitFromCgroupV1AndV2Lines() {
    assertThat(SocketOwners.unit("12:pids:/system.slice/apache2.service\n"
        + "0::/system.slice/apache2.service\n")).contains("apache2.service");
    assertThat(SocketOwners.unit("0::/system.slice/docker-0123abcd.scope\n")).isEmpty();
    assertThat(SocketOwners.unit("0::/system.slice/system-getty.slice/getty@tty1.service"))
        .isEqualTo(Optional.of("getty@tty1.service"));
  }
}
