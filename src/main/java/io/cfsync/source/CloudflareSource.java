package io.cfsync.source;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import java.util.Optional;

/** Cloudflare's text lists: {@code ips-v4} and {@code ips-v6}, one CIDR a line each. */
final class CloudflareSource implements Source {

  static final String DEFAULT_V4 = "https://www.cloudflare.com/ips-v4";
  static final String DEFAULT_V6 = "https://www.cloudflare.com/ips-v6";

  private final String v4Url;
  private final String v6Url;

  CloudflareSource(String v4Url, String v6Url) {
    this.v4Url = v4Url;
    this.v6Url = v6Url;
  }

  @Override
  public String name() {
    return "cloudflare";
  }

  @Override
  public boolean remote() {
    return true;
  }

  @Override
  public Fetched fetch(FetchContext ctx) {
    ImmutableList.Builder<Prefix> all = ImmutableList.builder();
    ImmutableList.Builder<UrlState> states = ImmutableList.builder();
    boolean allNotModified = true;
    for (Family f : ctx.families()) {
      String url = f == Family.V4 ? v4Url : v6Url;
      Optional<UrlState> before = ctx.previous().apply(url);
      HttpFetcher.Answer a = ctx.http().get().get(name(), url,
          before.map(UrlState::conditional).orElse(HttpFetcher.Conditional.NONE),
          HttpFetcher.BodyKind.TEXT);
      ImmutableList<Prefix> got;
      if (a.notModified() && before.isPresent()) {
        got = before.get().prefixes();
      } else {
        allNotModified = false;
        got = Validator.parse(name() + " (" + url + ")", a.body(), Syntax.REMOTE,
            ImmutableSet.of(f), ImmutableSet.of(f), ctx.limits());
      }
      all.addAll(got);
      states.add(new UrlState(url, a.etag(), a.lastModified(), got));
    }
    ImmutableList<Prefix> prefixes = all.build();
    Validator.checkCounts(name(), prefixes, ctx.families(), ctx.limits());
    return new Fetched(name(), prefixes, states.build(), Optional.empty(), allNotModified,
        Optional.empty());
  }
}
