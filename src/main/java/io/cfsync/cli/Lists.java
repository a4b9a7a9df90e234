package io.cfsync.cli;

import io.cfsync.source.HttpFetcher;
import io.cfsync.source.Limits;
import io.cfsync.state.ListCache;
import io.cfsync.sync.ListResolver;
import io.cfsync.sync.Log;
import io.cfsync.sync.Resolution;
import java.time.Clock;
import java.util.function.Supplier;

/** Resolving the lists from {@link ListOptions}: the first step of every list command. */
final class Lists {

  private Lists() {}

  static Resolution resolve(ListOptions o, Log log) {
    return resolve(o, log, o.offline);
  }

  /** The same, offline (cache or snapshot, add-only) when {@code offline}. */
  static Resolution resolve(ListOptions o, Log log, boolean offline) {
    ListCache cache = new ListCache(o.stateDir());
    ListResolver resolver = new ListResolver(cache, new Http(o), Clock.systemUTC(), log);
    if (o.maxAge != null && !offline) {
      return CacheFreshness.resolve(cache, resolver, o.sources(), o.families(), o.limits(),
          o.maxAge, Clock.systemUTC(), log);
    }
    return resolver.resolve(o.sources(), o.families(), o.limits(), offline);
  }

  /** Builds the HTTP client from the options when a source first needs it. */
  private static final class Http implements Supplier<HttpFetcher> {
    private final ListOptions o;

    Http(ListOptions o) {
      this.o = o;
    }

    @Override
    public HttpFetcher get() {
      return HttpFetcher.create(o.httpTimeout, Limits.DEFAULT.maxBodyBytes(),
          "cfsync/" + Version.get());
    }
  }

  static String describe(Resolution r) {
    StringBuilder sb = new StringBuilder();
    for (var o : r.outcomes()) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(o.source()).append(" (").append(o.origin().word()).append(')');
    }
    return sb.toString();
  }
}
