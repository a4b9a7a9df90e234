package io.cfsync.source;

import com.google.common.collect.ImmutableSet;
import io.cfsync.model.Family;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What a source needs to fetch: the families asked for, the limits, the HTTP client (built
 * lazily: a run from files or the snapshot never loads okhttp) and the last state of each URL
 * for conditional requests.
 */
public record FetchContext(ImmutableSet<Family> families, Limits limits,
    Supplier<HttpFetcher> http, Function<String, Optional<UrlState>> previous) {

  public FetchContext(Set<Family> families, Limits limits, Supplier<HttpFetcher> http,
      Function<String, Optional<UrlState>> previous) {
    this(ImmutableSet.copyOf(families), limits, http, previous);
  }
}
