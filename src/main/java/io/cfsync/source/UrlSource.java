package io.cfsync.source;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import java.util.Optional;

/** {@code url:URL}: one remote text list, both families mixed, remote syntax. */
final class UrlSource implements Source {

  private final String url;

  UrlSource(String url) {
    HttpFetcher.validateUrl(url);
    this.url = url;
  }

  @Override
  public String name() {
    return "url:" + url;
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
        HttpFetcher.BodyKind.TEXT);
    ImmutableList<Prefix> prefixes;
    boolean notModified = a.notModified() && before.isPresent();
    if (notModified) {
      prefixes = before.get().prefixes();
    } else {
      prefixes = Validator.parse(name(), a.body(), Syntax.REMOTE,
          ImmutableSet.copyOf(Family.values()), ctx.families(), ctx.limits());
    }
    Validator.checkCounts(name(), prefixes, ctx.families(), ctx.limits());
    return new Fetched(name(), prefixes,
        ImmutableList.of(new UrlState(url, a.etag(), a.lastModified(), prefixes)), a.etag(),
        notModified, Optional.empty());
  }
}
