package io.cfsync.error;

/**
 * No answer could be had (DNS, connect, timeout, reset, 5xx after retries, unreadable file).
 * Callers fall back to the last-known-good cache and the built-in snapshot, add-only; this
 * escapes to the operator (exit 1) only when no fallback exists either.
 */
public final class SourceUnavailable extends CfsyncException {
  private static final long serialVersionUID = 1L;

  public SourceUnavailable(String message, Throwable cause) {
    super(message, cause);
  }

  public SourceUnavailable(String message) {
    super(message, null);
  }

  @Override
  public int exitCode() {
    return ExitCode.ERROR;
  }
}
