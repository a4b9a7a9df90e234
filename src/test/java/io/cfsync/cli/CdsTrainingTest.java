package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.source.Limits;
import io.cfsync.source.Syntax;
import io.cfsync.source.Validator;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The list the training serves first must be a valid list one prefix away from the snapshot. */
class CdsTrainingTest {

  private static final Set<Family> V4 = Set.of(Family.V4);

  @Test
  void previousListIsValidAndOnePrefixOutForAnotherFromTheSnapshot() throws Exception {
    String now;
    try (var in = CdsTraining.class.getResourceAsStream("/io/cfsync/source/builtin/ips-v4.txt")) {
      now = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
    String before = CdsTraining.previous(now);
    // What the training's apply validates: a remote body, checked as a download would be.
    List<Prefix> was = Validator.parse("training", before, Syntax.REMOTE, V4, V4, Limits.DEFAULT);
    List<Prefix> is = Validator.parse("snapshot", now, Syntax.REMOTE, V4, V4, Limits.DEFAULT);
    Validator.checkCounts("training", was, V4, Limits.DEFAULT);

    Set<Prefix> added = new HashSet<>(is);
    added.removeAll(was);
    Set<Prefix> removed = new HashSet<>(was);
    removed.removeAll(is);
    assertThat(added).hasSize(1);
    assertThat(removed).hasSize(1);
    Prefix gone = removed.iterator().next();
    for (Prefix p : is) {
      assertThat(gone.overlaps(p)).as("%s overlaps the snapshot's %s", gone, p).isFalse();
    }
    assertThat(gone.length()).isEqualTo(added.iterator().next().length());
  }

  @Test
  void previousSwapsTheLastLineForTheNextBlockOfItsSize() {
    assertThat(CdsTraining.previous("173.245.48.0/20\n131.0.72.0/22\n"))
        .isEqualTo("173.245.48.0/20\n131.0.76.0/22\n");
    assertThat(CdsTraining.previous("2400:cb00::/32\n2c0f:f248::/32\n\n"))
        .isEqualTo("2400:cb00::/32\n2c0f:f249::/32\n");
  }
}
