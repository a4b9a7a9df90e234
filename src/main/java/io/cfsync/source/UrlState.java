package io.cfsync.source;

import com.google.common.collect.ImmutableList;
import io.cfsync.model.Prefix;
import java.util.Optional;

/** What one URL last gave: its validators for a conditional GET and the prefixes it held. */
public record UrlState(String url, Optional<String> etag, Optional<String> lastModified,
    ImmutableList<Prefix> prefixes) {

  public UrlState {
    prefixes = ImmutableList.copyOf(prefixes);
  }

  HttpFetcher.Conditional conditional() {
    return new HttpFetcher.Conditional(etag, lastModified);
  }
}
