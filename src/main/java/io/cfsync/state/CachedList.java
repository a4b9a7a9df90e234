package io.cfsync.state;

import com.google.common.collect.ImmutableList;
import io.cfsync.model.Prefix;
import io.cfsync.source.UrlState;
import java.time.Instant;
import java.util.Optional;

/** A last-known-good list as cached: what was validated, when, and how to ask again. */
public record CachedList(String source, Instant fetchedAt, String sha256, Optional<String> etag,
    ImmutableList<UrlState> urls, ImmutableList<Prefix> prefixes) {

  public CachedList {
    urls = ImmutableList.copyOf(urls);
    prefixes = ImmutableList.copyOf(prefixes);
  }
}
