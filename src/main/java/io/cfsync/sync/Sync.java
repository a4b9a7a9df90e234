package io.cfsync.sync;

import io.cfsync.backend.Backend;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Installed;
import io.cfsync.backend.Plan;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.model.PrefixSet;

/**
 * Plans and applies one backend's change with the guards around it. Reads go through the
 * real runner; mutations through the runner given (recording for plan and dry-run).
 */
public final class Sync {

  private final Backend backend;
  private final ProcessRunner reader;
  private final Log log;

  public Sync(Backend backend, ProcessRunner reader, Log log) {
    this.backend = backend;
    this.reader = reader;
    this.log = log;
  }

  /** What the run will converge to, and the plan to get there. */
  public record Prepared(Installed before, Desired effective, Plan plan) {}

  /**
   * Reads the live state and plans. On an add-only run (a fallback list) the effective
   * desired set is the fallback list plus everything already installed, so nothing is ever
   * removed; otherwise the removal guard applies.
   */
  public Prepared prepare(Desired want, boolean addOnly, double maxRemoval, boolean force) {
    Installed now = backend.read(reader, want);
    Desired effective = want;
    if (addOnly) {
      PrefixSet keep = PrefixSet.empty();
      for (var f : want.families()) {
        keep = keep.union(now.prefixes().only(f));
      }
      effective = want.withPrefixes(want.prefixes().union(keep));
    }
    Plan plan = backend.plan(now, effective);
    if (!addOnly) {
      Guard.checkRemoval(plan, maxRemoval, force);
    }
    for (String note : plan.notes()) {
      log.warn(note);
    }
    return new Prepared(now, effective, plan);
  }

  /**
   * Applies a prepared plan through {@code run}. With the real runner: re-reads and re-plans
   * afterwards (unless the backend's apply proved its end state itself, see
   * {@link Backend#verifiesApply}); anything left to do means the tool did not do what it
   * said, so the undo commands restore the state read before and the run fails. A no-op plan
   * runs nothing.
   */
  public void apply(Prepared p, ProcessRunner run) {
    if (p.plan().isEmpty()) {
      return;
    }
    try {
      backend.apply(p.plan(), run);
    } catch (BackendFailure e) {
      if (!run.recording() && !backend.undoesFailedApply()) {
        undo(p.plan(), run);
      }
      throw e;
    }
    if (run.recording() || backend.verifiesApply(p.plan())) {
      return;
    }
    Plan left = backend.plan(backend.read(reader, p.effective()), p.effective());
    if (!left.isEmpty()) {
      undo(p.plan(), run);
      throw new BackendFailure(backend.name() + ": the firewall does not hold what was just "
          + "applied (still " + left.commands().size() + " change(s) pending); restored the "
          + "previous state; run with -v and report it");
    }
  }

  private void undo(Plan plan, ProcessRunner run) {
    for (Command c : plan.undo()) {
      Result r = run.run(c);
      if (!r.ok()) {
        log.warn("undo step failed: " + c.tool() + " exited " + r.exitCode() + ": "
            + r.firstErrorLine() + "; the next run will converge");
        return;
      }
    }
    if (!plan.undo().isEmpty()) {
      log.warn(backend.name() + ": rolled back to the state before this run");
    }
  }
}
