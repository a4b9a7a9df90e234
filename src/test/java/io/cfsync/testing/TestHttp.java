package io.cfsync.testing;

import io.cfsync.source.HttpFetcher;
import io.cfsync.source.Limits;
import java.net.Proxy;
import java.time.Duration;
import okhttp3.OkHttpClient;

/** HTTP clients for tests: short timeouts, no proxy, a recording sleeper. */
public final class TestHttp {

  public static final String USER_AGENT = "cfsync/test";

  private TestHttp() {}

  /** A client whose read timeout is {@code readTimeout}, connecting directly. */
  public static OkHttpClient.Builder client(Duration readTimeout) {
    return new OkHttpClient.Builder()
        .proxy(Proxy.NO_PROXY)
        .connectTimeout(Duration.ofSeconds(5))
        .readTimeout(readTimeout)
        .writeTimeout(Duration.ofSeconds(5))
        .callTimeout(readTimeout.multipliedBy(4).plusSeconds(5))
        .retryOnConnectionFailure(false);
  }

  /** The production fetcher's shape: 1 s backoff doubling, 1 MiB cap. */
  public static HttpFetcher fetcher(int attempts, Duration readTimeout, RecordingSleeper sleeper) {
    return new HttpFetcher(client(readTimeout).build(), sleeper, attempts, Duration.ofSeconds(1),
        Limits.DEFAULT.maxBodyBytes(), USER_AGENT);
  }
}
