package io.cfsync.backend.ufw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfsync.error.BackendFailure;
import io.cfsync.model.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FileDiffTest {

  @Test
  void appliesWhatItCreatesForRandomEditsOfARealFile() {
    List<String> base = new ArrayList<>(RulesFile.split(Fixtures.nutratech(Family.V4)));
    Random rnd = new Random(42);
    for (int round = 0; round < 300; round++) {
      List<String> edited = new ArrayList<>(base);
      int edits = 1 + rnd.nextInt(6);
      for (int e = 0; e < edits; e++) {
        int at = rnd.nextInt(edited.size() + 1);
        if (rnd.nextBoolean() && at < edited.size()) {
          edited.remove(at);
        } else {
          edited.add(at, "line " + rnd.nextInt(5) + "\n");
        }
      }
      String before = String.join("", base);
      String after = String.join("", edited);
      String diff = FileDiff.create("/etc/ufw/user.rules", before, after);
      assertThat(FileDiff.apply(FileDiff.parse(diff), before)).isEqualTo(after);
    }
  }

  @Test
  void keepsAMissingFinalNewlineMissing() {
    String before = "a\nb\nc";
    String after = "a\nB\nc";
    String diff = FileDiff.create("f", before, after);
    assertThat(diff).contains("\\ No newline at end of file");
    assertThat(FileDiff.apply(FileDiff.parse(diff), before)).isEqualTo(after);
  }

  @Test
  void writesHunkHeadersAsDiffDoes() {
    String before = "1\n2\n3\n4\n5\n6\n7\n8\n";
    String diff = FileDiff.create("f", before, "1\n2\n3\n4\nX\n5\n6\n7\n8\n");
    assertThat(diff).contains("@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+X\n 5\n 6\n 7\n");
    assertThat(FileDiff.create("f", "", "a\n")).contains("@@ -0,0 +1 @@\n+a\n");
    assertThat(FileDiff.create("f", before, before)).isEmpty();
  }

  @Test
  void refusesAFileThatChangedSinceThePlan() {
    String diff = FileDiff.create("/etc/ufw/user.rules", "a\nb\n", "a\nc\n");
    assertThatThrownBy(() -> FileDiff.apply(FileDiff.parse(diff), "a\nb\nextra\n"))
        .isInstanceOf(BackendFailure.class)
        .hasMessageContaining("changed since cfsync read it");
  }

  @Test
  void refusesADiffWhoseResultIsNotThePlannedFile() {
    String diff = FileDiff.create("f", "a\nb\n", "a\nc\n").replace("+c", "+d");
    assertThatThrownBy(() -> FileDiff.apply(FileDiff.parse(diff), "a\nb\n"))
        .isInstanceOf(BackendFailure.class).hasMessageContaining("not the planned file");
  }
}
