package io.cfsync.exec;

import io.cfsync.error.BackendFailure;

/**
 * Starts processes. Backends read through the real runner always, and send mutations to the
 * runner the command was given: real for {@code apply}, recording for {@code plan}.
 */
public interface ProcessRunner {

  /** Runs {@code c} to completion (or its timeout) and returns how it ended. */
  Result run(Command c);

  /** True when mutations are only recorded (plan, dry-run): verification must not expect them. */
  default boolean recording() {
    return false;
  }

  /**
   * A line of explanation for the transcript (a rule-file diff's purpose, the equivalent
   * commands by hand). Printed as a {@code #} comment by a recording runner; a real runner
   * has nothing to show it to.
   */
  default void note(String text) {}

  /** Runs {@code c} and throws a {@link BackendFailure} naming tool, rc and stderr unless rc 0. */
  default Result check(Command c) {
    Result r = run(c);
    if (!r.ok()) {
      throw failure(c, r);
    }
    return r;
  }

  static BackendFailure failure(Command c, Result r) {
    return new BackendFailure(c.tool() + " exited " + r.exitCode() + ": " + r.firstErrorLine());
  }
}
