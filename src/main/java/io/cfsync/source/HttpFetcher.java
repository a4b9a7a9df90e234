package io.cfsync.source;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.net.InetAddresses;
import io.cfsync.error.SourceRejected;
import io.cfsync.error.SourceUnavailable;
import io.cfsync.error.UsageError;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;

/**
 * One GET with everything a list download needs: HTTPS only (plain http to loopback for
 * tests), a few redirects followed by hand so each hop is checked, conditional requests,
 * bounded retries with backoff on 5xx and timeouts, and a hard body cap.
 *
 * <p>Classification is the point of this class: an answer that arrived but is wrong
 * (4xx, HTML, oversized, shorter than its Content-Length, not UTF-8) is
 * {@link SourceRejected}; no usable answer (DNS, connect, timeout, reset, 5xx after the
 * last retry) is {@link SourceUnavailable}, which lets the caller fall back add-only.
 */
public final class HttpFetcher {

  /** Sleeps between retries; tests pass one that records instead of waiting. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  /** What the body must look like, judged by Content-Type before reading. */
  public enum BodyKind { TEXT, JSON }

  /** Cached validators for a conditional GET. */
  public record Conditional(Optional<String> etag, Optional<String> lastModified) {
    public static final Conditional NONE = new Conditional(Optional.empty(), Optional.empty());
  }

  /** A 200 with its body, or a 304 (then {@code body} is empty). */
  public record Answer(boolean notModified, String body, Optional<String> etag,
      Optional<String> lastModified, String url) {}

  static final int MAX_REDIRECTS = 5;

  private final OkHttpClient client;
  private final Sleeper sleeper;
  private final int attempts;
  private final Duration backoff;
  private final long maxBody;
  private final String userAgent;

  public HttpFetcher(OkHttpClient client, Sleeper sleeper, int attempts, Duration backoff,
      long maxBody, String userAgent) {
    checkArgument(attempts >= 1, "attempts %s", attempts);
    this.client = client.newBuilder().followRedirects(false).followSslRedirects(false).build();
    this.sleeper = sleeper;
    this.attempts = attempts;
    this.backoff = backoff;
    this.maxBody = maxBody;
    this.userAgent = userAgent;
  }

  /** The production client: timeouts, proxy from the environment, 3 attempts, 1 s backoff. */
  public static HttpFetcher create(Duration timeout, long maxBody, String userAgent) {
    OkHttpClient.Builder b = new OkHttpClient.Builder()
        .connectTimeout(timeout)
        .readTimeout(timeout)
        .writeTimeout(timeout)
        .callTimeout(timeout.multipliedBy(3))
        .retryOnConnectionFailure(false);
    EnvProxy.fromEnvironment(System.getenv()).configure(b);
    return new HttpFetcher(b.build(), d -> Thread.sleep(d.toMillis()), 3, Duration.ofSeconds(1),
        maxBody, userAgent);
  }

  /**
   * Refuses URLs cfsync must never fetch from: anything but https, except plain http to a
   * loopback address (tests, local mirrors).
   */
  public static HttpUrl checkUrl(String url) {
    HttpUrl u = HttpUrl.parse(url);
    if (u == null) {
      throw new UsageError("\"" + url + "\" is not an http(s) URL");
    }
    if (!u.isHttps() && !isLoopback(u.host())) {
      throw new UsageError("refusing plain http to " + u.host() + ": lists are fetched over "
          + "https only (plain http is allowed to loopback); use https://");
    }
    return u;
  }

  /**
   * {@link #checkUrl} for a source's spec, at parse time. A URL of the plain shape every
   * real list URL has (scheme, lower-case host name or IPv4 address, port, simple path) is
   * accepted by inspection; anything else goes through okhttp's parser. A run served from
   * the cache ({@code --max-age}) then loads neither okhttp nor Kotlin at all.
   */
  public static void validateUrl(String url) {
    if (!plainlyAllowed(url)) {
      checkUrl(url);
    }
  }

