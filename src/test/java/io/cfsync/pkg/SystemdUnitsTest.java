package io.cfsync.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.cli.GenerateDocs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped units pass {@code systemd-analyze verify} with no warning at all (unknown keys
 * are only warnings there, so the output must be empty, not just the exit code 0). verify
 * checks that ExecStart exists and that the Documentation= man page resolves, so it runs
 * against a root holding the system's own units, a stand-in /usr/bin/cfsync, and the man
 * page generated from the model.
 */
class SystemdUnitsTest {

  private static final Path UNITS = Path.of("src", "deb", "systemd");

  @Test
  void unitsVerifyCleanly(@TempDir Path tmp) throws Exception {
    Path analyze = Tools.require("systemd-analyze", "systemd");
    Path root = tmp.resolve("root");
    Path unitDir = Files.createDirectories(root.resolve("lib/systemd/system"));
    copyTree(Path.of("/lib/systemd/system"), unitDir);
    for (String u : List.of("cfsync.service", "cfsync.timer")) {
      Files.copy(UNITS.resolve(u), unitDir.resolve(u),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Path bin = Files.createDirectories(root.resolve("usr/bin")).resolve("cfsync");
    Files.writeString(bin, "#!/bin/sh\n");
    Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path man1 = Files.createDirectories(tmp.resolve("man/man1"));
    GenerateDocs.main(new String[] {man1.toString()});

    Tools.Run r = Tools.run(Map.of("MANPATH", tmp.resolve("man").toString(),
        "SYSTEMD_LOG_COLOR", "0"), analyze.toString(), "verify", "--root=" + root,
        "cfsync.service", "cfsync.timer");
    assertThat(r.out()).as("systemd-analyze verify output").isEmpty();
    assertThat(r.code()).isZero();

    // Not asserted (a score, not a contract), printed for docs/security.md.
    Tools.Run sec = Tools.run(Map.of("SYSTEMD_LOG_COLOR", "0"), analyze.toString(), "security",
        "--offline=yes", "--root=" + root, "cfsync.service");
    String[] lines = sec.out().strip().split("\n");
    System.out.println("systemd-analyze security: " + lines[lines.length - 1]);
  }

  @Test
  void verifyCatchesABrokenUnit(@TempDir Path tmp) throws Exception {
    Path analyze = Tools.require("systemd-analyze", "systemd");
    Path root = tmp.resolve("root");
    Path unitDir = Files.createDirectories(root.resolve("lib/systemd/system"));
    copyTree(Path.of("/lib/systemd/system"), unitDir);
    // The real unit with its ExecStart binary absent: verify must complain.
    Files.copy(UNITS.resolve("cfsync.service"), unitDir.resolve("cfsync.service"));
    Tools.Run r = Tools.run(Map.of("MANPATH", tmp.toString()), analyze.toString(), "verify",
        "--man=no", "--root=" + root, "cfsync.service");
    assertThat(r.out()).contains("/usr/bin/cfsync");
  }

  @Test
  void serviceIsHardenedAsDocumented() throws IOException {
    String s = Files.readString(UNITS.resolve("cfsync.service"));
    assertThat(s).contains("Type=oneshot", "ExecStart=/usr/bin/cfsync apply",
        "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW",
        "AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW", "NoNewPrivileges=yes",
        "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
        "StateDirectory=cfsync", "StateDirectoryMode=0700", "AF_NETLINK")
        .doesNotContain("MemoryDenyWriteExecute=yes");
    String t = Files.readString(UNITS.resolve("cfsync.timer"));
    assertThat(t).contains("OnCalendar=hourly", "RandomizedDelaySec=", "Persistent=true");
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path dst = to.resolve(from.relativize(p).toString());
        if (Files.isSymbolicLink(p)) {
          Files.createDirectories(dst.getParent());
          Files.createSymbolicLink(dst, Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          Files.createDirectories(dst);
        } else {
          Files.copy(p, dst);
        }
      }
    }
  }
}
