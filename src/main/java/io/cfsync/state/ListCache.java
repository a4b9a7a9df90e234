package io.cfsync.state;

import com.fasterxml.jackson.jr.ob.JSON;
import com.google.common.collect.ImmutableList;
import io.cfsync.model.Prefix;
import io.cfsync.source.Fetched;
import io.cfsync.source.UrlState;
import io.cfsync.text.Sha256;
import java.io.IOException;
import java.time.Instant;
import java.time.chrono.IsoChronology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Last-known-good lists, one JSON file per source under {@code STATE/cache/}. A cache file
 * that does not parse, or whose sha256 does not match its prefixes, is ignored (and said so)
 * rather than trusted: it is only ever a fallback.
 */
public final class ListCache {

  static final String SCHEMA = "cfsync.cache/v1";

  private final StateDir dir;

  public ListCache(StateDir dir) {
    this.dir = dir;
  }

  /** The file name for a source: readable kind plus a hash of the full spec. */
  static String fileName(String source) {
    // The leading run of [a-z0-9-] (by hand: a regex is a measurable part of a timer run).
    int end = 0;
    while (end < source.length() && kindChar(source.charAt(end))) {
      end++;
    }
    String kind = source.substring(0, end);
    String hash = Sha256.hex(source).substring(0, 12);
    return "cache-" + (kind.isEmpty() ? "source" : kind) + "-" + hash + ".json";
  }

  private static boolean kindChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  }

  /**
   * {@code Instant.parse} of what {@code Instant.toString} wrote, without java.time's
   * formatter machinery (its set-up is a few per cent of a no-op run): the shape
   * {@code 2026-05-04T10:00:00[.fraction]Z} by hand, anything else through the JDK.
   */
  static Instant instant(String s) {
    int n = s.length();
    if (n >= 20 && n <= 30 && s.charAt(4) == '-' && s.charAt(7) == '-' && s.charAt(10) == 'T'
        && s.charAt(13) == ':' && s.charAt(16) == ':' && s.charAt(n - 1) == 'Z'
        && (n == 20 || (s.charAt(19) == '.' && n > 21))) {
      int y = digits(s, 0, 4);
      int mo = digits(s, 5, 7);
      int d = digits(s, 8, 10);
      int h = digits(s, 11, 13);
      int mi = digits(s, 14, 16);
      int se = digits(s, 17, 19);
      int nano = 0;
      if (n > 20) {
        int f = digits(s, 20, n - 1);
        nano = f;
        for (int k = n - 21; k < 9 && nano >= 0; k++) {
          nano *= 10;
        }
      }
      if (y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && h >= 0 && h <= 23 && mi >= 0
          && mi <= 59 && se >= 0 && se <= 59 && nano >= 0
          // Month and IsoChronology, not YearMonth: YearMonth's class set-up builds a
          // DateTimeFormatter, the very machinery this method avoids.
          && d <= java.time.Month.of(mo).length(IsoChronology.INSTANCE.isLeapYear(y))) {
        long day = java.time.LocalDate.of(y, mo, d).toEpochDay();
        return Instant.ofEpochSecond(day * 86400 + h * 3600L + mi * 60L + se, nano);
      }
    }
    return Instant.parse(s);
  }

  /** The decimal number in {@code s[from, to)}, or -1 unless all are ASCII digits. */
  private static int digits(String s, int from, int to) {
    if (to - from > 9 || to <= from) {
      return -1;
    }
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** The sha256 of a list in canonical text: one prefix a line, in the given order. */
  public static String sha256(List<Prefix> prefixes) {
    StringBuilder sb = new StringBuilder();
    for (Prefix p : prefixes) {
      sb.append(p).append('\n');
    }
    return Sha256.hex(sb);
  }

  public CachedList store(Fetched f, Instant now) {
    CachedList c = new CachedList(f.source(), now, sha256(f.prefixes()), f.etag(), f.urls(),
        f.prefixes());
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("schema", SCHEMA);
    doc.put("source", c.source());
    doc.put("fetchedAt", c.fetchedAt().toString());
    doc.put("sha256", c.sha256());
    doc.put("etag", c.etag().orElse(null));
    List<Object> urls = new ArrayList<>();
    for (UrlState u : c.urls()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("url", u.url());
      m.put("etag", u.etag().orElse(null));
      m.put("lastModified", u.lastModified().orElse(null));
      m.put("prefixes", strings(u.prefixes()));
      urls.add(m);
    }
    doc.put("urls", urls);
    doc.put("prefixes", strings(c.prefixes()));
    try {
      dir.writeAtomically(fileName(f.source()),
          JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asBytes(doc));
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise the cache", e);
    }
    return c;
  }

  /**
   * Loads the cached list of a source. Returns empty when there is none; a damaged file is
   * reported through {@code warn} and treated as absent.
   */
  public Optional<CachedList> load(String source, java.util.function.Consumer<String> warn) {
    String name = fileName(source);
    Optional<byte[]> bytes = dir.read(name);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      Map<String, Object> doc = JSON.std.mapFrom(bytes.get());
      if (!SCHEMA.equals(doc.get("schema")) || !source.equals(doc.get("source"))) {
        warn.accept("cache " + dir.resolve(name) + " is not a cache of " + source
            + "; ignoring it");
        return Optional.empty();
      }
      ImmutableList<Prefix> prefixes = prefixes(doc.get("prefixes"));
      String sha = (String) doc.get("sha256");
      if (!sha256(prefixes).equals(sha)) {
        warn.accept("cache " + dir.resolve(name) + " fails its sha256 check; ignoring it");
        return Optional.empty();
      }
      ImmutableList.Builder<UrlState> urls = ImmutableList.builder();
      Object rawUrls = doc.get("urls");
      if (rawUrls instanceof List<?> list) {
        for (Object o : list) {
          Map<?, ?> m = (Map<?, ?>) o;
          urls.add(new UrlState((String) m.get("url"), opt(m.get("etag")),
              opt(m.get("lastModified")), prefixes(m.get("prefixes"))));
        }
      }
      return Optional.of(new CachedList(source, instant((String) doc.get("fetchedAt")),
          sha, opt(doc.get("etag")), urls.build(), prefixes));
    } catch (IOException | RuntimeException e) {
      warn.accept("cache " + dir.resolve(name) + " is unreadable (" + e.getMessage()
          + "); ignoring it");
      return Optional.empty();
    }
  }

  private static Optional<String> opt(Object o) {
    return o instanceof String s ? Optional.of(s) : Optional.empty();
  }

  private static List<String> strings(List<Prefix> prefixes) {
    List<String> out = new ArrayList<>(prefixes.size());
    for (Prefix p : prefixes) {
      out.add(p.toString());
    }
    return out;
  }

  private static ImmutableList<Prefix> prefixes(Object raw) {
    ImmutableList.Builder<Prefix> b = ImmutableList.builder();
    if (raw instanceof List<?> list) {
      for (Object o : list) {
        b.add(Prefix.parse((String) o));
      }
    }
    return b.build();
  }
}
