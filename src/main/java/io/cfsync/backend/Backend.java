package io.cfsync.backend;

import io.cfsync.exec.ProcessRunner;

/**
 * One firewall tool. Read only what cfsync owns; plan purely; apply as one transaction per
 * tool. Verification is generic ({@code plan(read(), want).isEmpty()} after apply), and so
 * is undo (the plan's {@code undo} commands).
 */
public interface Backend {

  /** The {@code --backend} key: {@code nftables}, {@code iptables}, {@code ipset}, {@code ufw}. */
  String name();

  /** The policy used when {@code --policy} is not given. */
  Policy defaultPolicy();

  /** Reads the state cfsync owns, through the real runner (reads always run for real). */
  Installed read(ProcessRunner run);

  /**
   * Reads the state cfsync owns as {@code want} names it: a backend whose ownership hangs on
   * a configurable name (UFW's comment tag; nftables' table, set names and --nft-table) needs
   * it to find its objects and tell them from the operator's, also for
   * {@link Installed#prefixes()} on an add-only run. Others keep the default.
   */
  default Installed read(ProcessRunner run, Desired want) {
    return read(run);
  }

  /** Computes the change from {@code now} to {@code want}; pure, no I/O. */
  Plan plan(Installed now, Desired want);

  /**
   * Runs the plan's commands in order through {@code run} (real, or recording for plan and
   * dry-run). Throws {@link io.cfsync.error.BackendFailure} on the first failing command; the
   * caller then runs the undo commands.
   */
  default void apply(Plan plan, ProcessRunner run) {
    for (var c : plan.commands()) {
      run.check(c);
    }
  }

  /**
   * True when {@link #apply} of this plan, with a real runner, itself read back everything the
   * plan changed and proved it is the plan's end state before returning (it throws otherwise,
   * having put the old state back). The caller then skips its own re-read and re-plan, which
   * would read the same state a second time.
   */
  default boolean verifiesApply(Plan plan) {
    return false;
  }

  /**
   * True when {@link #apply} itself restores the state read before if one of its commands
   * fails part-way (it alone knows which ones ran). The caller then runs {@code plan.undo()}
   * only when verification fails, that is after every command ran.
   */
  default boolean undoesFailedApply() {
    return false;
  }
}
