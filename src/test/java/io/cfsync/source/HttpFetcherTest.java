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

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.google.common.base.Strings;
import io.cfsync.error.ExitCode;
import io.cfsync.error.SourceRejected;
import io.cfsync.error.SourceUnavailable;
import io.cfsync.error.UsageError;
import io.cfsync.source.HttpFetcher.Answer;
import io.cfsync.source.HttpFetcher.BodyKind;
import io.cfsync.source.HttpFetcher.Conditional;
import io.cfsync.testing.Fixtures;
import io.cfsync.testing.RawHttpServer;
import io.cfsync.testing.RecordingSleeper;
import io.cfsync.testing.TestHttp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP client on its own: what it sends, what it follows, how it classifies answers. */
class HttpFetcherTest {

  @RegisterExtension
  static WireMockExtension wm = WireMockExtension.newInstance()
      // Jetty would gzip and rewrite ETags ("--gzip"); the raw server covers gzip below.
      .options(wireMockConfig().dynamicPort().gzipDisabled(true)).build();

  private final RecordingSleeper sleeper = new RecordingSleeper();
  private final HttpFetcher http = TestHttp.fetcher(3, Duration.ofSeconds(2), sleeper);

  private Answer fetch(String path) {
    return http.get("test", wm.url(path), Conditional.NONE, BodyKind.TEXT);
  }

  private static Throwable failure(Runnable r) {
    Throwable t = catchThrowable(r::run);
    assertThat(t).isNotNull();
    assertThat(t.getMessage()).doesNotContain("\n");
    return t;
  }

  private static void stub(String path, com.github.tomakehurst.wiremock.client
      .ResponseDefinitionBuilder response) {
    wm.stubFor(get(urlEqualTo(path)).willReturn(response));
  }

  private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder list() {
    return aResponse().withStatus(200).withHeader("Content-Type", "text/plain")
        .withBody(Fixtures.v4());
  }

  // ---- what it sends -----------------------------------------------------------------------

  @Test
  void sendsItsUserAgentAndAcceptHeaders() {
    stub("/ips-v4", list());
    http.get("test", wm.url("/ips-v4"), Conditional.NONE, BodyKind.TEXT);
    http.get("test", wm.url("/ips-v4"), Conditional.NONE, BodyKind.JSON);
    wm.verify(getRequestedFor(urlEqualTo("/ips-v4"))
        .withHeader("User-Agent", equalTo(TestHttp.USER_AGENT))
        .withHeader("Accept", equalTo("text/plain"))
        .withHeader("If-None-Match", absent()).withHeader("If-Modified-Since", absent()));
    wm.verify(getRequestedFor(urlEqualTo("/ips-v4"))
        .withHeader("Accept", equalTo("application/json")));
  }

  @Test
  void returnsTheBodyWithItsValidators() {
    stub("/ips-v4", list().withHeader("ETag", "W/\"abc\"")
        .withHeader("Last-Modified", "Mon, 04 May 2026 10:00:00 GMT"));
    Answer a = fetch("/ips-v4");
    assertThat(a.notModified()).isFalse();
    assertThat(a.body()).isEqualTo(Fixtures.v4());
    assertThat(a.etag()).contains("W/\"abc\"");
    assertThat(a.lastModified()).contains("Mon, 04 May 2026 10:00:00 GMT");
    assertThat(a.url()).isEqualTo(wm.url("/ips-v4"));
  }

  @Test
  void sendsBothValidatorsOnAConditionalGetAndKeepsThemOn304() {
    wm.stubFor(get(urlEqualTo("/ips-v4")).withHeader("If-None-Match", equalTo("\"v1\""))
        .withHeader("If-Modified-Since", equalTo("Mon, 04 May 2026 10:00:00 GMT"))
        .willReturn(aResponse().withStatus(304)));
    Answer a = http.get("test", wm.url("/ips-v4"), new Conditional(Optional.of("\"v1\""),
        Optional.of("Mon, 04 May 2026 10:00:00 GMT")), BodyKind.TEXT);
    assertThat(a.notModified()).isTrue();
    assertThat(a.body()).isEmpty();
    // A 304 without validators of its own keeps the ones that were sent.
    assertThat(a.etag()).contains("\"v1\"");
    assertThat(a.lastModified()).contains("Mon, 04 May 2026 10:00:00 GMT");
  }

