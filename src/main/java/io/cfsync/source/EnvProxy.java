package io.cfsync.source;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import com.google.common.net.InetAddresses;
import io.cfsync.error.UsageError;
import io.cfsync.model.Prefix;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import okhttp3.Credentials;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * {@code HTTPS_PROXY}, {@code HTTP_PROXY} and {@code NO_PROXY} as curl reads them: origins
 * often reach out only through a proxy, and okhttp (like the JDK) ignores these variables.
 * {@code NO_PROXY} entries are {@code *}, host names matched as domain suffixes (a leading
 * dot optional), IP literals and CIDRs.
 */
public final class EnvProxy extends ProxySelector {

  private final Optional<HttpUrl> https;
  private final Optional<HttpUrl> http;
  private final ImmutableList<String> noProxy;

  EnvProxy(Optional<HttpUrl> https, Optional<HttpUrl> http, List<String> noProxy) {
    this.https = https;
    this.http = http;
    this.noProxy = ImmutableList.copyOf(noProxy);
  }

  public static EnvProxy fromEnvironment(Map<String, String> env) {
    return new EnvProxy(proxyUrl(env, "HTTPS_PROXY"), proxyUrl(env, "HTTP_PROXY"),
        Splitter.on(',').trimResults().omitEmptyStrings()
            .splitToList(first(env, "NO_PROXY").orElse("")));
  }

  private static Optional<String> first(Map<String, String> env, String name) {
    String v = env.get(name.toLowerCase(Locale.ROOT));
    if (v == null || v.isBlank()) {
      v = env.get(name);
    }
    return (v == null || v.isBlank()) ? Optional.empty() : Optional.of(v.trim());
  }

  private static Optional<HttpUrl> proxyUrl(Map<String, String> env, String name) {
    return first(env, name).map(v -> {
      HttpUrl u = HttpUrl.parse(v.contains("://") ? v : "http://" + v);
      if (u == null) {
        throw new UsageError(name + "=\"" + v + "\" is not a proxy URL (use http://host:port)");
      }
      return u;
    });
  }

  /** Installs this selector and, for proxies with user:password, Basic proxy credentials. */
  public void configure(OkHttpClient.Builder b) {
    b.proxySelector(this);
    b.proxyAuthenticator((route, response) -> {
      if (response.request().header("Proxy-Authorization") != null || route == null) {
        return null;
      }
      Optional<HttpUrl> p = route.address().url().isHttps() ? https : http;
      if (p.isEmpty() || p.get().username().isEmpty()) {
        return null;
      }
      return response.request().newBuilder()
          .header("Proxy-Authorization",
              Credentials.basic(p.get().username(), p.get().password()))
          .build();
    });
  }

  @Override
  public List<Proxy> select(URI uri) {
    Optional<HttpUrl> p = "https".equalsIgnoreCase(uri.getScheme()) ? https : http;
    if (p.isEmpty() || bypass(uri.getHost())) {
      return List.of(Proxy.NO_PROXY);
    }
    return List.of(new Proxy(Proxy.Type.HTTP,
        InetSocketAddress.createUnresolved(p.get().host(), p.get().port())));
  }

  boolean bypass(String rawHost) {
    String host = rawHost.startsWith("[") ? rawHost.substring(1, rawHost.length() - 1) : rawHost;
    host = host.toLowerCase(Locale.ROOT);
    for (String entry : noProxy) {
      String e = entry.toLowerCase(Locale.ROOT);
      if (e.equals("*")) {
        return true;
      }
      if (InetAddresses.isInetAddress(host)) {
        if (e.contains("/")) {
          Optional<Prefix> cidr = Prefix.tryParse(e);
          if (cidr.isPresent() && cidr.get().contains(InetAddresses.forString(host))) {
            return true;
          }
        } else if (InetAddresses.isInetAddress(e)
            && InetAddresses.forString(e).equals(InetAddresses.forString(host))) {
          return true;
        }
        continue;
      }
      String domain = e.startsWith(".") ? e.substring(1) : e;
      int colon = domain.indexOf(':');
      if (colon > 0 && !domain.contains("::")) {
        domain = domain.substring(0, colon);
      }
      if (host.equals(domain) || host.endsWith("." + domain)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
    // okhttp reports the failure itself; nothing to remember between runs.
  }
}
