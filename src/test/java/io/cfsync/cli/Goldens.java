package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under src/test/resources/golden, compared byte for byte. To regenerate on
 * purpose: {@code CFSYNC_GOLDEN_UPDATE=1 ./mvnw -q -B test -Dtest=...}, then review the diff.
 */
final class Goldens {

  private static final Path ROOT = Path.of("src", "test", "resources", "golden");

  private Goldens() {}

  /** Replaces what changes from run to run: instants and loopback ports. */
  static String normalise(String s) {
    return s.replaceAll("\"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z\"", "\"<instant>\"")
        .replaceAll("(127\\.0\\.0\\.1|localhost):\\d+", "$1:<port>");
  }

  static void assertMatches(String name, String actual) {
    Path file = ROOT.resolve(name);
    try {
      if ("1".equals(System.getenv("CFSYNC_GOLDEN_UPDATE"))) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual, StandardCharsets.UTF_8);
      }
      assertThat(file).as("golden %s (CFSYNC_GOLDEN_UPDATE=1 writes it)", file).exists();
      assertThat(actual).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
