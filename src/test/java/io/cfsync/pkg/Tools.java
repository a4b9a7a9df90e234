package io.cfsync.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Running a host tool from a packaging test, and the CI rule for a missing one. */
final class Tools {

  record Run(int code, String out) {}

  private Tools() {}

  static Optional<Path> which(String tool) {
    for (String d : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
      Path p = Path.of(d, tool);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Skips without the tool, except under CI=true, where .ci/run installs it: fail there. */
  static Path require(String tool, String debianPackage) {
    Optional<Path> p = which(tool);
    if (p.isEmpty() && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException(tool + " is missing but CI=true forbids skipping: "
          + "install the " + debianPackage + " package in .ci/run");
    }
    Assumptions.assumeTrue(p.isPresent(), tool + " not installed (package " + debianPackage + ")");
    return p.get();
  }

  static Run run(Map<String, String> env, String... argv) throws IOException,
      InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(env);
    pb.environment().put("LC_ALL", "C");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("%s finished", argv[0]).isTrue();
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  static Run run(String... argv) throws IOException, InterruptedException {
    return run(Map.of(), argv);
  }

  /**
   * The classes of a class-data-sharing archive's dynamic part, as {@code java} itself lists
   * them (one line each, {@code "  12: io.cfsync.sync.Sync app_loader"}), with the launcher's
   * flags; fails when the JVM refuses the archive.
   */
  static String archivedClasses(String java, Path jar, Path archive) throws IOException,
      InterruptedException {
    Run r = run(java, "-XX:SharedArchiveFile=" + archive, "-Xshare:on",
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
        "-XX:+PrintSharedArchiveAndExit", "-cp", jar.toString());
    assertThat(r.code()).as(r.out()).isZero();
    int dynamic = r.out().indexOf("Dynamic archive name");
    assertThat(dynamic).as(r.out()).isNotNegative();
    return r.out().substring(dynamic);
  }
}
