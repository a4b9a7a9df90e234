package io.cfsync.doctor;

/** The throw-away namespace could not be built; the firewall check says so instead of judging. */
final class LabException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  LabException(String message) {
    super(message);
  }

  LabException(String message, Throwable cause) {
    super(message, cause);
  }
}
