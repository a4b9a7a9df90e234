package io.cfsync.sync;

/** Where a source's list came from in this run. */
public enum Origin {
  /** Downloaded and validated now. */
  FRESH(false),
  /** The server answered 304: the cached list is current. */
  NOT_MODIFIED(false),
  /** The last-known-good copy was younger than {@code --max-age}: current, not asked for. */
  CACHED(false),
  /** A local source (file, built-in snapshot) read now. */
  LOCAL(false),
  /** The source was unavailable: the last-known-good cache stood in (add-only). */
  CACHE(true),
  /** The source was unavailable and nothing was cached: the built-in snapshot (add-only). */
  BUILTIN(true);

  private final boolean fallback;

  Origin(boolean fallback) {
    this.fallback = fallback;
  }

  public boolean fallback() {
    return fallback;
  }

  public String word() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
