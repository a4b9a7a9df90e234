package io.cfsync.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.cfsync.error.ExitCode;
import io.cfsync.model.Prefix;
import io.cfsync.source.BuiltinSource;
import io.cfsync.testing.Fixtures;
import io.cfsync.testing.RawHttpServer;
import io.cfsync.testing.SourceKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code cfsync fetch}: the command line contract, run in-process and as a real process. */
class FetchCommandTest {

  @RegisterExtension
  static WireMockExtension wm = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort().gzipDisabled(true)).build();

  @TempDir
  Path tmp;

  private Path state;
  private Path emptyConfig;

  @BeforeEach
  void hermetic() throws IOException {
    state = tmp.resolve("state");
    // An explicit empty config: a stray /etc/cfsync/cfsync.conf must not change the tests.
    emptyConfig = Files.writeString(tmp.resolve("empty.conf"), "");
  }

  /** Runs {@code cfsync fetch ARGS} in-process with this test's state dir and empty config. */
  private CliRun fetch(String... args) {
    List<String> argv = new ArrayList<>(List.of("fetch", "--state-dir", state.toString()));
    if (Stream.of(args).noneMatch(a -> a.startsWith("--config"))) {
      argv.addAll(List.of("--config", emptyConfig.toString()));
    }
    argv.addAll(List.of(args));
    return CliRun.inProcess(argv.toArray(String[]::new));
  }

  private static List<String> sorted(List<Prefix> prefixes) {
    return prefixes.stream().sorted().map(Prefix::toString).toList();
  }

  private Path file(String name, String body) throws IOException {
    return Files.writeString(tmp.resolve(name), body);
  }

  private String[] cloudflareAt(String v4Url) {
    return new String[] {"--source", "cloudflare", "--ipv4-url", v4Url, "--ipv6-url",
        wm.url("/ips-v6")};
  }

  // ---- the built-in snapshot ---------------------------------------------------------------

  @Test
  void printsTheBuiltinSnapshotsTwentyTwoPrefixes() {
    CliRun r = fetch("--source", "builtin");
    assertThat(r.exit()).isEqualTo(ExitCode.OK);
    assertThat(r.out().lines()).hasSize(22).containsExactlyElementsOf(sorted(Fixtures.all()));
    assertThat(r.out()).startsWith("103.21.244.0/22\n").endsWith("2c0f:f248::/32\n");
    assertThat(r.errLines()).containsExactly(
        "cfsync: 15 IPv4 + 7 IPv6 prefixes from builtin (local)");
  }

  @Test
  void quietPrintsOnlyTheList() {
    CliRun r = fetch("--source", "builtin", "-q");
    assertThat(r.exit()).isZero();
    assertThat(r.out().lines()).hasSize(22);
    assertThat(r.err()).isEmpty();
  }

  @Test
  void printsTheJsonDocumentOfTheSnapshot() {
    CliRun r = fetch("--source", "builtin", "--json");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).startsWith("{\n  \"schema\" : \"cfsync.fetch/v1\",");
    assertThat(r.out()).contains("\"snapshotDate\" : \"" + BuiltinSource.date() + "\"");
    Goldens.assertMatches("fetch/builtin.json", Goldens.normalise(r.out()));
  }

  // ---- remote sources ----------------------------------------------------------------------

  @Test
  void printsTheJsonDocumentOfAFreshDownload() {
    SourceKind.CLOUDFLARE.stubGood(wm);
    CliRun r = fetch(concat(cloudflareAt(wm.url("/ips-v4")), "--json"));
    assertThat(r.exit()).isZero();
    Goldens.assertMatches("fetch/cloudflare-fresh.json", Goldens.normalise(r.out()));
  }

  @Test
  void sendsItsVersionAsUserAgent() {
    SourceKind.CLOUDFLARE.stubGood(wm);
    assertThat(fetch(cloudflareAt(wm.url("/ips-v4"))).exit()).isZero();
    assertThat(Version.get()).matches("\\d+\\.\\d+\\.\\d+.*");
    wm.verify(getRequestedFor(urlEqualTo("/ips-v4"))
        .withHeader("User-Agent", equalTo("cfsync/" + Version.get())));
    wm.verify(getRequestedFor(urlEqualTo("/ips-v6"))
        .withHeader("User-Agent", equalTo("cfsync/" + Version.get())));
  }

  @Test
  void refusesAnHtmlPageWithExit3AndKeepsTheCache() throws IOException {
    SourceKind.CLOUDFLARE.stubGood(wm);
    assertThat(fetch(cloudflareAt(wm.url("/ips-v4"))).exit()).isZero();
    byte[] cached = cacheBytes();
    wm.stubFor(get(urlEqualTo("/ips-v4")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/plain").withBody("<html><body>Login</body></html>")));

    CliRun r = fetch(cloudflareAt(wm.url("/ips-v4")));

    assertThat(r.exit()).isEqualTo(ExitCode.REFUSED);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).containsExactly("cfsync: source cloudflare (" + wm.url("/ips-v4")
        + "): the body is an HTML/XML page, not a list (an error or captive-portal page?); "
        + "firewall unchanged");
    assertThat(cacheBytes()).isEqualTo(cached);
  }

  @Test
  void fallsBackToTheCacheThenTheSnapshotWhenTheUrlIsUnreachable() throws IOException {
    String unreachable;
    try (RawHttpServer closed = new RawHttpServer(RawHttpServer.ok("text/plain", ""))) {
      unreachable = closed.url("/ips-v4");
    }
    // A list that differs from the snapshot, so that the cache is visibly what was used.
    String v4 = Fixtures.v4() + "203.1.113.0/24\n";
    wm.stubFor(get(urlEqualTo("/ips-v4")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/plain").withBody(v4)));
    SourceKind.CLOUDFLARE.stubOthers(wm);
    assertThat(fetch(cloudflareAt(wm.url("/ips-v4"))).exit()).isZero();
    wm.stubFor(get(urlEqualTo("/ips-v6")).willReturn(aResponse().withStatus(503)));

    CliRun cached = fetch("--source", "cloudflare", "--ipv4-url", unreachable, "--ipv6-url",
        wm.url("/ips-v6"));

    assertThat(cached.exit()).isEqualTo(ExitCode.OK);
    assertThat(cached.out()).contains("203.1.113.0/24\n");
    assertThat(cached.out().lines()).hasSize(23);
    assertThat(cached.errLines()).anySatisfy(l -> assertThat(l)
        .startsWith("cfsync: WARNING: source cloudflare: " + unreachable + ": ")
        .contains("using the last-known-good list of cloudflare from ")
        .endsWith("(16 IPv4 + 7 IPv6 prefixes), add-only: nothing will be removed"));

    state = tmp.resolve("empty-state");
    CliRun snapshot = fetch("--source", "cloudflare", "--ipv4-url", unreachable,
        "--ipv6-url", wm.url("/ips-v6"), "--json");

    assertThat(snapshot.exit()).isEqualTo(ExitCode.OK);
    assertThat(snapshot.errLines()).anySatisfy(l -> assertThat(l)
        .startsWith("cfsync: WARNING: source cloudflare: " + unreachable + ": ")
        .contains("no cached copy either, using the built-in snapshot of "
            + BuiltinSource.date()));
    Goldens.assertMatches("fetch/cloudflare-fallback-builtin.json",
        Goldens.normalise(snapshot.out()).replaceAll(
            "(\"failure\" : \"source cloudflare: http://127.0.0.1:<port>/ips-v4: )[^\"]*\"",
            "$1<connect error>\""));
  }

  private byte[] cacheBytes() throws IOException {
    try (Stream<Path> s = Files.list(state)) {
      Path cache = s.filter(p -> p.getFileName().toString().startsWith("cache-")).findFirst()
          .orElseThrow();
      return Files.readAllBytes(cache);
    }
  }

  // ---- files and validation ----------------------------------------------------------------

  @Test
  void refusesAFileHoldingTheWholeInternetWithExit3AndOneLine() throws IOException {
    Path open = file("open.txt", "# allow everyone\n0.0.0.0/0\n");
    CliRun r = fetch("--source", "file:" + open);
    assertThat(r.exit()).isEqualTo(ExitCode.REFUSED);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("cfsync: source file:" + open + " line 2: \"0.0.0.0/0\" "
        + "would allow the whole Internet; firewall unchanged\n");
  }

  @Test
  void exitsWith3AsARealProcessToo() throws IOException {
    Path open = file("open.txt", "0.0.0.0/0\n");
    CliRun r = CliRun.process(Map.of(), "fetch", "--state-dir", state.toString(), "--config",
        emptyConfig.toString(), "--source", "file:" + open);
    assertThat(r.exit()).isEqualTo(ExitCode.REFUSED);
    assertThat(r.err()).isEqualTo("cfsync: source file:" + open + " line 1: \"0.0.0.0/0\" "
        + "would allow the whole Internet; firewall unchanged\n");
  }

  @Test
  void aV4OnlyRunNeedsNoIpv6Minimum() throws IOException {
    Path v4 = file("v4.txt", Fixtures.v4());
    CliRun both = fetch("--source", "file:" + v4);
    assertThat(both.exit()).isEqualTo(ExitCode.REFUSED);
    assertThat(both.err()).contains("only 0 ipv6 prefixes, at least 4 expected");

    CliRun four = fetch("--source", "file:" + v4, "--family", "4");
    assertThat(four.exit()).isZero();
    assertThat(four.out().lines()).containsExactlyElementsOf(
        sorted(Fixtures.prefixes(Fixtures.v4())));
  }

  @Test
  void familySixPrintsOnlyIpv6() {
    CliRun r = fetch("--source", "builtin", "--family", "6");
    assertThat(r.exit()).isZero();
    assertThat(r.out().lines()).containsExactlyElementsOf(
        sorted(Fixtures.prefixes(Fixtures.v6())));
  }

  @Test
  void unionsRepeatedSourcesAndValidatesEachOnItsOwn() throws IOException {
    Path mine = file("mine.txt", "# office\n203.1.113.0/24\n2001:4860::/32\n");
    CliRun r = fetch("--source", "builtin", "--source", "file:" + mine, "--min-prefixes", "1");
    assertThat(r.exit()).isZero();
    assertThat(r.out().lines()).hasSize(24).contains("203.1.113.0/24", "2001:4860::/32");
    assertThat(r.errLines()).containsExactly("cfsync: 16 IPv4 + 8 IPv6 prefixes from builtin "
        + "(local), file:" + mine + " (local)");

    // The same with a comma, and one bad source refuses the run naming that source.
    Path bad = file("bad.txt", "203.1.113.0/24\n10.0.0.0/8\n");
    CliRun refused = fetch("--source", "builtin,file:" + bad, "--min-prefixes", "1");
    assertThat(refused.exit()).isEqualTo(ExitCode.REFUSED);
    assertThat(refused.out()).isEmpty();
    assertThat(refused.err()).startsWith("cfsync: source file:" + bad + " line 2: "
        + "\"10.0.0.0/8\" overlaps 10.0.0.0/8, private (RFC 1918)");
  }

  @Test
  void eachSourceMeetsTheMinimumOnItsOwn() throws IOException {
    // Together they would hold enough; the short file alone does not.
    Path mine = file("mine.txt", "203.1.113.0/24\n");
    CliRun r = fetch("--source", "builtin", "--source", "file:" + mine, "--family", "4");
    assertThat(r.exit()).isEqualTo(ExitCode.REFUSED);
    assertThat(r.err()).startsWith("cfsync: source file:" + mine + ": only 1 ipv4 prefixes");
  }

  @Test
  void aMissingFileIsAnErrorWithExit1() {
    CliRun r = fetch("--source", "file:" + tmp.resolve("nope.txt"));
    assertThat(r.exit()).isEqualTo(ExitCode.ERROR);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("cfsync: source file:" + tmp.resolve("nope.txt")
        + ": no such file; no last-known-good copy");
  }

  // ---- usage -------------------------------------------------------------------------------

  @Test
  void anUnknownOptionExits64() {
    CliRun r = fetch("--source", "builtin", "--bogus");
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).containsExactly("cfsync: Unknown option: '--bogus' (see 'cfsync "
        + "fetch --help')");
  }

  @Test
  void badValuesExit64WithOneLine() {
    for (String[] args : List.of(new String[] {"--source", "cloudfare"},
        new String[] {"--source", "builtin", "--family", "5"},
        new String[] {"--source", "builtin", "--min-prefixes", "ten"},
        new String[] {"--source", "url:http://mirror.example/cf.txt"},
        new String[] {"--source", "builtin", "--http-timeout", "soon"})) {
      CliRun r = fetch(args);
      assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(ExitCode.USAGE);
      assertThat(r.errLines()).as(String.join(" ", args)).hasSize(1)
          .allMatch(l -> l.startsWith("cfsync: "));
    }
  }

  @Test
  void noCommandExits64AndVersionAndHelpExit0() {
    assertThat(CliRun.inProcess().exit()).isEqualTo(ExitCode.USAGE);
    CliRun v = CliRun.inProcess("--version");
    assertThat(v.exit()).isZero();
    assertThat(v.out()).startsWith("cfsync " + Version.get() + "\n")
        .contains("built-in Cloudflare snapshot: " + BuiltinSource.date());
    CliRun h = CliRun.inProcess("fetch", "--help");
    assertThat(h.exit()).isZero();
    assertThat(h.out()).contains("--source").contains("--json").contains("Exit codes");
  }

  // ---- config defaults ---------------------------------------------------------------------

  @Test
  void takesDefaultsFromTheConfigFileAndTheCommandLineWins() throws IOException {
    Path mine = file("mine.txt", "203.1.113.0/24\n2001:4860::/32\n");
    Path conf = file("cfsync.conf", "# /etc/cfsync/cfsync.conf\nsource = file:" + mine
        + "\nmin-prefixes = 1,1\n");

    CliRun fromConfig = fetch("--config", conf.toString());
    assertThat(fromConfig.exit()).isZero();
    assertThat(fromConfig.out().lines()).containsExactly("203.1.113.0/24", "2001:4860::/32");

    CliRun overridden = fetch("--config", conf.toString(), "--source", "builtin");
    assertThat(overridden.exit()).isZero();
    assertThat(overridden.out().lines()).hasSize(22);

    // min-prefixes from the file still applies when the command line names the source.
    CliRun both = fetch("--config=" + conf, "--source", "builtin,file:" + mine);
    assertThat(both.exit()).isZero();
    assertThat(both.out().lines()).hasSize(24);
  }

  @Test
  void aCommandQualifiedKeyWinsOverThePlainOne() throws IOException {
    Path mine = file("mine.txt", "203.1.113.0/24\n");
    Path conf = file("cfsync.conf", "source = cloudflare\nfetch.source = file:" + mine
        + "\nmin-prefixes = 1,0\nfamily = 4\n");
    CliRun r = fetch("--config", conf.toString());
    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("203.1.113.0/24\n");
  }

  @Test
  void warnsAboutUnknownConfigKeys() throws IOException {
    Path conf = file("cfsync.conf", "source = builtin\nsorce = cloudflare\n");
    CliRun r = fetch("--config", conf.toString());
    assertThat(r.exit()).isZero();
    assertThat(r.errLines()).contains("cfsync: config file " + conf
        + ": unknown key \"sorce\" ignored");
  }

  @Test
  void anExplicitMissingConfigExits64() {
    Path missing = tmp.resolve("nope.conf");
    CliRun r = fetch("--config", missing.toString(), "--source", "builtin");
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("cfsync: config file " + missing
        + " does not exist; fix --config\n");
  }

  // ---- the environment ---------------------------------------------------------------------

  @Test
  void honoursHttpProxyFromTheEnvironment() {
    // WireMock plays the proxy; the origin behind it would serve an empty list.
    wm.stubFor(get(urlEqualTo("/lists/cf.txt")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/plain").withBody(Fixtures.v4() + Fixtures.v6())));
    try (RawHttpServer origin = new RawHttpServer(RawHttpServer.ok("text/plain", ""))) {
      CliRun r = CliRun.process(Map.of("HTTP_PROXY", wm.baseUrl()), "fetch", "--state-dir",
          state.toString(), "--config", emptyConfig.toString(), "--source",
          "url:" + origin.url("/lists/cf.txt"));
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out().lines()).hasSize(22);
      assertThat(origin.requests()).isEmpty();
    }
    wm.verify(getRequestedFor(urlEqualTo("/lists/cf.txt"))
        .withHeader("User-Agent", equalTo("cfsync/" + Version.get())));
  }

  private static String[] concat(String[] a, String... b) {
    return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
  }
}
