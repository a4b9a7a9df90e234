package io.cfsync.backend.nftables;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Byte-for-byte comparison with src/test/resources/golden/nftables/NAME. Regenerate on
 * purpose only, with {@code -Dgolden.update=true}, and review the diff.
 */
final class Golden {

  private static final Path DIR = Path.of("src", "test", "resources", "golden", "nftables");

  private Golden() {}

  static void assertMatches(String name, String actual) {
    Path file = DIR.resolve(name);
    try {
      if (Boolean.getBoolean("golden.update")) {
        Files.createDirectories(DIR);
        Files.writeString(file, actual, StandardCharsets.UTF_8);
      }
      assertThat(file).as("golden file %s (regenerate with -Dgolden.update=true)", file)
          .exists();
      assertThat(actual).as("golden %s", name)
          .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
