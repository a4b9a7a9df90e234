package io.cfsync.sync;

import com.google.common.collect.ImmutableList;
import io.cfsync.error.SourceUnavailable;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.source.BuiltinSource;
import io.cfsync.source.FetchContext;
import io.cfsync.source.Fetched;
import io.cfsync.source.HttpFetcher;
import io.cfsync.source.Limits;
import io.cfsync.source.Source;
import io.cfsync.source.UrlState;
import io.cfsync.state.CachedList;
import io.cfsync.state.ListCache;
import io.cfsync.model.Family;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Fetches every source, validates each on its own, caches what validated and falls back when
 * a source cannot be had: its own last-known-good cache first, then (for Cloudflare's lists)
 * the built-in snapshot. A rejected list ({@link io.cfsync.error.SourceRejected}) never falls
 * back: bad content means something is wrong and the run stops with exit 3.
 */
public final class ListResolver {

  private final ListCache cache;
  private final Supplier<HttpFetcher> http;
  private final Clock clock;
  private final Log log;
  private final Consumer<String> warn;

  public ListResolver(ListCache cache, Supplier<HttpFetcher> http, Clock clock, Log log) {
    this.cache = cache;
    this.http = new Once(http);
    this.clock = clock;
    this.log = log;
    // Classes rather than lambdas here and below: this is every timer run's path, where each
    // lambda costs about 0.2 ms to link (docs/benchmarks.md).
    this.warn = new Consumer<>() {
      @Override
      public void accept(String message) {
        log.warn(message);
      }
    };
  }

  /** The HTTP client, made on first use (a run from files never builds one), then kept. */
  private static final class Once implements Supplier<HttpFetcher> {
    private final Supplier<HttpFetcher> make;
    private HttpFetcher made;

    Once(Supplier<HttpFetcher> make) {
      this.make = make;
    }

    @Override
    public synchronized HttpFetcher get() {
      if (made == null) {
        made = make.get();
      }
      return made;
    }
  }

  /** The cached copy's state of one URL (validators for a conditional request). */
  private static final class Previous implements Function<String, Optional<UrlState>> {
    private final Optional<CachedList> cached;

    Previous(Optional<CachedList> cached) {
      this.cached = cached;
    }

    @Override
    public Optional<UrlState> apply(String url) {
      if (cached.isPresent()) {
        for (UrlState u : cached.get().urls()) {
          if (u.url().equals(url)) {
            return Optional.of(u);
          }
        }
      }
      return Optional.empty();
    }
  }

  /**
   * @param offline skip the network entirely: every source is served from cache or snapshot,
   *     add-only (boot without network)
   */
  public Resolution resolve(ImmutableList<Source> sources, Set<Family> families, Limits limits,
      boolean offline) {
    ImmutableList.Builder<SourceOutcome> outcomes = ImmutableList.builder();
    ImmutableList.Builder<Prefix> all = ImmutableList.builder();
    for (Source s : sources) {
      SourceOutcome o = offline && s.remote()
          ? fallback(s, families, limits, "offline run (--offline)",
              cache.load(s.name(), warn))
          : fetchOne(s, families, limits);
      outcomes.add(o);
      all.addAll(o.prefixes());
    }
    return new Resolution(PrefixSet.of(all.build()), outcomes.build());
  }

  private SourceOutcome fetchOne(Source s, Set<Family> families, Limits limits) {
    Optional<CachedList> cached = cache.load(s.name(), warn);
    FetchContext ctx = new FetchContext(families, limits, http, new Previous(cached));
    Fetched f;
    try {
      f = s.fetch(ctx);
    } catch (SourceUnavailable e) {
      // The cache was read (and any damage reported) above: reuse it, do not warn twice.
      return fallback(s, families, limits, e.getMessage(), cached);
    }
    Instant now = clock.instant();
    Origin origin;
    if (s instanceof BuiltinSource || f.urls().isEmpty()) {
      origin = Origin.LOCAL;
    } else {
      origin = f.notModified() ? Origin.NOT_MODIFIED : Origin.FRESH;
    }
    String sha = ListCache.sha256(f.prefixes());
    if (origin != Origin.LOCAL) {
      cache.store(f, now);
      log.debug("source " + s.name() + ": " + (origin == Origin.FRESH ? "downloaded" : "not "
          + "modified since the cached copy") + ", " + count(f.prefixes()));
    }
    return new SourceOutcome(s.name(), origin, f.prefixes(),
        f.etag().isPresent() ? f.etag() : firstEtag(f), Optional.of(now), sha,
        f.snapshotDate(), Optional.empty());
  }

  private static Optional<String> firstEtag(Fetched f) {
    for (UrlState u : f.urls()) {
      if (u.etag().isPresent()) {
        return u.etag();
      }
    }
    return Optional.empty();
  }

  private SourceOutcome fallback(Source s, Set<Family> families, Limits limits, String why,
      Optional<CachedList> cached) {
    if (cached.isPresent()) {
      CachedList c = cached.get();
      ImmutableList<Prefix> kept = c.prefixes().stream()
          .filter(p -> families.contains(p.family())).collect(ImmutableList.toImmutableList());
      log.warn("WARNING: " + why + "; using the last-known-good list of " + s.name()
          + " from " + c.fetchedAt() + " (" + count(kept) + "), add-only: nothing will be removed");
      return new SourceOutcome(s.name(), Origin.CACHE, kept, c.etag(), Optional.of(c.fetchedAt()),
          ListCache.sha256(kept), Optional.empty(), Optional.of(why));
    }
    if (!s.remote()) {
      throw new SourceUnavailable(why + "; no last-known-good copy in the state dir to fall back "
          + "on; fix the source or pass another --source");
    }
    Fetched b = new BuiltinSource().fetch(new FetchContext(families, limits, http,
        new Previous(Optional.empty())));
    log.warn("WARNING: " + why + "; no cached copy either, using the built-in snapshot of "
        + b.snapshotDate().orElse("?") + " (" + count(b.prefixes())
        + "), add-only: nothing will be removed");
    return new SourceOutcome(s.name(), Origin.BUILTIN, b.prefixes(), Optional.empty(),
        Optional.empty(), ListCache.sha256(b.prefixes()), b.snapshotDate(), Optional.of(why));
  }

  static String count(ImmutableList<Prefix> prefixes) {
    long v4 = 0;
    for (Prefix p : prefixes) {
      if (p.family() == Family.V4) {
        v4++;
      }
    }
    return v4 + " IPv4 + " + (prefixes.size() - v4) + " IPv6 prefixes";
  }

}
