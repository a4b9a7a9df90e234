package io.cfsync.source;

import com.google.common.collect.ImmutableList;
import io.cfsync.model.Prefix;
import java.util.Optional;

/**
 * A validated list from one source. {@code urls} holds per-URL validators for the next
 * conditional GET; {@code etag} is the list's own version tag where the source has one
 * (the API's {@code result.etag}, or the HTTP ETag of a single-URL source).
 */
public record Fetched(String source, ImmutableList<Prefix> prefixes, ImmutableList<UrlState> urls,
    Optional<String> etag, boolean notModified, Optional<String> snapshotDate) {

  public Fetched {
    prefixes = ImmutableList.copyOf(prefixes);
    urls = ImmutableList.copyOf(urls);
  }
}
