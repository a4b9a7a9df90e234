package io.cfsync.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import io.cfsync.model.Prefix;
import io.cfsync.source.Fetched;
import io.cfsync.source.UrlState;
import io.cfsync.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListCacheTest {

  @TempDir
  Path tmp;

  static final Instant NOW = Instant.parse("2026-05-04T10:00:00Z");

  private final List<String> warnings = new ArrayList<>();

  private StateDir dir() {
    return new StateDir(tmp.resolve("state"));
  }

  private static Fetched cloudflare() {
    ImmutableList<Prefix> v4 = Fixtures.prefixes(Fixtures.v4());
    ImmutableList<Prefix> v6 = Fixtures.prefixes(Fixtures.v6());
    return new Fetched("cloudflare", Fixtures.all(), ImmutableList.of(
        new UrlState("https://www.cloudflare.com/ips-v4", Optional.of("\"v4-etag\""),
            Optional.of("Mon, 04 May 2026 09:00:00 GMT"), v4),
        new UrlState("https://www.cloudflare.com/ips-v6", Optional.empty(), Optional.empty(),
            v6)),
        Optional.empty(), false, Optional.empty());
  }

  private Path file(String source) {
    return dir().resolve(ListCache.fileName(source));
  }

  @Test
  void roundTripsAListWithItsMetadata() throws Exception {
    ListCache cache = new ListCache(dir());
    CachedList stored = cache.store(cloudflare(), NOW);

    CachedList loaded = cache.load("cloudflare", warnings::add).orElseThrow();

    assertThat(loaded).isEqualTo(stored);
    assertThat(loaded.source()).isEqualTo("cloudflare");
    assertThat(loaded.fetchedAt()).isEqualTo(NOW);
    assertThat(loaded.prefixes()).isEqualTo(Fixtures.all());
    assertThat(loaded.urls()).isEqualTo(cloudflare().urls());
    assertThat(loaded.urls().get(0).etag()).contains("\"v4-etag\"");
    assertThat(loaded.urls().get(0).lastModified()).contains("Mon, 04 May 2026 09:00:00 GMT");
    assertThat(loaded.urls().get(1).etag()).isEmpty();
    // The sha256 is that of the canonical text, one prefix a line (independently computed).
    StringBuilder text = new StringBuilder();
    Fixtures.all().forEach(p -> text.append(p).append('\n'));
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(text.toString().getBytes(StandardCharsets.UTF_8)));
    assertThat(loaded.sha256()).isEqualTo(sha);
    assertThat(warnings).isEmpty();
  }

  @Test
  void keepsTheListsOwnEtag() {
    ListCache cache = new ListCache(dir());
    Fetched api = new Fetched("cloudflare-api", Fixtures.all(), ImmutableList.of(),
        Optional.of("38f79d050aa027e3be3865e495dcc9bc"), false, Optional.empty());
    cache.store(api, NOW);
    assertThat(cache.load("cloudflare-api", warnings::add).orElseThrow().etag())
        .contains("38f79d050aa027e3be3865e495dcc9bc");
  }

  @Test
  void writesAVersionedJsonDocumentReadableOnlyByRoot() throws IOException {
    new ListCache(dir()).store(cloudflare(), NOW);
    Path f = file("cloudflare");
    String json = Files.readString(f);
    assertThat(json).contains("\"schema\" : \"cfsync.cache/v1\"")
        .contains("\"fetchedAt\" : \"2026-05-04T10:00:00Z\"").contains("\"173.245.48.0/20\"");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir().root())))
        .isEqualTo("rwx------");
    try (var s = Files.list(dir().root())) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly(f.getFileName()
          .toString());
    }
  }

  @Test
  void namesOneSafeFilePerSourceSpec() {
    String a = ListCache.fileName("url:https://mirror.example/cf.txt");
    String b = ListCache.fileName("url:https://mirror.example/cf2.txt");
    assertThat(a).isNotEqualTo(b).startsWith("cache-url-").endsWith(".json")
        .matches("[a-z0-9.-]+");
    assertThat(ListCache.fileName("cloudflare")).startsWith("cache-cloudflare-");
    assertThat(ListCache.fileName("file:/etc/../x")).doesNotContain("/");
  }

  @Test
  void isEmptyWithoutWarningWhenNothingWasCached() {
    assertThat(new ListCache(dir()).load("cloudflare", warnings::add)).isEmpty();
    assertThat(warnings).isEmpty();
  }

  @Test
  void ignoresACacheWhoseSha256DoesNotMatchWithAWarning() throws IOException {
    new ListCache(dir()).store(cloudflare(), NOW);
    Path f = file("cloudflare");
    Files.writeString(f, Files.readString(f).replace("\"103.21.244.0/22\"", "\"103.21.0.0/16\""));

    assertThat(new ListCache(dir()).load("cloudflare", warnings::add)).isEmpty();
    assertThat(warnings).containsExactly("cache " + f + " fails its sha256 check; ignoring it");
  }

  @Test
  void ignoresGarbageWithAWarning() throws IOException {
    new ListCache(dir()).store(cloudflare(), NOW);
    Path f = file("cloudflare");
    Files.write(f, new byte[] {0, 1, 2, '{', '"'});
    assertThat(new ListCache(dir()).load("cloudflare", warnings::add)).isEmpty();
    assertThat(warnings).singleElement().asString().startsWith("cache " + f + " is unreadable (")
        .endsWith("); ignoring it");
  }

  @Test
  void ignoresATruncatedFileWithAWarning() throws IOException {
    new ListCache(dir()).store(cloudflare(), NOW);
    Path f = file("cloudflare");
    byte[] all = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(all, all.length / 2));
    assertThat(new ListCache(dir()).load("cloudflare", warnings::add)).isEmpty();
    assertThat(warnings).singleElement().asString().contains("is unreadable");
  }

  @Test
  void ignoresAnInvalidPrefixOrMissingFieldWithAWarning() throws IOException {
    new ListCache(dir()).store(cloudflare(), NOW);
    Path f = file("cloudflare");
    String good = Files.readString(f);
    Files.writeString(f, good.replace("\"173.245.48.0/20\"", "\"173.245.48.1/20\""));
    assertThat(new ListCache(dir()).load("cloudflare", warnings::add)).isEmpty();
    Files.writeString(f, good.replaceFirst("\"fetchedAt\" : \"[^\"]*\",", ""));
    assertThat(new ListCache(dir()).load("cloudflare", warnings::add)).isEmpty();
    assertThat(warnings).hasSize(2).allMatch(w -> w.contains("is unreadable"));
  }

  @Test
  void ignoresAnotherSourcesCacheWithAWarning() throws IOException {
    new ListCache(dir()).store(cloudflare(), NOW);
    Files.move(file("cloudflare"), file("cloudflare-api"));
    assertThat(new ListCache(dir()).load("cloudflare-api", warnings::add)).isEmpty();
    assertThat(warnings).containsExactly("cache " + file("cloudflare-api")
        + " is not a cache of cloudflare-api; ignoring it");
  }
  @Test
  void readsStoredTimestampsExactlyAsInstantParseDoes() {
    java.util.Random r = new java.util.Random(3);
    for (int i = 0; i < 20_000; i++) {
      Instant t = Instant.ofEpochSecond(r.nextInt(Integer.MAX_VALUE) * 2L,
          switch (i % 4) {
            case 0 -> 0;
            case 1 -> r.nextInt(1000) * 1_000_000;
            case 2 -> r.nextInt(1_000_000) * 1000;
            default -> r.nextInt(1_000_000_000);
          });
      assertThat(ListCache.instant(t.toString())).isEqualTo(t);
    }
    for (String odd : List.of("1969-12-31T23:59:59Z", "2026-02-29T00:00:00Z",
        "2024-02-29T23:59:59.5Z", "2100-02-29T00:00:00Z", "2000-02-29T12:00:00Z",
        "2026-04-31T00:00:00Z", "2026-05-04T10:00:00+00:00", "2026-05-04T10:00Z",
        "2026-05-04T24:00:00Z", "2026-05-04T10:00:00.Z", "+12026-05-04T10:00:00Z")) {
      Object expected;
      try {
        expected = Instant.parse(odd);
      } catch (java.time.format.DateTimeParseException e) {
        expected = e.getClass();
      }
      Object got;
      try {
        got = ListCache.instant(odd);
      } catch (java.time.format.DateTimeParseException e) {
        got = e.getClass();
      }
      assertThat(got).as(odd).isEqualTo(expected);
    }
  }
}
