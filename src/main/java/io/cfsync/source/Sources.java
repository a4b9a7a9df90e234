package io.cfsync.source;

import io.cfsync.error.UsageError;
import java.nio.file.Path;
import java.util.Optional;

/** Turns {@code --source} specs into sources. */
public final class Sources {

  /** The URL overrides from {@code --ipv4-url}, {@code --ipv6-url} and {@code --api-url}. */
  public record Overrides(Optional<String> ipv4Url, Optional<String> ipv6Url,
      Optional<String> apiUrl) {
    public static final Overrides NONE =
        new Overrides(Optional.empty(), Optional.empty(), Optional.empty());
  }

  public static final String KINDS = "cloudflare, cloudflare-api, builtin, file:PATH, url:URL";

  private Sources() {}

  public static Source parse(String spec, Overrides o) {
    if (spec.equals("cloudflare")) {
      String v4 = o.ipv4Url().orElse(CloudflareSource.DEFAULT_V4);
      String v6 = o.ipv6Url().orElse(CloudflareSource.DEFAULT_V6);
      HttpFetcher.validateUrl(v4);
      HttpFetcher.validateUrl(v6);
      return new CloudflareSource(v4, v6);
    }
    if (spec.equals("cloudflare-api")) {
      String url = o.apiUrl().orElse(ApiSource.DEFAULT_URL);
      HttpFetcher.validateUrl(url);
      return new ApiSource(url);
    }
    if (spec.equals("builtin")) {
      return new BuiltinSource();
    }
    if (spec.startsWith("file:") && spec.length() > 5) {
      return new FileSource(Path.of(spec.substring(5)));
    }
    if (spec.startsWith("url:") && spec.length() > 4) {
      return new UrlSource(spec.substring(4));
    }
    throw new UsageError("unknown source \"" + spec + "\": use one of " + KINDS);
  }
}
