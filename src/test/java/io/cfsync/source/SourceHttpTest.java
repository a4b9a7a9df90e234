package io.cfsync.source;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.error.SourceRejected;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.testing.Fixtures;
import io.cfsync.testing.RecordingSleeper;
import io.cfsync.testing.SourceKind;
import io.cfsync.testing.TestHttp;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each remote source kind against WireMock on its good paths: 200, 304 with the cached list,
 * a 5xx then success, the 2022 redirect. Failures and their fallbacks: ListResolverTest.
 */
class SourceHttpTest {

  @RegisterExtension
  static WireMockExtension wm = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort().gzipDisabled(true)).build();

  static final Set<Family> BOTH = ImmutableSet.of(Family.V4, Family.V6);

  private final RecordingSleeper sleeper = new RecordingSleeper();
  private final HttpFetcher http = TestHttp.fetcher(3, Duration.ofSeconds(5), sleeper);

  private FetchContext ctx(Set<Family> families) {
    return new FetchContext(families, Limits.DEFAULT, () -> http, url -> Optional.empty());
  }

  private Source source(SourceKind kind) {
    return kind.source(wm.url(kind.path()), wm.baseUrl());
  }

  @ParameterizedTest
  @EnumSource(SourceKind.class)
  void fetchesAndValidatesTodaysLists(SourceKind kind) {
    kind.stubGood(wm);
    Fetched f = source(kind).fetch(ctx(BOTH));
    assertThat(f.prefixes()).containsExactlyInAnyOrderElementsOf(Fixtures.all());
    assertThat(f.notModified()).isFalse();
    assertThat(f.urls()).extracting(UrlState::url).contains(wm.url(kind.path()));
    UrlState main = f.urls().stream().filter(u -> u.url().equals(wm.url(kind.path())))
        .findFirst().orElseThrow();
    assertThat(main.etag()).contains("\"good-1\"");
    wm.verify(getRequestedFor(urlEqualTo(kind.path()))
        .withHeader("User-Agent", equalTo(TestHttp.USER_AGENT))
        .withHeader("If-None-Match", absent()));
  }

  @Test
  void cloudflareKeepsEachUrlsOwnListAndEtag() {
    SourceKind.CLOUDFLARE.stubGood(wm);
    Fetched f = source(SourceKind.CLOUDFLARE).fetch(ctx(BOTH));
    assertThat(f.source()).isEqualTo("cloudflare");
    assertThat(f.urls()).hasSize(2);
    assertThat(f.urls().get(0).prefixes()).isEqualTo(Fixtures.prefixes(Fixtures.v4()));
    assertThat(f.urls().get(1).url()).isEqualTo(wm.url("/ips-v6"));
    assertThat(f.urls().get(1).etag()).contains("\"v6-1\"");
    assertThat(f.urls().get(1).prefixes()).isEqualTo(Fixtures.prefixes(Fixtures.v6()));
  }

  @Test
  void cloudflareFetchesOnlyTheSelectedFamily() {
    SourceKind.CLOUDFLARE.stubGood(wm);
    Fetched f = source(SourceKind.CLOUDFLARE).fetch(ctx(ImmutableSet.of(Family.V4)));
    assertThat(f.prefixes()).isEqualTo(Fixtures.prefixes(Fixtures.v4()));
    wm.verify(0, getRequestedFor(urlEqualTo("/ips-v6")));
  }

  @Test
  void apiCarriesCloudflaresListEtag() {
    SourceKind.API.stubGood(wm);
    Fetched f = source(SourceKind.API).fetch(ctx(BOTH));
    assertThat(f.source()).isEqualTo("cloudflare-api");
    assertThat(f.etag()).contains("38f79d050aa027e3be3865e495dcc9bc");
    wm.verify(getRequestedFor(urlEqualTo(SourceKind.API.path()))
        .withHeader("Accept", equalTo("application/json")));
  }

  @Test
  void apiIgnoresTheChinaNetworkArrayAndUnknownFields() {
    String doc = Fixtures.apiJson(Fixtures.v4(), Fixtures.v6(), "e1")
        .replace("\"etag\"", "\"jdcloud_cidrs\":[\"10.0.0.0/8\"],\"future\":{\"x\":1},\"etag\"");
    wm.stubFor(get(urlEqualTo("/client/v4/ips")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody(doc)));
    assertThat(source(SourceKind.API).fetch(ctx(BOTH)).prefixes()).hasSize(22);
  }

  @Test
  void apiRejectsSuccessFalse() {
    wm.stubFor(get(urlEqualTo("/client/v4/ips")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withBody("{\"result\":null,\"success\":false,\"errors\":[{\"code\":10000,"
            + "\"message\":\"Authentication error\"}],\"messages\":[]}")));
    Throwable t = catchThrowable(() -> source(SourceKind.API).fetch(ctx(BOTH)));
    assertThat(t).isInstanceOf(SourceRejected.class).hasMessage("source cloudflare-api ("
        + wm.url("/client/v4/ips") + "): the API answered success=false errors=[{code=10000, "
        + "message=Authentication error}]; firewall unchanged");
  }

  @Test
  void apiRejectsAMissingOrWrongArray() {
    String noV6 = "{\"result\":{\"ipv4_cidrs\":" + jsonList(Fixtures.v4())
        + ",\"etag\":\"x\"},\"success\":true,\"errors\":[],\"messages\":[]}";
    wm.stubFor(get(urlEqualTo("/client/v4/ips")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody(noV6)));
    assertThat(catchThrowable(() -> source(SourceKind.API).fetch(ctx(BOTH))))
        .isInstanceOf(SourceRejected.class).hasMessage("source cloudflare-api ("
            + wm.url("/client/v4/ips") + "): result.ipv6_cidrs is missing or not an array; "
            + "firewall unchanged");
    // A v4-only run does not need the v6 array.
    assertThat(source(SourceKind.API).fetch(ctx(ImmutableSet.of(Family.V4))).prefixes())
        .hasSize(15);

    String numbers = noV6.replace("\"ipv4_cidrs\":[\"173.245.48.0/20\"", "\"ipv4_cidrs\":[42");
    wm.stubFor(get(urlEqualTo("/client/v4/ips")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody(numbers)));
    assertThat(catchThrowable(() -> source(SourceKind.API).fetch(ctx(ImmutableSet.of(
        Family.V4))))).isInstanceOf(SourceRejected.class)
        .hasMessageContaining("result.ipv4_cidrs[0]: 42 is not a string");

    wm.stubFor(get(urlEqualTo("/client/v4/ips")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withBody("{\"success\":true,\"errors\":[]}")));
    assertThat(catchThrowable(() -> source(SourceKind.API).fetch(ctx(BOTH))))
        .isInstanceOf(SourceRejected.class).hasMessageContaining("has no \"result\" object");
  }

  @Test
  void apiRejectsABadItemNamingIt() {
    String doc = Fixtures.apiJson(Fixtures.v4() + "192.168.0.0/16\n", Fixtures.v6(), "x");
    wm.stubFor(get(urlEqualTo("/client/v4/ips")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody(doc)));
    assertThat(catchThrowable(() -> source(SourceKind.API).fetch(ctx(BOTH))))
        .isInstanceOf(SourceRejected.class).hasMessage("source cloudflare-api ("
            + wm.url("/client/v4/ips") + ") result.ipv4_cidrs[15]: \"192.168.0.0/16\" overlaps "
            + "192.168.0.0/16, private (RFC 1918), which is never a Cloudflare edge; firewall "
            + "unchanged");
  }

  @Test
  void apiRejectsABodyThatIsNotJson() {
    wm.stubFor(get(urlEqualTo("/client/v4/ips")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/plain").withBody(Fixtures.v4())));
    assertThat(catchThrowable(() -> source(SourceKind.API).fetch(ctx(BOTH))))
        .isInstanceOf(SourceRejected.class).hasMessageContaining("the body is not a JSON object")
        .hasMessageEndingWith("; firewall unchanged");
  }

  private static String jsonList(String body) {
    return body.lines().map(l -> "\"" + l + "\"")
        .collect(java.util.stream.Collectors.joining(",", "[", "]"));
  }

  @ParameterizedTest
  @EnumSource(SourceKind.class)
  void reusesTheCachedListWhenTheServerAnswers304(SourceKind kind) {
    kind.stubGood(wm);
    Fetched first = source(kind).fetch(ctx(BOTH));

    // From now on the server has no list to give, only "not modified" to the right ETag.
    wm.resetAll();
    wm.stubFor(get(urlEqualTo(kind.path())).withHeader("If-None-Match", equalTo("\"good-1\""))
        .willReturn(aResponse().withStatus(304).withHeader("ETag", "\"good-1\"")));
    wm.stubFor(get(urlEqualTo("/ips-v6")).withHeader("If-None-Match", equalTo("\"v6-1\""))
        .willReturn(aResponse().withStatus(304)));
    FetchContext again = new FetchContext(BOTH, Limits.DEFAULT, () -> http,
        url -> first.urls().stream().filter(u -> u.url().equals(url)).findFirst());
    Fetched second = source(kind).fetch(again);

    assertThat(second.notModified()).isTrue();
    assertThat(second.prefixes()).isEqualTo(first.prefixes());
    assertThat(second.urls()).extracting(UrlState::etag).allMatch(Optional::isPresent);
    wm.verify(getRequestedFor(urlEqualTo(kind.path()))
        .withHeader("If-None-Match", equalTo("\"good-1\"")));
  }

  @ParameterizedTest
  @EnumSource(SourceKind.class)
  void retriesAServerErrorThenUsesTheList(SourceKind kind) {
    kind.stubGood(wm);
    wm.stubFor(get(urlEqualTo(kind.path())).inScenario("flaky").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(502)).willSetStateTo("up"));
    wm.stubFor(get(urlEqualTo(kind.path())).inScenario("flaky").whenScenarioStateIs("up")
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", kind.contentType())
            .withBody(kind.goodBody())));
    Fetched f = source(kind).fetch(ctx(BOTH));
    assertThat(f.prefixes()).containsExactlyInAnyOrderElementsOf(Fixtures.all());
    assertThat(sleeper.pauses()).containsExactly(Duration.ofSeconds(1));
    wm.verify(2, getRequestedFor(urlEqualTo(kind.path())));
  }

  @ParameterizedTest
  @EnumSource(SourceKind.class)
  void followsA301ToTheTrailingSlashUrl(SourceKind kind) {
    kind.stubGood(wm);
    wm.stubFor(get(urlEqualTo(kind.path())).willReturn(aResponse().withStatus(301)
        .withHeader("Location", kind.path() + "/")));
    wm.stubFor(get(urlEqualTo(kind.path() + "/")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", kind.contentType()).withBody(kind.goodBody())));
    Fetched f = source(kind).fetch(ctx(BOTH));
    assertThat(f.prefixes()).containsExactlyInAnyOrderElementsOf(Fixtures.all());
    wm.verify(getRequestedFor(urlEqualTo(kind.path() + "/")));
  }

  @Test
  void urlSourceTakesBothFamiliesFromOneList() {
    SourceKind.URL.stubGood(wm);
    Fetched f = source(SourceKind.URL).fetch(ctx(ImmutableSet.of(Family.V6)));
    assertThat(f.source()).isEqualTo("url:" + wm.url(SourceKind.URL.path()));
    assertThat(f.prefixes()).isEqualTo(Fixtures.prefixes(Fixtures.v6()));
    assertThat(f.etag()).contains("\"good-1\"");
  }

  @Test
  void sourcesAreParsedFromTheirSpecs() {
    assertThat(Sources.parse("builtin", Sources.Overrides.NONE).remote()).isFalse();
    assertThat(Sources.parse("file:/etc/cfsync/extra.txt", Sources.Overrides.NONE).name())
        .isEqualTo("file:/etc/cfsync/extra.txt");
    assertThat(Sources.parse("cloudflare", Sources.Overrides.NONE).remote()).isTrue();
    assertThat(catchThrowable(() -> Sources.parse("cloudfare", Sources.Overrides.NONE)))
        .isInstanceOf(io.cfsync.error.UsageError.class).hasMessage("unknown source "
            + "\"cloudfare\": use one of cloudflare, cloudflare-api, builtin, file:PATH, url:URL");
    assertThat(catchThrowable(() -> Sources.parse("url:http://mirror.example/cf.txt",
        Sources.Overrides.NONE))).isInstanceOf(io.cfsync.error.UsageError.class)
        .hasMessageContaining("refusing plain http to mirror.example");
    assertThat(catchThrowable(() -> Sources.parse("cloudflare", new Sources.Overrides(
        Optional.of("http://www.cloudflare.com/ips-v4"), Optional.empty(), Optional.empty()))))
        .isInstanceOf(io.cfsync.error.UsageError.class);
    assertThat(catchThrowable(() -> Sources.parse("file:", Sources.Overrides.NONE)))
        .isInstanceOf(io.cfsync.error.UsageError.class);
  }

  @Test
  void builtinSnapshotHoldsTodaysListsAndItsDate() {
    Fetched f = new BuiltinSource().fetch(new FetchContext(BOTH, Limits.DEFAULT,
        () -> { throw new AssertionError("the snapshot needs no network"); },
        url -> Optional.empty()));
    assertThat(f.prefixes()).containsExactlyElementsOf(Fixtures.all());
    assertThat(f.snapshotDate()).contains(BuiltinSource.date());
    assertThat(BuiltinSource.date()).matches("\\d{4}-\\d{2}-\\d{2}");
    ImmutableList<Prefix> v6 = new BuiltinSource().fetch(new FetchContext(
        ImmutableSet.of(Family.V6), Limits.DEFAULT, () -> http, url -> Optional.empty()))
        .prefixes();
    assertThat(v6).hasSize(7);
  }
}
