package io.cfsync.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import io.cfsync.exec.Command;
import io.cfsync.exec.Result;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import io.cfsync.live.UfwSandbox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The package's {@code make-cds-archive} on a host where UFW is enabled, played by a
 * {@link UfwSandbox}: the training goes through UFW and through nftables (apply, one-prefix
 * change, no-op each) in a UFW box of its own, so the archive holds the classes of the
 * timer's UFW run, and neither the "host" UFW's files nor its loaded chains change.
 * (DebPackageIT runs it on the CI host itself, where UFW is installed but not enabled.)
 */
@Live(tools = {"ufw", "iptables", "nft", "unshare", "nsenter", "java"})
class CdsArchiveUfwIT {

  private static final Path SCRIPT = Path.of("src/deb/share/make-cds-archive").toAbsolutePath();

  @TempDir
  Path tmp;

  @Test
  void trainsTheUfwPathInItsOwnBoxAndLeavesUfwAlone() throws Exception {
    Path jar = Path.of(System.getProperty("cfsync.jar", "target/cfsync.jar")).toAbsolutePath();
    assertThat(jar).exists();
    Path archive = tmp.resolve("cfsync.jsa");
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, tmp)) {
      ufw.baseline();
      String filesBefore = files(ufw);
      String chainsBefore = ufw.chains();

      List<String> argv = new ArrayList<>(List.of("env",
          "JAVA_HOME=" + System.getProperty("java.home"), "CFSYNC_JAR=" + jar, "sh",
          SCRIPT.toString(), archive.toString()));
      Result r = ufw.runner().run(Command.of(ImmutableList.copyOf(argv))
          .withTimeout(Duration.ofMinutes(5)));
      assertThat(r.exitCode()).as(r.stderr()).isZero();

      assertThat(files(ufw)).as("UFW's files after the training").isEqualTo(filesBefore);
      assertThat(ufw.chains()).as("UFW's loaded chains after the training")
          .isEqualTo(chainsBefore);
    }
    String classes = Tools.archivedClasses(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), jar, archive);
    assertThat(classes).as("the archive holds the UFW run, its change and the download")
        .contains("io.cfsync.backend.ufw.UfwBackend ", "io.cfsync.backend.ufw.FileDiff ",
            "io.cfsync.text.UnifiedDiff ", "io.cfsync.detect.Detector ",
            "io.cfsync.source.HttpFetcher ");
    assertThat(classes).as("and the nftables run").contains(
        "io.cfsync.backend.nftables.NftState ", "io.cfsync.backend.nftables.Listing ");
  }

  private static String files(UfwSandbox ufw) throws java.io.IOException {
    StringBuilder sb = new StringBuilder();
    for (String f : List.of("ufw.conf", "user.rules", "user6.rules")) {
      sb.append(Files.readString(ufw.etcUfw().resolve(f), StandardCharsets.ISO_8859_1));
    }
    return sb.toString();
  }
}
