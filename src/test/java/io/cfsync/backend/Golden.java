package io.cfsync.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.exec.Transcript;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Byte-for-byte comparison with {@code src/test/resources/golden/<area>/<case>.txt}. Run with
 * {@code -Dgolden.update=true} to rewrite them on purpose, then review the diff.
 */
public final class Golden {

  private Golden() {}

  /** A plan as an operator would read it: the commands, then the undo, then the notes. */
  public static String render(Plan p) {
    StringBuilder sb = new StringBuilder("# commands\n").append(Transcript.render(p.commands()))
        .append("# undo\n").append(Transcript.render(p.undo()));
    if (!p.notes().isEmpty()) {
      sb.append("# notes\n");
      p.notes().forEach(n -> sb.append(n).append('\n'));
    }
    return sb.toString();
  }

  public static void check(String area, String name, String actual) {
    Path file = Path.of("src", "test", "resources", "golden", area, name + ".txt");
    try {
      if (Boolean.getBoolean("golden.update")) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual, StandardCharsets.UTF_8);
        return;
      }
      assertThat(file).as("golden file %s (run with -Dgolden.update=true to create it)", file)
          .exists();
      assertThat(actual).as("golden %s", file)
          .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