  /** True only for URLs that {@link #checkUrl} accepts too (a test holds them to it). */
  static boolean plainlyAllowed(String url) {
    boolean https = url.startsWith("https://");
    if (!https && !url.startsWith("http://")) {
      return false;
    }
    int i = https ? 8 : 7;
    int start = i;
    int n = url.length();
    while (i < n && hostChar(url.charAt(i))) {
      i++;
    }
    String host = url.substring(start, i);
    if (!plainHost(host)) {
      return false;
    }
    if (i < n && url.charAt(i) == ':') {
      int p = ++i;
      int port = 0;
      while (i < n && i - p < 5 && url.charAt(i) >= '0' && url.charAt(i) <= '9') {
        port = port * 10 + (url.charAt(i++) - '0');
      }
      if (i == p || port < 1 || port > 65535) {
        return false;
      }
    }
    if (i < n && url.charAt(i) != '/') {
      return false;
    }
    for (; i < n; i++) {
      char c = url.charAt(i);
      if (!hostChar(c) && "/_~?=&".indexOf(c) < 0 && !(c >= 'A' && c <= 'Z')) {
        return false;
      }
    }
    return https || isLoopback(host);
  }

  private static boolean hostChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  }

  /** Dot-separated labels of [a-z0-9-], none empty or edged with '-'; numbers as IPv4. */
  private static boolean plainHost(String host) {
    if (host.isEmpty() || host.length() > 253) {
      return false;
    }
    int label = 0;
    boolean numeric = true;
    for (int i = 0; i <= host.length(); i++) {
      if (i == host.length() || host.charAt(i) == '.') {
        if (label == 0 || label > 63 || host.charAt(i - 1) == '-'
            || host.charAt(i - label) == '-') {
          return false;
        }
        label = 0;
      } else {
        numeric &= host.charAt(i) >= '0' && host.charAt(i) <= '9';
        label++;
      }
    }
    return !numeric || InetAddresses.isInetAddress(host);
  }

  static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    return InetAddresses.isInetAddress(h) && InetAddresses.forString(h).isLoopbackAddress();
  }

  public Answer get(String where, String url, Conditional conditional, BodyKind kind) {
    HttpUrl u = checkUrl(url);
    SourceUnavailable last = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        try {
          sleeper.sleep(backoff.multipliedBy(1L << (attempt - 2)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SourceUnavailable("source " + where + ": interrupted while retrying", e);
        }
      }
      try {
        return once(where, u, conditional, kind);
      } catch (Retryable r) {
        last = r.unavailable;
      }
    }
    throw last;
  }

  /** A failure worth another attempt, carrying what to report if it was the last. */
  private static final class Retryable extends Exception {
    private static final long serialVersionUID = 1L;
    final transient SourceUnavailable unavailable;

    Retryable(SourceUnavailable unavailable) {
      super(unavailable.getMessage(), null, false, false);
      this.unavailable = unavailable;
    }
  }

  private Answer once(String where, HttpUrl start, Conditional conditional, BodyKind kind)
      throws Retryable {
    HttpUrl u = start;
    for (int hop = 0; ; hop++) {
      Request.Builder rb = new Request.Builder().url(u).header("User-Agent", userAgent)
          .header("Accept", kind == BodyKind.JSON ? "application/json" : "text/plain");
      conditional.etag().ifPresent(e -> rb.header("If-None-Match", e));
      conditional.lastModified().ifPresent(lm -> rb.header("If-Modified-Since", lm));
      try (Response r = client.newCall(rb.build()).execute()) {
        int code = r.code();
        if (code >= 300 && code < 400 && code != 304) {
          String location = r.header("Location");
          if (location == null) {
            throw new SourceRejected("source " + where + ": " + u + " answered " + code
                + " without a Location; firewall unchanged");
          }
          if (hop + 1 > MAX_REDIRECTS) {
            throw new SourceRejected("source " + where + ": more than " + MAX_REDIRECTS
                + " redirects from " + start + "; firewall unchanged");
          }
          HttpUrl next = u.resolve(location);
          if (next == null || (!next.isHttps() && !isLoopback(next.host()))) {
            throw new SourceRejected("source " + where + ": " + u + " redirects to \"" + location
                + "\", which is not https; firewall unchanged");
          }
          u = next;
          continue;
        }
        if (code == 304) {
          if (conditional.etag().isEmpty() && conditional.lastModified().isEmpty()) {
            throw new SourceRejected("source " + where + ": " + u
                + " answered 304 to an unconditional request; firewall unchanged");
          }
          return new Answer(true, "", Optional.ofNullable(r.header("ETag")).or(conditional::etag),
              Optional.ofNullable(r.header("Last-Modified")).or(conditional::lastModified),
              u.toString());
        }
        if (code >= 500 || code == 429 || code == 408) {
          throw new Retryable(new SourceUnavailable("source " + where + ": " + u + " answered "
              + code + " " + r.message() + " (server trouble; tried " + attempts + " times)"));
        }
        if (code != 200 && code != 203) {
          throw new SourceRejected("source " + where + ": " + u + " answered " + code + " "
              + r.message() + "; firewall unchanged");
        }
        checkContentType(where, u, r.body(), kind);
        String body = readBody(where, u, r.body());
        return new Answer(false, body, Optional.ofNullable(r.header("ETag")),
            Optional.ofNullable(r.header("Last-Modified")), u.toString());
      } catch (SocketTimeoutException e) {
        throw new Retryable(new SourceUnavailable("source " + where + ": " + u
            + " timed out (" + e.getMessage() + ")", e));
      } catch (InterruptedIOException e) {
        throw new Retryable(new SourceUnavailable("source " + where + ": " + u
            + " timed out (the whole call took too long)", e));
      } catch (UnknownHostException e) {
        // Retrying a resolver failure seconds later rarely helps and delays the fallback.
        throw new SourceUnavailable("source " + where + ": cannot resolve " + u.host()
            + " (no DNS or no network?)", e);
      } catch (IOException e) {
        throw new Retryable(new SourceUnavailable("source " + where + ": " + u + ": "
            + describe(e), e));
      }
    }
  }

  private static void checkContentType(String where, HttpUrl u, ResponseBody body,
      BodyKind kind) {
    MediaType mt = body.contentType();
    if (mt == null) {
      return;
    }
    String type = mt.type().toLowerCase(Locale.ROOT);
    String sub = mt.subtype().toLowerCase(Locale.ROOT);
    boolean ok = switch (kind) {
      case TEXT -> (type.equals("text") && !sub.contains("html") && !sub.contains("xml"))
          || (type.equals("application") && sub.equals("octet-stream"));
      case JSON -> (type.equals("application") && (sub.equals("json") || sub.endsWith("+json")))
          || (type.equals("text") && sub.equals("plain"));
    };
    if (!ok) {
      throw new SourceRejected("source " + where + ": " + u + " sent Content-Type " + type + "/"
          + sub + ", not a " + (kind == BodyKind.JSON ? "JSON document" : "text list")
          + " (an error or captive-portal page?); firewall unchanged");
    }
  }

  private String readBody(String where, HttpUrl u, ResponseBody body) throws IOException {
    long declared = body.contentLength();
    if (declared > maxBody) {
      throw new SourceRejected("source " + where + ": " + u + " declares " + declared
          + " bytes, over the " + maxBody + "-byte cap; firewall unchanged");
    }
    Buffer buf = new Buffer();
    BufferedSource src = body.source();
    try {
      while (buf.size() <= maxBody) {
        if (src.read(buf, 8192) == -1) {
          break;
        }
      }
    } catch (ProtocolException | java.io.EOFException e) {
      if (declared >= 0 && buf.size() < declared) {
        throw new SourceRejected("source " + where + ": " + u + " sent " + buf.size() + " of the "
            + declared + " bytes its Content-Length announced (truncated); firewall unchanged");
      }
      throw e;
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      if (declared >= 0 && buf.size() < declared && !(e instanceof java.net.SocketException)) {
        throw new SourceRejected("source " + where + ": " + u + " sent " + buf.size() + " of the "
            + declared + " bytes its Content-Length announced (truncated); firewall unchanged");
      }
      throw e;
    }
    if (buf.size() > maxBody) {
      throw new SourceRejected("source " + where + ": " + u + " sent more than " + maxBody
          + " bytes (the cap); firewall unchanged");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(buf.readByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new SourceRejected("source " + where + ": " + u
          + " sent a body that is not UTF-8 text; firewall unchanged");
    }
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    return (m == null || m.isBlank()) ? e.getClass().getSimpleName() : m;
  }
}
