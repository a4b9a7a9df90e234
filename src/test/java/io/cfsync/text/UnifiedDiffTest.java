package io.cfsync.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The diff render --check prints: exact on a small case, and patch(1) agrees on many. */
class UnifiedDiffTest {

  @TempDir
  Path tmp;

  @Test
  void smallChangeGivesTheHunkDiffWouldGive() {
    String a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    String b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
    assertThat(UnifiedDiff.diff("f", "f", a, b)).isEqualTo(
        "--- f\n+++ f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
  }

  @Test
  void missingFinalNewlineIsMarked() {
    assertThat(UnifiedDiff.diff("f", "f", "a\nb", "a\nc")).isEqualTo(
        "--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n"
            + "\\ No newline at end of file\n");
  }

  @Test
  void equalTextsGiveNothing() {
    assertThat(UnifiedDiff.diff("f", "f", "a\r\n", "a\r\n")).isEmpty();
  }

  @Test
  void patchReproducesTheNewTextForRandomEdits() throws IOException, InterruptedException {
    Random rnd = new Random(7);
    for (int round = 0; round < 40; round++) {
      List<String> a = new ArrayList<>();
      for (int i = 0; i < 5 + rnd.nextInt(60); i++) {
        a.add("line " + rnd.nextInt(12) + (rnd.nextInt(9) == 0 ? "\r\n" : "\n"));
      }
      List<String> b = new ArrayList<>(a);
      for (int e = 0; e < 1 + rnd.nextInt(8); e++) {
        int at = b.isEmpty() ? 0 : rnd.nextInt(b.size());
        switch (rnd.nextInt(3)) {
          case 0 -> b.add(at, "new " + rnd.nextInt(1000) + "\n");
          case 1 -> {
            if (!b.isEmpty()) {
              b.remove(at);
            }
          }
          default -> {
            if (!b.isEmpty()) {
              b.set(at, "changed " + rnd.nextInt(1000) + "\n");
            }
          }
        }
      }
      String as = String.join("", a);
      String bs = String.join("", b);
      Path f = tmp.resolve("f" + round);
      Files.writeString(f, as, StandardCharsets.ISO_8859_1);
      String d = UnifiedDiff.diff("f", "f", as, bs);
      Path p = tmp.resolve("d" + round);
      Files.writeString(p, d, StandardCharsets.ISO_8859_1);
      Process proc = new ProcessBuilder("patch", "-s", "--binary", f.toString(), "-i",
          p.toString()).redirectErrorStream(true).start();
      String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(proc.waitFor()).as("round %s: %s\n%s", round, out, d).isZero();
      assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as("round %s", round)
          .isEqualTo(bs);
    }
  }
}
