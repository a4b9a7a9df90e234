package io.cfsync.error;

/** A firewall tool or a state file failed: exit 1, nothing half-applied. */
public final class BackendFailure extends CfsyncException {
  private static final long serialVersionUID = 1L;

  public BackendFailure(String message) {
    super(message, null);
  }

  public BackendFailure(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int exitCode() {
    return ExitCode.ERROR;
  }
}
