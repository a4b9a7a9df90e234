package io.cfsync.error;

/** A safety check refused the change (removal guard, fallback, conflict): exit 3, untouched. */
public final class SafetyRefusal extends CfsyncException {
  private static final long serialVersionUID = 1L;

  public SafetyRefusal(String message) {
    super(message, null);
  }

  @Override
  public int exitCode() {
    return ExitCode.REFUSED;
  }
}
