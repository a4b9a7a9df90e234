package io.cfsync.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.live.Live;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The .deb really installs on this machine (dpkg -i), works, and removes and purges without
 * a trace. Installing a package is no firewall change; the test never enables or starts the
 * timer, and checks that the package did not either. Runs after {@code package} (failsafe),
 * as root; under CI=true a missing dpkg or root fails instead of skipping.
 */
@Live(tools = {"dpkg", "java"})
class DebPackageIT {

  private static final List<Path> INSTALLED = List.of(
      Path.of("/usr/bin/cfsync"),
      Path.of("/usr/share/cfsync/cfsync.jar"),
      Path.of("/usr/share/cfsync/make-cds-archive"),
      Path.of("/lib/systemd/system/cfsync.service"),
      Path.of("/lib/systemd/system/cfsync.timer"),
      Path.of("/lib/systemd/system/cfsync-watch.service"),
      Path.of("/lib/systemd/system/cfsync-boot.service"),
      Path.of("/etc/cfsync/cfsync.conf"),
      Path.of("/usr/share/doc/cfsync/cfsync.conf.example"),
      Path.of("/usr/share/man/man1/cfsync.1.gz"),
      Path.of("/usr/share/bash-completion/completions/cfsync"));

  @Test
  void installsRunsRemovesAndPurgesCleanly() throws Exception {
    Path deb = Path.of(System.getProperty("cfsync.deb", "target/cfsync_0.1.0_all.deb"));
    assertThat(deb).exists();
    Tools.Run before = Tools.run("dpkg-query", "-W", "-f=${Status}", "cfsync");
    assertThat(before.out()).as("cfsync must not be installed before this test (it would "
        + "remove it)").doesNotContain("install ok installed");

    Path state = Files.createTempDirectory("cfsync-deb-state");
    // Another run on this machine may have made it (apply as root): only creation counts.
    boolean hadStateDir = Files.exists(Path.of("/var/lib/cfsync"));
    try {
      Tools.Run install = Tools.run("dpkg", "-i", deb.toString());
      assertThat(install.code()).as(install.out()).isZero();
      for (Path p : INSTALLED) {
        assertThat(p).exists();
      }
      assertThat(Tools.run("dpkg-query", "-W", "-f=${Conffiles}", "cfsync").out())
          .contains("/etc/cfsync/cfsync.conf");
      // postinst made the start-up archive; -Xshare:on turns an unusable one into an error.
      assertThat(Path.of("/var/cache/cfsync/cfsync.jsa")).exists();
      Tools.Run version = Tools.run(Map.of("CFSYNC_JAVA_OPTS", "-Xshare:on"), "/usr/bin/cfsync",
          "--version");
      assertThat(version.code()).as(version.out()).isZero();
      assertThat(version.out()).startsWith("cfsync " + System.getProperty("cfsync.version",
          "0.1.0"));

      // Its training applied, changed and no-op'd in a network namespace of its own, so the
      // timer's apply and its download are in the archive, not only the fetch; where UFW is
      // installed (here) it did so through UFW and nftables in a UFW box (CdsArchiveUfwIT).
      String java = System.getenv("JAVA_HOME") == null ? "java"
          : Path.of(System.getenv("JAVA_HOME"), "bin", "java").toString();
      String archived = Tools.archivedClasses(java, Path.of("/usr/share/cfsync/cfsync.jar"),
          Path.of("/var/cache/cfsync/cfsync.jsa"));
      assertThat(archived).contains("io.cfsync.sync.Sync ", "io.cfsync.cli.ApplyCommand ",
          "io.cfsync.source.HttpFetcher ");
      if (Tools.which("ufw").isPresent()) {
        assertThat(archived).contains("io.cfsync.backend.ufw.FileDiff ");
      }
      if (Tools.which("nft").isPresent()) {
        assertThat(archived).contains("io.cfsync.backend.nftables.NftState ");
      }

      // Installing or upgrading UFW (or a JVM) rebuilds the archive: dpkg's file triggers.
      java.nio.file.attribute.FileTime made =
          Files.getLastModifiedTime(Path.of("/var/cache/cfsync/cfsync.jsa"));
      for (String path : List.of("/usr/sbin/ufw", "/usr/lib/jvm")) {
        Tools.Run trigger = Tools.run("dpkg-trigger", "--no-await", path);
        assertThat(trigger.code()).as(trigger.out()).isZero();
        Tools.Run pending = Tools.run("dpkg", "--triggers-only", "cfsync");
        assertThat(pending.code()).as(pending.out()).isZero();
        java.nio.file.attribute.FileTime remade =
            Files.getLastModifiedTime(Path.of("/var/cache/cfsync/cfsync.jsa"));
        assertThat(remade).as("archive rebuilt on the trigger " + path).isGreaterThan(made);
        made = remade;
      }

      Tools.Run fetch = Tools.run(Map.of("CFSYNC_JAVA_OPTS", "-Xshare:on"), "/usr/bin/cfsync",
          "fetch", "--source", "builtin", "--state-dir", state.toString());
      assertThat(fetch.code()).as(fetch.out()).isZero();
      assertThat(fetch.out()).contains("173.245.48.0/20", "2606:4700::/32");
      // The installed config is all comments: it changes no default and names no unknown key.
      assertThat(fetch.out()).doesNotContain("unknown key");

      // Nothing was enabled or started on install.
      assertThat(Path.of("/etc/systemd/system/timers.target.wants/cfsync.timer")).doesNotExist();
      assertThat(Files.exists(Path.of("/var/lib/cfsync"))).as("install made /var/lib/cfsync")
          .isEqualTo(hadStateDir);

      Tools.Run man = Tools.run("man", "-w", "cfsync");
      assertThat(man.out().strip()).isEqualTo("/usr/share/man/man1/cfsync.1.gz");
    } finally {
      Tools.Run remove = Tools.run("dpkg", "-r", "cfsync");
      Tools.Run purge = Tools.run("dpkg", "-P", "cfsync");
      deleteTree(state);
      assertThat(remove.code()).as(remove.out()).isZero();
      assertThat(purge.code()).as(purge.out()).isZero();
    }
    for (Path p : INSTALLED) {
      assertThat(p).doesNotExist();
    }
    assertThat(Path.of("/etc/cfsync")).doesNotExist();
    assertThat(Path.of("/var/cache/cfsync")).doesNotExist();
    assertThat(Path.of("/usr/share/cfsync")).doesNotExist();
    assertThat(Tools.run("dpkg-query", "-W", "-f=${Status}", "cfsync").out())
        .doesNotContain("installed");
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
