package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.error.SourceUnavailable;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.source.BuiltinSource;
import io.cfsync.source.Fetched;
import io.cfsync.source.FetchContext;
import io.cfsync.source.HttpFetcher;
import io.cfsync.source.Limits;
import io.cfsync.source.Source;
import io.cfsync.source.Sources;
import io.cfsync.state.ListCache;
import io.cfsync.state.StateDir;
import io.cfsync.sync.ListResolver;
import io.cfsync.sync.Log;
import io.cfsync.sync.Origin;
import io.cfsync.sync.Resolution;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --max-age}: a young cache is a current list and needs no HTTP client at all. */
class CacheFreshnessTest {

  private static final Instant FETCHED = Instant.parse("2026-05-04T10:00:00Z");
  private static final Set<Family> BOTH = ImmutableSet.of(Family.V4, Family.V6);

  @TempDir
  Path dir;
  ListCache cache;
  Source cloudflare;
  ImmutableList<Prefix> snapshot;
  final AtomicInteger httpAsked = new AtomicInteger();
  /** An HTTP client that is never reachable: asking it is the failure being counted. */
  final Supplier<HttpFetcher> http = () -> {
    httpAsked.incrementAndGet();
    throw new SourceUnavailable("no network in this test");
  };

  @BeforeEach
  void cacheAList() {
    cache = new ListCache(new StateDir(dir));
    cloudflare = Sources.parse("cloudflare", Sources.Overrides.NONE);
    snapshot = new BuiltinSource().fetch(new FetchContext(BOTH, Limits.DEFAULT, () -> null,
        url -> Optional.empty())).prefixes();
    cache.store(new Fetched("cloudflare", snapshot, ImmutableList.of(), Optional.of("\"e1\""),
        false, Optional.empty()), FETCHED);
  }

  private Resolution resolve(Instant now, Duration maxAge) {
    Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    ListResolver resolver = new ListResolver(cache, http, clock, Log.SILENT);
    return CacheFreshness.resolve(cache, resolver, ImmutableList.of(cloudflare), BOTH,
        Limits.DEFAULT, maxAge, clock, Log.SILENT);
  }

  @Test
  void youngCacheIsUsedAsCurrentListWithoutAskingTheServer() {
    Resolution r = resolve(FETCHED.plus(Duration.ofMinutes(20)), Duration.ofMinutes(50));
    assertThat(httpAsked).hasValue(0);
    assertThat(r.addOnly()).as("a fresh copy is not a fallback").isFalse();
    assertThat(r.outcomes()).singleElement()
        .satisfies(o -> assertThat(o.origin()).isEqualTo(Origin.CACHED));
    assertThat(r.prefixes().prefixes()).containsExactlyInAnyOrderElementsOf(snapshot);
  }

  @Test
  void oldCacheMeansAskingTheServer() {
    Resolution r = resolve(FETCHED.plus(Duration.ofMinutes(51)), Duration.ofMinutes(50));
    assertThat(httpAsked).hasValue(1);
    // The server could not be reached here, so the same copy now stands in as a fallback.
    assertThat(r.outcomes().get(0).origin()).isEqualTo(Origin.CACHE);
    assertThat(r.addOnly()).isTrue();
  }

  @Test
  void cacheFromTheFutureIsNotTrusted() {
    resolve(FETCHED.minus(Duration.ofMinutes(5)), Duration.ofMinutes(50));
    assertThat(httpAsked).hasValue(1);
  }

  @Test
  void cacheMissingAFamilyNowAskedForIsNotFresh() {
    ImmutableList<Prefix> v4 = snapshot.stream().filter(p -> p.family() == Family.V4)
        .collect(ImmutableList.toImmutableList());
    cache.store(new Fetched("cloudflare", v4, ImmutableList.of(), Optional.empty(), false,
        Optional.empty()), FETCHED);
    resolve(FETCHED.plus(Duration.ofMinutes(1)), Duration.ofMinutes(50));
    assertThat(httpAsked).hasValue(1);
  }

  @Test
  void localSourcesAreReadAsUsual() {
    Clock clock = Clock.fixed(FETCHED, ZoneOffset.UTC);
    Resolution r = CacheFreshness.resolve(cache, new ListResolver(cache, http, clock, Log.SILENT),
        ImmutableList.of(new BuiltinSource(), cloudflare), BOTH, Limits.DEFAULT,
        Duration.ofHours(1), clock, Log.SILENT);
    assertThat(r.outcomes()).extracting(o -> o.origin())
        .containsExactly(Origin.LOCAL, Origin.CACHED);
    assertThat(httpAsked).hasValue(0);
  }
}
