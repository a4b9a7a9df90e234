package io.cfsync.error;

/** The contract's exit codes (design.md). */
public final class ExitCode {
  /** Done, or in sync. */
  public static final int OK = 0;
  /** An error; nothing was half-applied. */
  public static final int ERROR = 1;
  /** Changes pending or drift found ({@code check}, {@code plan --detailed-exitcode}). */
  public static final int DRIFT = 2;
  /** Refused by a safety check; the firewall is untouched. */
  public static final int REFUSED = 3;
  /** Usage error (sysexits.h EX_USAGE). */
  public static final int USAGE = 64;

  private ExitCode() {}
}
