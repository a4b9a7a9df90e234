package io.cfsync.sync;

import com.google.common.collect.ImmutableList;
import io.cfsync.model.Prefix;
import java.time.Instant;
import java.util.Optional;

/**
 * One source's part in a run: its validated prefixes, where they came from, their version
 * (etag) and age, and, on a fallback, why the source itself could not be used.
 */
public record SourceOutcome(String source, Origin origin, ImmutableList<Prefix> prefixes,
    Optional<String> etag, Optional<Instant> fetchedAt, String sha256,
    Optional<String> snapshotDate, Optional<String> failure) {

  public SourceOutcome {
    prefixes = ImmutableList.copyOf(prefixes);
  }
}
