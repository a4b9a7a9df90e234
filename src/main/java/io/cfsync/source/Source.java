package io.cfsync.source;

/**
 * One place a list comes from. {@link #fetch} returns a validated list or throws
 * {@link io.cfsync.error.SourceRejected} (bad content) or
 * {@link io.cfsync.error.SourceUnavailable} (no content).
 */
public interface Source {

  /** The spec as the operator wrote it: {@code cloudflare}, {@code file:/etc/cf.txt}. */
  String name();

  /**
   * Whether this source goes to the network. Remote sources are skipped by {@code --offline},
   * and the built-in snapshot of Cloudflare's lists may stand in for them when they are
   * unavailable and nothing is cached; local ones (files, the snapshot) are always read.
   */
  boolean remote();

  Fetched fetch(FetchContext ctx);
}
