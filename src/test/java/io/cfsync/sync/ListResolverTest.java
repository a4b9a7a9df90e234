package io.cfsync.sync;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.google.common.base.Strings;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.error.ExitCode;
import io.cfsync.error.SourceRejected;
import io.cfsync.error.SourceUnavailable;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.source.BuiltinSource;
import io.cfsync.source.HttpFetcher;
import io.cfsync.source.Limits;
import io.cfsync.source.Source;
import io.cfsync.source.Sources;
import io.cfsync.state.ListCache;
import io.cfsync.state.StateDir;
import io.cfsync.testing.Fixtures;
import io.cfsync.testing.RawHttpServer;
import io.cfsync.testing.RecordingLog;
import io.cfsync.testing.RecordingSleeper;
import io.cfsync.testing.SourceKind;
import io.cfsync.testing.TestHttp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a remote source can fail, for every remote kind, classified: a wrong answer is
 * rejected (exit 3, no fallback, cache untouched); no answer falls back to the last-known-good
 * cache, then the built-in snapshot, add-only, said loudly (invariants 1 and 3).
 */
class ListResolverTest {

  @RegisterExtension
  static WireMockExtension wm = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort().gzipDisabled(true)).build();

  @TempDir
  Path stateDir;

  @TempDir
  Path workDir;

  static final Set<Family> BOTH = ImmutableSet.of(Family.V4, Family.V6);
  static final Instant SEEDED = Instant.parse("2026-05-04T10:00:00Z");
  static final Instant LATER = Instant.parse("2026-05-05T10:00:00Z");

  private final RecordingLog log = new RecordingLog();
  private final RecordingSleeper sleeper = new RecordingSleeper();
  private final List<RawHttpServer> raws = new ArrayList<>();

  @AfterEach
  void closeRawServers() {
    raws.forEach(RawHttpServer::close);
  }

  private ListResolver resolver(Instant now, Duration readTimeout) {
    HttpFetcher http = TestHttp.fetcher(2, readTimeout, sleeper);
    return new ListResolver(new ListCache(new StateDir(stateDir)), () -> http,
        Clock.fixed(now, ZoneOffset.UTC), log);
  }

  private ListResolver resolver(Instant now) {
    return resolver(now, Duration.ofSeconds(5));
  }

  private Resolution resolve(ListResolver r, Source... sources) {
    return r.resolve(ImmutableList.copyOf(sources), BOTH, Limits.DEFAULT, false);
  }

  private byte[] cacheBytes() throws IOException {
    try (Stream<Path> files = Files.list(stateDir)) {
      List<Path> caches = files.filter(p -> p.getFileName().toString().startsWith("cache-"))
          .toList();
      assertThat(caches).hasSize(1);
      return Files.readAllBytes(caches.get(0));
    }
  }

  enum Expect { REJECTED, UNAVAILABLE }

  /** One way to break the URL a kind depends on, and what cfsync must make of it. */
  enum Failure {
    HTML_WITH_200(Expect.REJECTED, "sent Content-Type text/html"),
    HTML_AS_PLAIN_TEXT(Expect.REJECTED, null),
    EMPTY_BODY(Expect.REJECTED, "the body is empty"),
    NOT_FOUND(Expect.REJECTED, "answered 404 Not Found"),
    SHORT_BODY(Expect.REJECTED, "bytes its Content-Length announced (truncated)"),
    OVERSIZED_DECLARED(Expect.REJECTED, "declares 1200000 bytes, over the 1048576-byte cap"),
    OVERSIZED_STREAMED(Expect.REJECTED, "sent more than 1048576 bytes (the cap)"),
    NOT_UTF8(Expect.REJECTED, "not UTF-8 text"),
    REDIRECT_TO_PLAIN_HTTP(Expect.REJECTED, "which is not https"),
    TOO_MANY_REDIRECTS(Expect.REJECTED, "more than 5 redirects"),
    PRIVATE_RANGE(Expect.REJECTED, "overlaps 10.0.0.0/8, private (RFC 1918)"),
    WHOLE_INTERNET(Expect.REJECTED, "\"0.0.0.0/0\" would allow the whole Internet"),
    TRUNCATED_TO_FIVE(Expect.REJECTED, "only 5 ipv4 prefixes, at least 10 expected"),
    SERVER_ERROR(Expect.UNAVAILABLE, "answered 503 Service Unavailable (server trouble; "
        + "tried 2 times)"),
    CONNECTION_RESET(Expect.UNAVAILABLE, null),
    SLOW_DRIP(Expect.UNAVAILABLE, "timed out"),
    CONNECTION_REFUSED(Expect.UNAVAILABLE, null);

    final Expect expect;
    final String fragment;

    Failure(Expect expect, String fragment) {
      this.expect = expect;
      this.fragment = fragment;
    }

    boolean raw() {
      return this == SHORT_BODY || this == OVERSIZED_STREAMED || this == CONNECTION_REFUSED;
    }

    String fragment(SourceKind kind) {
      if (this == HTML_AS_PLAIN_TEXT) {
        return kind == SourceKind.API ? "the body is not a JSON object" : "HTML/XML page";
      }
      return fragment == null ? "" : fragment;
    }
  }

  static Stream<Arguments> everyKindAndFailure() {
    List<Arguments> out = new ArrayList<>();
    for (SourceKind k : SourceKind.values()) {
      for (Failure f : Failure.values()) {
        out.add(Arguments.of(k, f));
      }
    }
    return out.stream();
  }

  private static ResponseDefinitionBuilder ok(String contentType, String body) {
    return aResponse().withStatus(200).withHeader("Content-Type", contentType).withBody(body);
  }

  /** Where the kind's breakable list lives: WireMock, or a raw server that first serves it. */
  private String url(SourceKind kind, Failure f) {
    if (!f.raw()) {
      return wm.url(kind.path());
    }
    byte[] good = RawHttpServer.ok(kind.contentType(), kind.goodBody());
    byte[] bad = switch (f) {
      case SHORT_BODY -> RawHttpServer.response("HTTP/1.1 200 OK\nContent-Type: "
          + kind.contentType() + "\nContent-Length: 9000\nConnection: close",
          kind.goodBody().substring(0, 120).getBytes(StandardCharsets.UTF_8));
      case OVERSIZED_STREAMED -> RawHttpServer.response("HTTP/1.1 200 OK\nContent-Type: "
          + kind.contentType() + "\nConnection: close",
          Strings.repeat("104.16.0.0/13\n", 90_000).getBytes(StandardCharsets.US_ASCII));
      default -> good;
    };
    RawHttpServer raw = new RawHttpServer(good, bad);
    raws.add(raw);
    return raw.url(kind.path());
  }

  private void breakIt(SourceKind kind, Failure f) {
    String path = kind.path();
    String ct = kind.contentType();
    ResponseDefinitionBuilder r = switch (f) {
      case HTML_WITH_200 -> ok("text/html; charset=UTF-8",
          "<!DOCTYPE html><html><title>Just a moment...</title></html>");
      case HTML_AS_PLAIN_TEXT -> ok(ct, "<!DOCTYPE html>\n<html><body>Captive portal</body>");
      case EMPTY_BODY -> ok(ct, "");
      case NOT_FOUND -> aResponse().withStatus(404).withBody("not found");
      case OVERSIZED_DECLARED -> ok(ct, Strings.repeat("x", 1_200_000))
          .withHeader("Content-Length", "1200000");
      case NOT_UTF8 -> aResponse().withStatus(200).withHeader("Content-Type", ct)
          .withBody(new byte[] {(byte) 0xff, (byte) 0xfe, '1', '\n'});
      case REDIRECT_TO_PLAIN_HTTP -> aResponse().withStatus(301)
          .withHeader("Location", "http://www.cloudflare.com" + path + "/");
      case TOO_MANY_REDIRECTS -> aResponse().withStatus(302).withHeader("Location", path);
      case PRIVATE_RANGE -> ok(ct, kind.body(Fixtures.v4() + "10.0.0.0/8\n", Fixtures.v6()));
      case WHOLE_INTERNET -> ok(ct, kind.body(Fixtures.v4() + "0.0.0.0/0\n", Fixtures.v6()));
      case TRUNCATED_TO_FIVE -> ok(ct, kind.body(String.join("\n",
          Fixtures.v4().lines().limit(5).toList()) + "\n", Fixtures.v6()));
      case SERVER_ERROR -> aResponse().withStatus(503);
      case CONNECTION_RESET -> aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER);
      case SLOW_DRIP -> ok(ct, kind.goodBody()).withChunkedDribbleDelay(3, 9000);
      case SHORT_BODY, OVERSIZED_STREAMED -> null; // the raw server's second answer
      case CONNECTION_REFUSED -> {
        raws.forEach(RawHttpServer::close);
        yield null;
      }
    };
    if (r != null) {
      wm.stubFor(get(urlEqualTo(path)).willReturn(r));
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("everyKindAndFailure")
  void classifiesEveryFailureOfEveryRemoteKind(SourceKind kind, Failure f) throws IOException {
    kind.stubGood(wm);
    Source source = kind.source(url(kind, f), wm.baseUrl());
    Resolution seeded = resolve(resolver(SEEDED), source);
    assertThat(seeded.outcomes().get(0).origin()).isEqualTo(Origin.FRESH);
    byte[] cacheBefore = cacheBytes();

    breakIt(kind, f);
    ListResolver later = resolver(LATER, Duration.ofMillis(f == Failure.SLOW_DRIP ? 700 : 5000));

    if (f.expect == Expect.REJECTED) {
      Throwable t = catchThrowable(() -> resolve(later, source));
      assertThat(t).isInstanceOf(SourceRejected.class)
          .hasMessageStartingWith("source " + source.name())
          .hasMessageContaining(f.fragment(kind))
          .hasMessageEndingWith("; firewall unchanged");
      assertThat(t.getMessage()).doesNotContain("\n");
      assertThat(((SourceRejected) t).exitCode()).isEqualTo(ExitCode.REFUSED);
      assertThat(log.warnings()).isEmpty();
    } else {
      Resolution r = resolve(later, source);
      SourceOutcome o = r.outcomes().get(0);
      assertThat(o.origin()).isEqualTo(Origin.CACHE);
      assertThat(r.addOnly()).isTrue();
      assertThat(o.prefixes()).isEqualTo(seeded.outcomes().get(0).prefixes());
      assertThat(r.prefixes()).isEqualTo(PrefixSet.of(Fixtures.all()));
      assertThat(o.fetchedAt()).contains(SEEDED);
      assertThat(o.failure()).hasValueSatisfying(why -> assertThat(why)
          .startsWith("source " + source.name()).contains(f.fragment(kind)));
      assertThat(log.warnings()).singleElement().asString()
          .startsWith("WARNING: source " + source.name())
          .contains(f.fragment(kind))
          .contains("; using the last-known-good list of " + source.name() + " from "
              + SEEDED + " (15 IPv4 + 7 IPv6 prefixes), add-only: nothing will be removed");
    }
    // Neither outcome may touch the last-known-good copy.
    assertThat(cacheBytes()).isEqualTo(cacheBefore);
  }

  @ParameterizedTest
  @EnumSource(SourceKind.class)
  void fallsBackToTheBuiltinSnapshotWhenNothingIsCached(SourceKind kind) {
    kind.stubGood(wm);
    wm.stubFor(get(urlEqualTo(kind.path())).willReturn(aResponse().withStatus(503)));
    Source source = kind.source(wm.url(kind.path()), wm.baseUrl());

    Resolution r = resolve(resolver(LATER), source);

    SourceOutcome o = r.outcomes().get(0);
    assertThat(o.origin()).isEqualTo(Origin.BUILTIN);
    assertThat(o.source()).isEqualTo(source.name());
    assertThat(r.addOnly()).isTrue();
    assertThat(o.prefixes()).containsExactlyElementsOf(Fixtures.all());
    assertThat(o.snapshotDate()).contains(BuiltinSource.date());
    assertThat(log.warnings()).singleElement().asString()
        .startsWith("WARNING: source " + source.name())
        .endsWith("answered 503 Service Unavailable (server trouble; tried 2 times); no cached "
            + "copy either, using the built-in snapshot of " + BuiltinSource.date()
            + " (15 IPv4 + 7 IPv6 prefixes), add-only: nothing will be removed");
    // A fallback is not a list worth caching.
    assertThat(stateDir.toFile().list((d, n) -> n.startsWith("cache-"))).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(SourceKind.class)
  void cachesAFreshListWithItsValidatorsAndReusesItOn304(SourceKind kind) throws IOException {
    kind.stubGood(wm);
    Source source = kind.source(wm.url(kind.path()), wm.baseUrl());
    Resolution first = resolve(resolver(SEEDED), source);
    assertThat(first.outcomes().get(0).origin()).isEqualTo(Origin.FRESH);
    assertThat(first.addOnly()).isFalse();
    String cache = new String(cacheBytes(), StandardCharsets.UTF_8);
    assertThat(cache).contains("\"source\" : \"" + source.name() + "\"")
        .contains("\"etag\" : \"\\\"good-1\\\"\"").contains(SEEDED.toString());

    wm.resetAll();
    kind.stubOthers(wm);
    wm.stubFor(get(urlEqualTo(kind.path())).withHeader("If-None-Match", equalTo("\"good-1\""))
        .willReturn(aResponse().withStatus(304)));
    wm.stubFor(get(urlEqualTo("/ips-v6")).withHeader("If-None-Match", equalTo("\"v6-1\""))
        .willReturn(aResponse().withStatus(304)));
    Resolution second = resolve(resolver(LATER), source);

    SourceOutcome o = second.outcomes().get(0);
    assertThat(o.origin()).isEqualTo(Origin.NOT_MODIFIED);
    assertThat(second.addOnly()).isFalse();
    assertThat(o.prefixes()).isEqualTo(first.outcomes().get(0).prefixes());
    assertThat(o.fetchedAt()).contains(LATER);
    wm.verify(getRequestedFor(urlEqualTo(kind.path()))
        .withHeader("If-None-Match", equalTo("\"good-1\"")));
    // The cache now says when the list was last confirmed.
    assertThat(new String(cacheBytes(), StandardCharsets.UTF_8)).contains(LATER.toString());
    assertThat(log.warnings()).isEmpty();
  }

  @Test
  void aMixOfFreshAndNotModifiedUrlsIsFresh() {
    SourceKind.CLOUDFLARE.stubGood(wm);
    Source source = SourceKind.CLOUDFLARE.source(wm.url("/ips-v4"), wm.baseUrl());
    resolve(resolver(SEEDED), source);
    wm.stubFor(get(urlEqualTo("/ips-v6")).withHeader("If-None-Match", equalTo("\"v6-1\""))
        .willReturn(aResponse().withStatus(304)));
    Resolution r = resolve(resolver(LATER), source);
    assertThat(r.outcomes().get(0).origin()).isEqualTo(Origin.FRESH);
    assertThat(r.prefixes()).isEqualTo(PrefixSet.of(Fixtures.all()));
  }

  @Test
  void keepsOnlyTheSelectedFamiliesOfACachedList() {
    SourceKind.URL.stubGood(wm);
    Source source = SourceKind.URL.source(wm.url(SourceKind.URL.path()), wm.baseUrl());
    resolve(resolver(SEEDED), source);
    wm.stubFor(get(urlEqualTo(SourceKind.URL.path())).willReturn(aResponse().withStatus(500)));
    Resolution r = resolver(LATER).resolve(ImmutableList.of(source),
        ImmutableSet.of(Family.V6), Limits.DEFAULT, false);
    assertThat(r.outcomes().get(0).origin()).isEqualTo(Origin.CACHE);
    assertThat(r.prefixes().prefixes()).containsExactlyElementsOf(
        Fixtures.prefixes(Fixtures.v6()).stream().sorted().toList());
  }

  @Test
  void offlineRunsServeRemoteSourcesFromCacheThenSnapshotWithoutTheNetwork() {
    SourceKind.CLOUDFLARE.stubGood(wm);
    Source cached = SourceKind.CLOUDFLARE.source(wm.url("/ips-v4"), wm.baseUrl());
    resolve(resolver(SEEDED), cached);
    wm.resetRequests();
    Source uncached = SourceKind.URL.source(wm.url(SourceKind.URL.path()), wm.baseUrl());

    Resolution r = resolver(LATER).resolve(ImmutableList.of(cached, uncached), BOTH,
        Limits.DEFAULT, true);

    assertThat(r.outcomes()).extracting(SourceOutcome::origin)
        .containsExactly(Origin.CACHE, Origin.BUILTIN);
    assertThat(r.addOnly()).isTrue();
    assertThat(wm.getAllServeEvents()).isEmpty();
    assertThat(log.warnings()).hasSize(2).allMatch(w -> w.startsWith("WARNING: offline run "
        + "(--offline); ") && w.endsWith("add-only: nothing will be removed"));
  }

  @Test
  void unionsSourcesEachValidatedOnItsOwn() throws IOException {
    SourceKind.CLOUDFLARE.stubGood(wm);
    Path extra = workDir.resolve("extra.txt");
    Files.writeString(extra, "# my monitoring\n198.51.100.0/24\n");
    Source cf = SourceKind.CLOUDFLARE.source(wm.url("/ips-v4"), wm.baseUrl());
    Source file = Sources.parse("file:" + extra, Sources.Overrides.NONE);

    // The documentation range in the file refuses the whole run, not just the file.
    Throwable t = catchThrowable(() -> resolver(SEEDED).resolve(ImmutableList.of(cf, file),
        BOTH, Limits.DEFAULT.withMinimums(1, 0), false));
    assertThat(t).isInstanceOf(SourceRejected.class).hasMessageStartingWith("source file:"
        + extra + " line 2: \"198.51.100.0/24\" overlaps 198.51.100.0/24, documentation");

    Files.writeString(extra, "# my monitoring\n203.1.113.0/24\n");
    Resolution r = resolver(SEEDED).resolve(ImmutableList.of(cf, file), BOTH,
        Limits.DEFAULT.withMinimums(1, 0), false);
    assertThat(r.outcomes()).extracting(SourceOutcome::origin)
        .containsExactly(Origin.FRESH, Origin.LOCAL);
    assertThat(r.prefixes().encloses(Prefix.parse("203.1.113.0/24"))).isTrue();
    assertThat(r.prefixes().enclosesAll(PrefixSet.of(Fixtures.all()))).isTrue();
    assertThat(r.prefixes().prefixCount(Family.V4)).isEqualTo(16);
  }

  @Test
  void aMissingFileWithoutCacheIsAnErrorNotASnapshot() {
    Source file = Sources.parse("file:" + stateDir.resolve("nope.txt"), Sources.Overrides.NONE);
    Throwable t = catchThrowable(() -> resolve(resolver(SEEDED), file));
    assertThat(t).isInstanceOf(SourceUnavailable.class).hasMessage("source file:"
        + stateDir.resolve("nope.txt") + ": no such file; no last-known-good copy in the state "
        + "dir to fall back on; fix the source or pass another --source");
    assertThat(((SourceUnavailable) t).exitCode()).isEqualTo(ExitCode.ERROR);
  }

  @Test
  void localSourcesAreNotCached() {
    Resolution r = resolve(resolver(SEEDED), new BuiltinSource());
    assertThat(r.outcomes().get(0).origin()).isEqualTo(Origin.LOCAL);
    assertThat(r.addOnly()).isFalse();
    assertThat(stateDir.toFile().list()).isEmpty();
  }

  @Test
  void warnsOnceAboutADamagedCacheAndFallsBackToTheSnapshot() throws IOException {
    SourceKind.CLOUDFLARE.stubGood(wm);
    Source source = SourceKind.CLOUDFLARE.source(wm.url("/ips-v4"), wm.baseUrl());
    resolve(resolver(SEEDED), source);
    try (Stream<Path> files = Files.list(stateDir)) {
      Path cache = files.filter(p -> p.getFileName().toString().startsWith("cache-"))
          .findFirst().orElseThrow();
      Files.writeString(cache, Files.readString(cache).replace("173.245.48.0/20",
          "173.245.0.0/16"));
    }
    wm.stubFor(get(urlEqualTo("/ips-v4")).willReturn(aResponse().withStatus(503)));

    Resolution r = resolve(resolver(LATER), source);

    assertThat(r.outcomes().get(0).origin()).isEqualTo(Origin.BUILTIN);
    assertThat(log.warnings()).hasSize(2);
    assertThat(log.warnings().get(0)).startsWith("cache ").endsWith("fails its sha256 check; "
        + "ignoring it");
    assertThat(log.warnings().get(1)).startsWith("WARNING: ").contains("built-in snapshot");
  }
}
