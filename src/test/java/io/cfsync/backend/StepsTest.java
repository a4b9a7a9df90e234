package io.cfsync.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.model.Diff;
import io.cfsync.model.PrefixSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The compensation order; the live tests show it against the real tools. */
class StepsTest {

  /** Runs nothing; fails the commands whose first argument is in {@code failing}. */
  static final class Scripted implements ProcessRunner {
    final List<String> ran = new ArrayList<>();
    final List<String> failing;

    Scripted(String... failing) {
      this.failing = List.of(failing);
    }

    @Override
    public Result run(Command c) {
      ran.add(c.argv().get(0));
      return failing.contains(c.argv().get(0))
          ? new Result(1, "", c.argv().get(0) + ": line 2 failed: No chain/target/match by "
              + "that name.\n")
          : new Result(0, "", "");
    }
  }

  static Plan plan(int n) {
    ImmutableList.Builder<Command> cmds = ImmutableList.builder();
    ImmutableList.Builder<Command> undo = ImmutableList.builder();
    for (int i = 0; i < n; i++) {
      cmds.add(Command.of("do" + i).withStdin("*filter\n-I DOCKER-USER 1 -j X\nCOMMIT\n"));
    }
    for (int i = n - 1; i >= 0; i--) {
      undo.add(Command.of("undo" + i));
    }
    return new Plan("t", Diff.between(PrefixSet.empty(), PrefixSet.empty()), cmds.build(),
        undo.build(), ImmutableList.of());
  }

  @Test
  void aFailureRollsBackExactlyTheStepsBeforeItNewestFirst() {
    Scripted run = new Scripted("do2");
    assertThatThrownBy(() -> Steps.apply(plan(4), run, (c, f) -> Optional.of("the fix")))
        .isInstanceOf(BackendFailure.class)
        .hasMessage("do2 exited 1 at line 2 (-I DOCKER-USER 1 -j X): line 2 failed: No "
            + "chain/target/match by that name.; the fix; rolled back the 2 change(s) before "
            + "it, the firewall is as it was");
    assertThat(run.ran).containsExactly("do0", "do1", "do2", "undo1", "undo0");
  }

  @Test
  void aFirstStepFailureChangedNothingAndUndoesNothing() {
    Scripted run = new Scripted("do0");
    assertThatThrownBy(() -> Steps.apply(plan(3), run, (c, f) -> Optional.empty()))
        .hasMessageEndingWith("; nothing was changed");
    assertThat(run.ran).containsExactly("do0");
  }

  @Test
  void saysSoWhenTheRollbackFailsToo() {
    Scripted run = new Scripted("do2", "undo0");
    assertThatThrownBy(() -> Steps.apply(plan(3), run, (c, f) -> Optional.empty()))
        .hasMessageContaining("rolling back the 2 change(s) before it failed too")
        .hasMessageEndingWith("the next run converges");
    assertThat(run.ran).containsExactly("do0", "do1", "do2", "undo1", "undo0");
  }

  @Test
  void allStepsSucceedingRunsNoUndo() {
    Scripted run = new Scripted();
    Steps.apply(plan(3), run, (c, f) -> Optional.empty());
    assertThat(run.ran).containsExactly("do0", "do1", "do2");
  }
}
