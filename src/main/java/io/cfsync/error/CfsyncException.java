package io.cfsync.error;

/**
 * A failure with a meaning for the operator: its message is one line naming what, where and
 * why, and ideally the fix; {@link #exitCode()} is the contract's exit code.
 */
public abstract sealed class CfsyncException extends RuntimeException
    permits SourceRejected, SourceUnavailable, SafetyRefusal, BackendFailure, UsageError {

  private static final long serialVersionUID = 1L;

  protected CfsyncException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The process exit code this failure maps to (see design.md, "Exit codes"). */
  public abstract int exitCode();
}
