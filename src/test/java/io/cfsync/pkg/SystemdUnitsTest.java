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
  private static final List<String> OURS = List.of("cfsync.service", "cfsync.timer",
      "cfsync-watch.service", "cfsync-boot.service");
  /** Debian's netfilter-persistent unit (not installed here), see its README. */
  private static final Path FIXTURES = Path.of("src", "test", "resources", "systemd");

  @Test
  void unitsVerifyCleanly(@TempDir Path tmp) throws Exception {
    Path analyze = Tools.require("systemd-analyze", "systemd");
    Path root = tmp.resolve("root");
    Path unitDir = Files.createDirectories(root.resolve("lib/systemd/system"));
    copyTree(Path.of("/lib/systemd/system"), unitDir);
    for (String u : OURS) {
      Files.copy(UNITS.resolve(u), unitDir.resolve(u),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Files.copy(FIXTURES.resolve("netfilter-persistent.service"),
        unitDir.resolve("netfilter-persistent.service"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path bin = Files.createDirectories(root.resolve("usr/bin")).resolve("cfsync");
    Files.writeString(bin, "#!/bin/sh\n");
    Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path man1 = Files.createDirectories(tmp.resolve("man/man1"));
    GenerateDocs.main(new String[] {man1.toString()});

    Tools.Run r = Tools.run(Map.of("MANPATH", tmp.resolve("man").toString(),
        "SYSTEMD_LOG_COLOR", "0"), analyze.toString(), "verify", "--root=" + root,
        "cfsync.service", "cfsync.timer", "cfsync-watch.service", "cfsync-boot.service");
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

  @Test
  void watchAndBootUnitsCarryTheOneshotsHardening() throws IOException {
    String oneshot = Files.readString(UNITS.resolve("cfsync.service"));
    String hardening = oneshot.substring(oneshot.indexOf("StateDirectory="));
    String w = Files.readString(UNITS.resolve("cfsync-watch.service"));
    assertThat(w).contains("Type=notify", "NotifyAccess=all", "ExecStart=/usr/bin/cfsync watch",
        "Restart=always", "KillMode=mixed", "StartLimitIntervalSec=0", hardening);
    String b = Files.readString(UNITS.resolve("cfsync-boot.service"));
    assertThat(b).contains("Type=oneshot", "ExecStart=/usr/bin/cfsync apply --offline",
        "DefaultDependencies=no", "Wants=network-pre.target", hardening);
  }

  /**
   * The boot unit's place in the boot order, from the unit files themselves (this host's,
   * plus Debian's netfilter-persistent): after every firewall service that loads a saved
   * ruleset, before network-pre.target and through it before the network managers and a
   * web server (nginx waits for network-online.target). A "runs before" graph from every
   * After=/Before= line; systemd-analyze verify above catches ordering cycles.
   */
  @Test
  void bootUnitRunsAfterTheFirewallServicesAndBeforeTheNetworkAndTheWebServer()
      throws IOException {
    Path lib = Path.of("/lib/systemd/system");
    for (String needed : List.of("nftables.service", "ufw.service", "network-pre.target",
        "network.target", "network-online.target", "systemd-networkd.service",
        "nginx.service")) {
      assertThat(lib.resolve(needed)).as("unit file on this host").exists();
    }
    Map<String, java.util.Set<String>> before = new java.util.HashMap<>();
    try (var files = Files.list(lib)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(p)) {
          edges(p.getFileName().toString(), Files.readString(p), before);
        }
      }
    }
    edges("netfilter-persistent.service",
        Files.readString(FIXTURES.resolve("netfilter-persistent.service")), before);
    edges("cfsync-boot.service", Files.readString(UNITS.resolve("cfsync-boot.service")),
        before);
    for (String fw : List.of("nftables.service", "ufw.service",
        "netfilter-persistent.service")) {
      assertThat(runsBefore(before, fw, "cfsync-boot.service")).as(fw).isTrue();
      // The firewall services themselves precede network-pre.target: no contradiction.
      assertThat(runsBefore(before, fw, "network-pre.target")).as(fw).isTrue();
    }
    for (String later : List.of("network-pre.target", "systemd-networkd.service",
        "network.target", "network-online.target", "nginx.service")) {
      assertThat(runsBefore(before, "cfsync-boot.service", later)).as(later).isTrue();
      assertThat(runsBefore(before, later, "cfsync-boot.service")).as(later).isFalse();
    }
  }

  private static void edges(String unit, String text, Map<String, java.util.Set<String>> g) {
    for (String line : text.split("\n")) {
      String l = line.strip();
      boolean after = l.startsWith("After=");
      if (!after && !l.startsWith("Before=")) {
        continue;
      }
      for (String other : l.substring(l.indexOf('=') + 1).trim().split("\\s+")) {
        if (other.isEmpty()) {
          continue;
        }
        String from = after ? other : unit;
        String to = after ? unit : other;
        g.computeIfAbsent(from, k -> new java.util.HashSet<>()).add(to);
      }
    }
  }

  private static boolean runsBefore(Map<String, java.util.Set<String>> g, String from,
      String to) {
    java.util.Deque<String> todo = new java.util.ArrayDeque<>(List.of(from));
    java.util.Set<String> seen = new java.util.HashSet<>();
    while (!todo.isEmpty()) {
      String u = todo.pop();
      for (String v : g.getOrDefault(u, java.util.Set.of())) {
        if (v.equals(to)) {
          return true;
        }
        if (seen.add(v)) {
          todo.push(v);
        }
      }
    }
    return false;
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
