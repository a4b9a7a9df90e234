package io.cfsync.source;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.cfsync.error.UsageError;
import io.cfsync.source.HttpFetcher.BodyKind;
import io.cfsync.source.HttpFetcher.Conditional;
import io.cfsync.testing.ConnectProxy;
import io.cfsync.testing.Fixtures;
import io.cfsync.testing.RawHttpServer;
import io.cfsync.testing.RecordingSleeper;
import io.cfsync.testing.TestHttp;
import io.cfsync.testing.WireMockTls;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** HTTPS_PROXY / HTTP_PROXY / NO_PROXY as curl reads them, and requests really going through. */
class EnvProxyTest {

  @RegisterExtension
  static WireMockExtension wm = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort().dynamicHttpsPort().gzipDisabled(true)).build();

  @RegisterExtension
  static WireMockExtension proxyWm = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort().gzipDisabled(true)).build();

  private static List<Proxy> select(Map<String, String> env, String url) {
    return EnvProxy.fromEnvironment(env).select(URI.create(url));
  }

  private static Proxy http(String host, int port) {
    return new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(host, port));
  }

  // ---- reading the variables ---------------------------------------------------------------

  @Test
  void usesHttpsProxyForHttpsUrlsAndHttpProxyForHttpUrls() {
    Map<String, String> env = Map.of("HTTPS_PROXY", "http://proxy.corp:3128",
        "HTTP_PROXY", "http://web.corp:8080");
    assertThat(select(env, "https://www.cloudflare.com/ips-v4"))
        .containsExactly(http("proxy.corp", 3128));
    assertThat(select(env, "http://127.0.0.1:8080/ips-v4"))
        .containsExactly(http("web.corp", 8080));
  }

  @Test
  void goesDirectWithoutVariables() {
    assertThat(select(Map.of(), "https://www.cloudflare.com/ips-v4"))
        .containsExactly(Proxy.NO_PROXY);
    assertThat(select(Map.of("HTTP_PROXY", "http://web.corp:8080"),
        "https://www.cloudflare.com/ips-v4")).containsExactly(Proxy.NO_PROXY);
    assertThat(select(Map.of("HTTPS_PROXY", "  "), "https://www.cloudflare.com/ips-v4"))
        .containsExactly(Proxy.NO_PROXY);
  }

  @Test
  void prefersTheLowerCaseVariableAsCurlDoes() {
    Map<String, String> env = Map.of("https_proxy", "http://lower:1", "HTTPS_PROXY",
        "http://upper:2", "NO_PROXY", "example.org", "no_proxy", "cloudflare.com");
    assertThat(select(env, "https://www.cloudflare.com/")).containsExactly(Proxy.NO_PROXY);
    assertThat(select(env, "https://example.org/")).containsExactly(http("lower", 1));
  }

  @Test
  void acceptsAProxyWithoutSchemeAndDefaultsItsPort() {
    assertThat(select(Map.of("HTTPS_PROXY", "proxy.corp:3128"), "https://x.example/"))
        .containsExactly(http("proxy.corp", 3128));
    assertThat(select(Map.of("HTTPS_PROXY", "http://proxy.corp"), "https://x.example/"))
        .containsExactly(http("proxy.corp", 80));
  }

  @Test
  void refusesAProxyValueThatIsNotAUrl() {
    Throwable t = catchThrowable(() -> EnvProxy.fromEnvironment(Map.of("HTTPS_PROXY",
        "http://proxy corp:3128")));
    assertThat(t).isInstanceOf(UsageError.class).hasMessage("HTTPS_PROXY=\"http://proxy "
        + "corp:3128\" is not a proxy URL (use http://host:port)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"*", "cloudflare.com", ".cloudflare.com", "www.cloudflare.com",
      "WWW.Cloudflare.COM", "example.org, cloudflare.com", "cloudflare.com:443",
      " , cloudflare.com ,"})
  void bypassesHostsListedInNoProxy(String noProxy) {
    EnvProxy p = EnvProxy.fromEnvironment(Map.of("HTTPS_PROXY", "http://proxy:3128",
        "NO_PROXY", noProxy));
    assertThat(p.bypass("www.cloudflare.com")).isTrue();
    assertThat(p.select(URI.create("https://www.cloudflare.com/ips-v4")))
        .containsExactly(Proxy.NO_PROXY);
  }

  @Test
  void matchesDomainsOnLabelBoundariesOnly() {
    EnvProxy p = EnvProxy.fromEnvironment(Map.of("HTTPS_PROXY", "http://proxy:3128",
        "NO_PROXY", "cloudflare.com"));
    assertThat(p.bypass("notcloudflare.com")).isFalse();
    assertThat(p.bypass("cloudflare.com.evil.example")).isFalse();
    assertThat(p.bypass("api.cloudflare.com")).isTrue();
  }

  @Test
  void bypassesAddressesByLiteralAndByCidr() {
    EnvProxy p = EnvProxy.fromEnvironment(Map.of("HTTPS_PROXY", "http://proxy:3128",
        "NO_PROXY", "127.0.0.0/8,::1,10.1.2.3,fd00::/8"));
    assertThat(p.bypass("127.0.0.1")).isTrue();
    assertThat(p.bypass("127.200.0.9")).isTrue();
    assertThat(p.bypass("[::1]")).isTrue();
    assertThat(p.bypass("10.1.2.3")).isTrue();
    assertThat(p.bypass("10.1.2.4")).isFalse();
    assertThat(p.bypass("fd12::1")).isTrue();
    assertThat(p.bypass("2606:4700::1")).isFalse();
    // A name is not matched against address entries.
    assertThat(p.bypass("localhost")).isFalse();
    assertThat(p.select(URI.create("https://[::1]:8443/x"))).containsExactly(Proxy.NO_PROXY);
  }

  // ---- requests really going through -------------------------------------------------------

  private static HttpFetcher fetcherWith(EnvProxy env) {
    OkHttpClient.Builder b = WireMockTls.trustWireMock(new OkHttpClient.Builder()
        .connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(5))
        .retryOnConnectionFailure(false));
    env.configure(b);
    return new HttpFetcher(b.build(), new RecordingSleeper(), 1, Duration.ofSeconds(1),
        Limits.DEFAULT.maxBodyBytes(), TestHttp.USER_AGENT);
  }

  private static void stubList() {
    wm.stubFor(get(urlEqualTo("/ips-v4")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/plain").withBody(Fixtures.v4())));
  }

  private static String httpsUrl() {
    return "https://localhost:" + wm.getHttpsPort() + "/ips-v4";
  }

  @Test
  void tunnelsHttpsThroughTheHttpsProxy() {
    stubList();
    try (ConnectProxy proxy = new ConnectProxy(Optional.empty())) {
      HttpFetcher f = fetcherWith(EnvProxy.fromEnvironment(Map.of("HTTPS_PROXY",
          "http://127.0.0.1:" + proxy.port())));
      assertThat(f.get("cloudflare", httpsUrl(), Conditional.NONE, BodyKind.TEXT).body())
          .isEqualTo(Fixtures.v4());
      assertThat(proxy.heads()).hasSize(1);
      assertThat(proxy.heads().get(0))
          .startsWith("CONNECT localhost:" + wm.getHttpsPort() + " HTTP/1.1\r\n");
    }
    wm.verify(getRequestedFor(urlEqualTo("/ips-v4"))
        .withHeader("User-Agent", equalTo(TestHttp.USER_AGENT)));
  }

  @Test
  void authenticatesToTheProxyWithTheUrlsCredentials() {
    stubList();
    String basic = Credentials.basic("cfsync", "s3cret");
    try (ConnectProxy proxy = new ConnectProxy(Optional.of(basic))) {
      HttpFetcher f = fetcherWith(EnvProxy.fromEnvironment(Map.of("HTTPS_PROXY",
          "http://cfsync:s3cret@127.0.0.1:" + proxy.port())));
      assertThat(f.get("cloudflare", httpsUrl(), Conditional.NONE, BodyKind.TEXT).body())
          .isEqualTo(Fixtures.v4());
      // okhttp asks the authenticator before the first CONNECT (preemptively), as curl sends
      // the URL's credentials at once; either way the tunnel opens only with them.
      assertThat(proxy.heads()).isNotEmpty();
      assertThat(proxy.heads().get(proxy.heads().size() - 1))
          .contains("Proxy-Authorization: " + basic);
    }
  }

  @Test
  void goesAroundTheProxyForNoProxyHosts() {
    stubList();
    try (ConnectProxy proxy = new ConnectProxy(Optional.empty())) {
      HttpFetcher f = fetcherWith(EnvProxy.fromEnvironment(Map.of("HTTPS_PROXY",
          "http://127.0.0.1:" + proxy.port(), "NO_PROXY", "localhost")));
      assertThat(f.get("cloudflare", httpsUrl(), Conditional.NONE, BodyKind.TEXT).body())
          .isEqualTo(Fixtures.v4());
      assertThat(proxy.heads()).isEmpty();
    }
  }

  @Test
  void sendsPlainHttpToLoopbackThroughTheHttpProxy() {
    // WireMock as the proxy: it sees the absolute-form request and answers from its stub.
    proxyWm.stubFor(get(urlEqualTo("/ips-v4")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/plain").withBody(Fixtures.v4())));
    try (RawHttpServer origin = new RawHttpServer(RawHttpServer.ok("text/plain", ""))) {
      HttpFetcher f = fetcherWith(EnvProxy.fromEnvironment(Map.of("HTTP_PROXY",
          proxyWm.baseUrl())));
      assertThat(f.get("url", origin.url("/ips-v4"), Conditional.NONE, BodyKind.TEXT).body())
          .isEqualTo(Fixtures.v4());
      assertThat(origin.requests()).isEmpty();
    }
    proxyWm.verify(getRequestedFor(urlEqualTo("/ips-v4"))
        .withHeader("User-Agent", equalTo(TestHttp.USER_AGENT)));
  }
}
