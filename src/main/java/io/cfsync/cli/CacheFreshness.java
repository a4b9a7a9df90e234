package io.cfsync.cli;

import com.google.common.collect.ImmutableList;
import io.cfsync.error.SourceRejected;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.source.Limits;
import io.cfsync.source.Source;
import io.cfsync.source.Validator;
import io.cfsync.state.CachedList;
import io.cfsync.state.ListCache;
import io.cfsync.sync.ListResolver;
import io.cfsync.sync.Log;
import io.cfsync.sync.Origin;
import io.cfsync.sync.Resolution;
import io.cfsync.sync.SourceOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code --max-age}: a remote source whose last-known-good copy is younger than the limit is
 * served from that copy without a request. Cloudflare changes its lists a few times a year;
 * a timer every few minutes need not ask each time, and a run without a request needs no
 * HTTP client at all (okhttp and Kotlin stay unloaded: most of a fetch's start-up). The copy
 * was validated when stored and is checked again (sha256, counts), so it is a current list,
 * not a fallback: removals go ahead as after a fresh download.
 */
final class CacheFreshness {

  private CacheFreshness() {}

  static Resolution resolve(ListCache cache, ListResolver resolver, ImmutableList<Source> sources,
      Set<Family> families, Limits limits, Duration maxAge, Clock clock, Log log) {
    Instant now = clock.instant();
    Map<Source, SourceOutcome> fresh = new IdentityHashMap<>();
    List<Source> rest = new ArrayList<>();
    for (Source s : sources) {
      Optional<SourceOutcome> o = s.remote()
          ? fresh(cache, s, families, limits, maxAge, now, log) : Optional.empty();
      if (o.isPresent()) {
        fresh.put(s, o.get());
      } else {
        rest.add(s);
      }
    }
    if (fresh.isEmpty()) {
      return resolver.resolve(sources, families, limits, false);
    }
    Resolution fetched = rest.isEmpty()
        ? new Resolution(PrefixSet.empty(), ImmutableList.of())
        : resolver.resolve(ImmutableList.copyOf(rest), families, limits, false);
    ImmutableList.Builder<SourceOutcome> outcomes = ImmutableList.builder();
    List<Prefix> all = new ArrayList<>(fetched.prefixes().prefixes());
    int next = 0;
    for (Source s : sources) {
      SourceOutcome o = fresh.containsKey(s) ? fresh.get(s) : fetched.outcomes().get(next++);
      outcomes.add(o);
      if (fresh.containsKey(s)) {
        all.addAll(o.prefixes());
      }
    }
    return new Resolution(PrefixSet.of(all), outcomes.build());
  }

  static Optional<SourceOutcome> fresh(ListCache cache, Source s, Set<Family> families,
      Limits limits, Duration maxAge, Instant now, Log log) {
    Optional<CachedList> cached = cache.load(s.name(), log::warn);
    if (cached.isEmpty()) {
      return Optional.empty();
    }
    CachedList c = cached.get();
    Duration age = Duration.between(c.fetchedAt(), now);
    // A copy from the future (clock stepped back) has no age we can trust: ask the server.
    if (age.isNegative() || age.compareTo(maxAge) >= 0) {
      log.debug("source " + s.name() + ": cached copy is " + age.toSeconds() + " s old, "
          + "--max-age " + maxAge.toSeconds() + " s; asking the server");
      return Optional.empty();
    }
    ImmutableList.Builder<Prefix> keep = ImmutableList.builderWithExpectedSize(
        c.prefixes().size());
    for (Prefix p : c.prefixes()) {
      if (families.contains(p.family())) {
        keep.add(p);
      }
    }
    ImmutableList<Prefix> kept = keep.build();
    try {
      Validator.checkCounts(s.name() + " (cached copy)", kept, families, limits);
    } catch (SourceRejected e) {
      log.debug(e.getMessage() + "; asking the server instead");
      return Optional.empty();
    }
    log.debug("source " + s.name() + ": cached copy from " + c.fetchedAt() + " is younger than "
        + "--max-age; not asking the server");
    return Optional.of(new SourceOutcome(s.name(), Origin.CACHED, kept, c.etag(),
        Optional.of(c.fetchedAt()), ListCache.sha256(kept), Optional.empty(), Optional.empty()));
  }
}