  @Test
  void rejectsA304ToAnUnconditionalRequest() {
    stub("/ips-v4", aResponse().withStatus(304));
    Throwable t = failure(() -> fetch("/ips-v4"));
    assertThat(t).isInstanceOf(SourceRejected.class)
        .hasMessageContaining("answered 304 to an unconditional request; firewall unchanged");
  }

  // ---- retries -----------------------------------------------------------------------------

  @Test
  void retriesServerErrorsWithDoublingBackoffThenGivesUp() {
    stub("/ips-v4", aResponse().withStatus(503));
    Throwable t = failure(() -> fetch("/ips-v4"));
    assertThat(t).isInstanceOf(SourceUnavailable.class).hasMessage("source test: "
        + wm.url("/ips-v4") + " answered 503 Service Unavailable (server trouble; tried 3 "
        + "times)");
    assertThat(((SourceUnavailable) t).exitCode()).isEqualTo(ExitCode.ERROR);
    assertThat(sleeper.pauses()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
    wm.verify(3, getRequestedFor(urlEqualTo("/ips-v4")));
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 502, 503, 504, 429, 408})
  void retriesTransientStatusesUntilSuccess(int status) {
    wm.stubFor(get(urlEqualTo("/ips-v4")).inScenario("flaky").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(status)).willSetStateTo("up"));
    wm.stubFor(get(urlEqualTo("/ips-v4")).inScenario("flaky").whenScenarioStateIs("up")
        .willReturn(list()));
    assertThat(fetch("/ips-v4").body()).isEqualTo(Fixtures.v4());
    assertThat(sleeper.pauses()).containsExactly(Duration.ofSeconds(1));
  }

  @Test
  void retriesAResetThenSucceeds() {
    wm.stubFor(get(urlEqualTo("/ips-v4")).inScenario("reset").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER))
        .willSetStateTo("up"));
    wm.stubFor(get(urlEqualTo("/ips-v4")).inScenario("reset").whenScenarioStateIs("up")
        .willReturn(list()));
    assertThat(fetch("/ips-v4").body()).isEqualTo(Fixtures.v4());
    assertThat(sleeper.pauses()).hasSize(1);
  }

  @Test
  void retriesATimeoutThenSucceeds() {
    HttpFetcher quick = TestHttp.fetcher(2, Duration.ofMillis(500), sleeper);
    wm.stubFor(get(urlEqualTo("/ips-v4")).inScenario("slow").whenScenarioStateIs(STARTED)
        .willReturn(list().withFixedDelay(3000)).willSetStateTo("up"));
    wm.stubFor(get(urlEqualTo("/ips-v4")).inScenario("slow").whenScenarioStateIs("up")
        .willReturn(list()));
    assertThat(quick.get("test", wm.url("/ips-v4"), Conditional.NONE, BodyKind.TEXT).body())
        .isEqualTo(Fixtures.v4());
    assertThat(sleeper.pauses()).containsExactly(Duration.ofSeconds(1));
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 401, 403, 404, 410, 204, 206})
  void rejectsOtherStatusesWithoutRetrying(int status) {
    stub("/ips-v4", aResponse().withStatus(status).withBody(status == 204 ? "" : "nope"));
    Throwable t = failure(() -> fetch("/ips-v4"));
    assertThat(t).isInstanceOf(SourceRejected.class)
        .hasMessageStartingWith("source test: " + wm.url("/ips-v4") + " answered " + status)
        .hasMessageEndingWith("; firewall unchanged");
    assertThat(((SourceRejected) t).exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(sleeper.pauses()).isEmpty();
    wm.verify(1, getRequestedFor(urlEqualTo("/ips-v4")));
  }

  @Test
  void reportsARefusedConnectionAsUnavailableAfterRetrying() throws Exception {
    String url;
    try (RawHttpServer closed = new RawHttpServer(RawHttpServer.ok("text/plain", ""))) {
      url = closed.url("/ips-v4");
    }
    Throwable t = failure(() -> http.get("test", url, Conditional.NONE, BodyKind.TEXT));
    assertThat(t).isInstanceOf(SourceUnavailable.class).hasMessageStartingWith("source test: "
        + url + ": ");
    assertThat(sleeper.pauses()).hasSize(2);
  }

  // ---- redirects ---------------------------------------------------------------------------

  @Test
  void followsThe2022RedirectToTheTrailingSlash() {
    stub("/ips-v4", aResponse().withStatus(301).withHeader("Location", "/ips-v4/"));
    stub("/ips-v4/", list());
    Answer a = fetch("/ips-v4");
    assertThat(a.body()).isEqualTo(Fixtures.v4());
    assertThat(a.url()).isEqualTo(wm.url("/ips-v4/"));
    wm.verify(getRequestedFor(urlEqualTo("/ips-v4/"))
        .withHeader("User-Agent", equalTo(TestHttp.USER_AGENT)));
  }

  @Test
  void followsAbsoluteAndRelativeLocationsUpToFiveHops() {
    stub("/r0", aResponse().withStatus(302).withHeader("Location", wm.url("/r1")));
    stub("/r1", aResponse().withStatus(307).withHeader("Location", "r2"));
    stub("/r2", aResponse().withStatus(308).withHeader("Location", "/r3"));
    stub("/r3", aResponse().withStatus(303).withHeader("Location", "/r4"));
    stub("/r4", aResponse().withStatus(301).withHeader("Location", "/list"));
    stub("/list", list());
    assertThat(fetch("/r0").body()).isEqualTo(Fixtures.v4());
  }

  @Test
  void rejectsASixthRedirect() {
    for (int i = 0; i < 6; i++) {
      stub("/r" + i, aResponse().withStatus(302).withHeader("Location", "/r" + (i + 1)));
    }
    stub("/r6", list());
    Throwable t = failure(() -> fetch("/r0"));
    assertThat(t).isInstanceOf(SourceRejected.class).hasMessage("source test: more than 5 "
        + "redirects from " + wm.url("/r0") + "; firewall unchanged");
    wm.verify(0, getRequestedFor(urlEqualTo("/r6")));
  }

  @Test
  void rejectsARedirectLoop() {
    stub("/ips-v4", aResponse().withStatus(301).withHeader("Location", "/ips-v4"));
    Throwable t = failure(() -> fetch("/ips-v4"));
    assertThat(t).isInstanceOf(SourceRejected.class).hasMessageContaining("more than 5 "
        + "redirects");
    wm.verify(6, getRequestedFor(urlEqualTo("/ips-v4")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://www.cloudflare.com/ips-v4/", "http://10.0.0.1/ips-v4",
      "ftp://www.cloudflare.com/ips-v4"})
  void refusesARedirectToPlainHttpOffLoopback(String location) {
    stub("/ips-v4", aResponse().withStatus(301).withHeader("Location", location));
    Throwable t = failure(() -> fetch("/ips-v4"));
    assertThat(t).isInstanceOf(SourceRejected.class).hasMessage("source test: "
        + wm.url("/ips-v4") + " redirects to \"" + location + "\", which is not https; "
        + "firewall unchanged");
  }

  @Test
  void rejectsARedirectWithoutLocation() {
    stub("/ips-v4", aResponse().withStatus(302));
    assertThat(failure(() -> fetch("/ips-v4"))).isInstanceOf(SourceRejected.class)
        .hasMessageContaining("answered 302 without a Location");
  }

  @Test
  void refusesPlainHttpUrlsOffLoopbackBeforeConnecting() {
    for (String bad : new String[] {"http://www.cloudflare.com/ips-v4", "http://10.1.2.3/x",
        "http://[2606:4700::1]/x"}) {
      Throwable t = failure(() -> HttpFetcher.checkUrl(bad));
      assertThat(t).isInstanceOf(UsageError.class).hasMessageContaining("refusing plain http")
          .hasMessageContaining("use https://");
    }
    assertThat(failure(() -> HttpFetcher.checkUrl("ftp://x/y"))).isInstanceOf(UsageError.class)
        .hasMessage("\"ftp://x/y\" is not an http(s) URL");
    for (String ok : new String[] {"https://www.cloudflare.com/ips-v4", "http://127.0.0.1:1/x",
        "http://127.1.2.3/x", "http://[::1]:8080/x", "http://localhost/x"}) {
      assertThat(HttpFetcher.checkUrl(ok).toString()).startsWith(ok.substring(0, 8));
    }
  }

  // ---- bodies ------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"text/html", "text/html; charset=utf-8", "application/xhtml+xml",
      "text/xml", "image/png", "application/json"})
  void rejectsContentTypesThatAreNotAList(String type) {
    stub("/ips-v4", aResponse().withStatus(200).withHeader("Content-Type", type)
        .withBody(Fixtures.v4()));
    Throwable t = failure(() -> fetch("/ips-v4"));
    assertThat(t).isInstanceOf(SourceRejected.class)
        .hasMessageContaining(" sent Content-Type " + type.replaceFirst(";.*", "")
            + ", not a text list (an error or captive-portal page?); firewall unchanged");
  }

  @Test
  void acceptsPlainTextOctetStreamsAndNoContentType() {
    stub("/a", aResponse().withStatus(200).withHeader("Content-Type", "application/octet-stream")
        .withBody(Fixtures.v4()));
    stub("/b", aResponse().withStatus(200).withBody(Fixtures.v4()));
    stub("/c", aResponse().withStatus(200).withHeader("Content-Type", "TEXT/PLAIN; charset=UTF-8")
        .withBody(Fixtures.v4()));
    assertThat(fetch("/a").body()).isEqualTo(Fixtures.v4());
    assertThat(fetch("/b").body()).isEqualTo(Fixtures.v4());
    assertThat(fetch("/c").body()).isEqualTo(Fixtures.v4());
  }

  @Test
  void judgesJsonBodiesByTheirOwnTypes() {
    stub("/j", aResponse().withStatus(200).withHeader("Content-Type", "application/problem+json")
        .withBody("{}"));
    stub("/h", aResponse().withStatus(200).withHeader("Content-Type", "text/html")
        .withBody("<html></html>"));
    assertThat(http.get("t", wm.url("/j"), Conditional.NONE, BodyKind.JSON).body()).isEqualTo(
        "{}");
    assertThat(failure(() -> http.get("t", wm.url("/h"), Conditional.NONE, BodyKind.JSON)))
        .isInstanceOf(SourceRejected.class).hasMessageContaining("not a JSON document");
  }

  @Test
  void rejectsABodyThatIsNotUtf8() {
    stub("/ips-v4", aResponse().withStatus(200).withHeader("Content-Type", "text/plain")
        .withBody(new byte[] {'1', '.', (byte) 0xff, (byte) 0xfe, '\n'}));
    assertThat(failure(() -> fetch("/ips-v4"))).isInstanceOf(SourceRejected.class)
        .hasMessage("source test: " + wm.url("/ips-v4") + " sent a body that is not UTF-8 text; "
            + "firewall unchanged");
  }

  @Test
  void rejectsABodyShorterThanItsContentLength() {
    byte[] part = Fixtures.v4().substring(0, 100).getBytes(StandardCharsets.US_ASCII);
    try (RawHttpServer raw = new RawHttpServer(RawHttpServer.response("HTTP/1.1 200 OK\n"
        + "Content-Type: text/plain\nContent-Length: 4000\nConnection: close", part))) {
      Throwable t = failure(() -> http.get("test", raw.url("/ips-v4"), Conditional.NONE,
          BodyKind.TEXT));
      assertThat(t).isInstanceOf(SourceRejected.class).hasMessage("source test: "
          + raw.url("/ips-v4") + " sent 100 of the 4000 bytes its Content-Length announced "
          + "(truncated); firewall unchanged");
      assertThat(raw.requests()).containsExactly("GET /ips-v4 HTTP/1.1");
    }
  }

  @Test
  void acceptsABodyEndedByClosingTheConnection() {
    byte[] body = Fixtures.v4().getBytes(StandardCharsets.US_ASCII);
    try (RawHttpServer raw = new RawHttpServer(RawHttpServer.response("HTTP/1.1 200 OK\n"
        + "Content-Type: text/plain\nConnection: close", body))) {
      assertThat(http.get("test", raw.url("/x"), Conditional.NONE, BodyKind.TEXT).body())
          .isEqualTo(Fixtures.v4());
    }
  }

  @Test
  void capsBodiesByDeclaredAndByActualSize() {
    HttpFetcher small = new HttpFetcher(TestHttp.client(Duration.ofSeconds(2)).build(), sleeper,
        1, Duration.ofSeconds(1), 1000, TestHttp.USER_AGENT);
    stub("/exact", aResponse().withStatus(200).withHeader("Content-Length", "1000")
        .withBody(Strings.repeat("x", 1000)));
    stub("/over", aResponse().withStatus(200).withHeader("Content-Length", "1001")
        .withBody(Strings.repeat("x", 1001)));
    stub("/chunked", aResponse().withStatus(200).withBody(Strings.repeat("x", 1001)));
    assertThat(small.get("t", wm.url("/exact"), Conditional.NONE, BodyKind.TEXT).body())
        .hasSize(1000);
    assertThat(failure(() -> small.get("t", wm.url("/over"), Conditional.NONE, BodyKind.TEXT)))
        .isInstanceOf(SourceRejected.class).hasMessage("source t: " + wm.url("/over")
            + " declares 1001 bytes, over the 1000-byte cap; firewall unchanged");
    assertThat(failure(() -> small.get("t", wm.url("/chunked"), Conditional.NONE,
        BodyKind.TEXT))).isInstanceOf(SourceRejected.class).hasMessage("source t: "
            + wm.url("/chunked") + " sent more than 1000 bytes (the cap); firewall unchanged");

    byte[] big = Strings.repeat("x", 5000).getBytes(StandardCharsets.US_ASCII);
    try (RawHttpServer raw = new RawHttpServer(RawHttpServer.response("HTTP/1.1 200 OK\n"
        + "Content-Type: text/plain\nConnection: close", big))) {
      assertThat(failure(() -> small.get("t", raw.url("/x"), Conditional.NONE, BodyKind.TEXT)))
          .isInstanceOf(SourceRejected.class).hasMessage("source t: " + raw.url("/x")
              + " sent more than 1000 bytes (the cap); firewall unchanged");
    }
  }

  @Test
  void capsTheDecompressedSizeOfAGzippedBody() throws Exception {
    // 2 MiB of list compresses to a few KiB; the cap must count what it expands to.
    java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(zipped)) {
      gz.write(Strings.repeat("104.16.0.0/13\n", 150_000).getBytes(StandardCharsets.US_ASCII));
    }
    byte[] body = zipped.toByteArray();
    try (RawHttpServer raw = new RawHttpServer(RawHttpServer.response("HTTP/1.1 200 OK\n"
        + "Content-Type: text/plain\nContent-Encoding: gzip\nContent-Length: " + body.length
        + "\nConnection: close", body))) {
      assertThat(failure(() -> http.get("t", raw.url("/x"), Conditional.NONE, BodyKind.TEXT)))
          .isInstanceOf(SourceRejected.class).hasMessage("source t: " + raw.url("/x")
              + " sent more than 1048576 bytes (the cap); firewall unchanged");
    }
  }

  @Test
  void readsAGzippedList() throws Exception {
    java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(zipped)) {
      gz.write(Fixtures.v4().getBytes(StandardCharsets.US_ASCII));
    }
    byte[] body = zipped.toByteArray();
    try (RawHttpServer raw = new RawHttpServer(RawHttpServer.response("HTTP/1.1 200 OK\n"
        + "Content-Type: text/plain\nContent-Encoding: gzip\nContent-Length: " + body.length
        + "\nConnection: close", body))) {
      assertThat(http.get("t", raw.url("/x"), Conditional.NONE, BodyKind.TEXT).body())
          .isEqualTo(Fixtures.v4());
    }
  }

  @Test
  void rejectsAnOversizedBodyAtTheOneMebibyteDefault() {
    stub("/ips-v4", aResponse().withStatus(200).withHeader("Content-Type", "text/plain")
        .withHeader("Content-Length", "1120000")
        .withBody(Strings.repeat("104.16.0.0/13\n", 80_000)));
    assertThat(failure(() -> fetch("/ips-v4"))).isInstanceOf(SourceRejected.class)
        .hasMessageContaining("declares 1120000 bytes, over the 1048576-byte cap");
  }

  @Test
  void reportsASlowDripPastTheReadTimeoutAsUnavailable() {
    HttpFetcher quick = TestHttp.fetcher(2, Duration.ofMillis(700), sleeper);
    stub("/ips-v4", list().withChunkedDribbleDelay(3, 9000));
    Throwable t = failure(() -> quick.get("test", wm.url("/ips-v4"), Conditional.NONE,
        BodyKind.TEXT));
    assertThat(t).isInstanceOf(SourceUnavailable.class).hasMessageContaining("timed out");
    assertThat(sleeper.pauses()).hasSize(1);
  }

  @Test
  void reportsResetsAndBrokenResponsesAsUnavailable() {
    for (Fault f : new Fault[] {Fault.CONNECTION_RESET_BY_PEER, Fault.EMPTY_RESPONSE,
        Fault.MALFORMED_RESPONSE_CHUNK, Fault.RANDOM_DATA_THEN_CLOSE}) {
      wm.resetAll();
      stub("/ips-v4", aResponse().withFault(f));
      Throwable t = failure(() -> fetch("/ips-v4"));
      assertThat(t).as("%s", f).isInstanceOf(SourceUnavailable.class)
          .hasMessageStartingWith("source test: " + wm.url("/ips-v4"));
    }
  }
}
