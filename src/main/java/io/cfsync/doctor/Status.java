package io.cfsync.doctor;

/**
 * How one check came out. {@code FAIL}: a cause of 521/522 now. {@code WARN}: a risk, or
 * something doctor could not check (no systemd, not root); a WARN alone exits 0 unless
 * {@code --strict}.
 */
public enum Status {
  OK,
  WARN,
  FAIL;

  /** The worse of two statuses. */
  public Status and(Status o) {
    return compareTo(o) >= 0 ? this : o;
  }
}
