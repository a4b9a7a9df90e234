package io.cfsync.watch;

/**
 * A burst of changes causes one check: the check is due once no change came for
 * {@code quiet}, or at the latest {@code max} after the burst's first change (a host that
 * changes its ruleset every few milliseconds still gets checked). Times are nanoTime values.
 */
final class Debouncer {

  private final long quiet;
  private final long max;
  private boolean pending;
  private long first;
  private long last;

  Debouncer(long quietNanos, long maxNanos) {
    this.quiet = quietNanos;
    this.max = maxNanos;
  }

  void event(long now) {
    if (!pending) {
      pending = true;
      first = now;
    }
    last = now;
  }

  boolean pending() {
    return pending;
  }

  /** When the check is due; only meaningful while {@link #pending()}. */
  long due() {
    return Math.min(last + quiet, first + max);
  }

  boolean isDue(long now) {
    return pending && now - due() >= 0;
  }

  void clear() {
    pending = false;
  }
}
