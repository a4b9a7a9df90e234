package io.cfsync.error;

/** The command line or the config file asks for something impossible: exit 64 (EX_USAGE). */
public final class UsageError extends CfsyncException {
  private static final long serialVersionUID = 1L;

  public UsageError(String message) {
    super(message, null);
  }

  @Override
  public int exitCode() {
    return ExitCode.USAGE;
  }
}
