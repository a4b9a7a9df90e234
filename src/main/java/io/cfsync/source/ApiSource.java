package io.cfsync.source;

import com.fasterxml.jackson.jr.ob.JSON;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.error.SourceRejected;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Cloudflare's API: {@code {"result":{"ipv4_cidrs":[…],"ipv6_cidrs":[…],"etag":"…"},
 * "success":true,…}}. The {@code etag} is Cloudflare's version of the lists.
 */
final class ApiSource implements Source {

  static final String DEFAULT_URL = "https://api.cloudflare.com/client/v4/ips";

  private final String url;

  ApiSource(String url) {
    this.url = url;
  }

  @Override
  public String name() {
    return "cloudflare-api";
  }

  @Override
  public boolean remote() {
    return true;
  }

  @Override
  public Fetched fetch(FetchContext ctx) {
    Optional<UrlState> before = ctx.previous().apply(url);
    HttpFetcher.Answer a = ctx.http().get().get(name(), url,
        before.map(UrlState::conditional).orElse(HttpFetcher.Conditional.NONE),
        HttpFetcher.BodyKind.JSON);
    if (a.notModified() && before.isPresent()) {
      ImmutableList<Prefix> kept = before.get().prefixes();
      Validator.checkCounts(name(), kept, ctx.families(), ctx.limits());
      return new Fetched(name(), kept, ImmutableList.of(new UrlState(url, a.etag(),
          a.lastModified(), kept)), before.get().etag(), true, Optional.empty());
    }
    String where = name() + " (" + url + ")";
    Map<String, Object> doc = parse(where, a.body());
    if (!Boolean.TRUE.equals(doc.get("success"))) {
      throw new SourceRejected("source " + where + ": the API answered success="
          + doc.get("success") + " errors=" + doc.get("errors") + "; firewall unchanged");
    }
    if (!(doc.get("result") instanceof Map<?, ?> result)) {
      throw new SourceRejected("source " + where + ": the API answer has no \"result\" object; "
          + "firewall unchanged");
    }
    ImmutableList.Builder<Prefix> out = ImmutableList.builder();
    for (Family f : ctx.families()) {
      String key = f.label() + "_cidrs";
      if (!(result.get(key) instanceof List<?> items)) {
        throw new SourceRejected("source " + where + ": result." + key
            + " is missing or not an array; firewall unchanged");
      }
      for (int i = 0; i < items.size(); i++) {
        if (!(items.get(i) instanceof String s)) {
          throw new SourceRejected("source " + where + " result." + key + "[" + i + "]: "
              + items.get(i) + " is not a string; firewall unchanged");
        }
        out.add(Validator.parseItem(where + " result." + key + "[" + i + "]", s,
            ImmutableSet.of(f), ctx.limits()));
      }
    }
    ImmutableList<Prefix> prefixes = out.build();
    Validator.checkCounts(name(), prefixes, ctx.families(), ctx.limits());
    Optional<String> listEtag = result.get("etag") instanceof String s ? Optional.of(s)
        : Optional.empty();
    return new Fetched(name(), prefixes, ImmutableList.of(new UrlState(url,
        a.etag().or(() -> listEtag), a.lastModified(), prefixes)), listEtag, false,
        Optional.empty());
  }

  private static Map<String, Object> parse(String where, String body) {
    String text = body.startsWith("\uFEFF") ? body.substring(1) : body;
    if (text.isBlank()) {
      throw new SourceRejected("source " + where + ": the body is empty; firewall unchanged");
    }
    try {
      return JSON.std.mapFrom(text);
    } catch (IOException | RuntimeException e) {
      throw new SourceRejected("source " + where + ": the body is not a JSON object ("
          + firstLine(e.getMessage()) + "); firewall unchanged");
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
