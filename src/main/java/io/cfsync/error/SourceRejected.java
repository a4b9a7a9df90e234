package io.cfsync.error;

/** A source answered, but with something that is not a valid list: exit 3, firewall untouched. */
public final class SourceRejected extends CfsyncException {
  private static final long serialVersionUID = 1L;

  public SourceRejected(String message) {
    super(message, null);
  }

  @Override
  public int exitCode() {
    return ExitCode.REFUSED;
  }
}
