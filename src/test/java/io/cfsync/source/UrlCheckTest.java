package io.cfsync.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfsync.error.UsageError;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UrlCheckTest {

  @Test
  void acceptsTheRealListUrlsWithoutOkhttp() {
    for (String u : List.of(CloudflareSource.DEFAULT_V4, CloudflareSource.DEFAULT_V6,
        ApiSource.DEFAULT_URL, ApiSource.DEFAULT_URL + "?networks=jdcloud",
        "http://127.0.0.1:8080/ips-v4", "http://localhost:1/x", "https://mirror.example.org")) {
      assertThat(HttpFetcher.plainlyAllowed(u)).as(u).isTrue();
      HttpFetcher.validateUrl(u);
    }
  }

  @Test
  void leavesEverythingUnusualToOkhttpsParser() {
    for (String u : List.of("HTTPS://www.cloudflare.com/", "https://WWW.cloudflare.com/",
        "https://[::1]/x", "http://[::1]:8080/x", "https://a..b/", "https://-a.b/",
        "https://a-.b/", "https://999.1.1.1/", "https://x.test:0/", "https://x.test:65536/",
        "https://x.test:/", "https://x.test/a b", "https://x.test/%41", "https://x.test#f",
        "https://user@x.test/", "ftp://x.test/", "https://", " https://x.test/",
        "https://x.test\\\\y")) {
      assertThat(HttpFetcher.plainlyAllowed(u)).as(u).isFalse();
    }
  }

  @Test
  void refusesPlainHttpToNonLoopbackOnEitherPath() {
    for (String u : List.of("http://www.cloudflare.com/ips-v4", "http://10.0.0.1/x",
        "http://WWW.EXAMPLE.COM/")) {
      assertThat(HttpFetcher.plainlyAllowed(u)).as(u).isFalse();
      assertThatThrownBy(() -> HttpFetcher.validateUrl(u)).isInstanceOf(UsageError.class);
    }
    assertThatThrownBy(() -> HttpFetcher.validateUrl("not a url"))
        .isInstanceOf(UsageError.class);
  }

  /** The shortcut may only ever accept what okhttp's parser and the loopback rule accept. */
  @Test
  void shortcutNeverAcceptsWhatTheFullCheckRefuses() {
    String alphabet = "hps:/t.-0123456789aAzZ_~?=&#@%[]\\ x";
    String[] starts = {"https://", "http://", "http://127.0.0.1", "https://a", "http://localhost"};
    Random r = new Random(5);
    int accepted = 0;
    for (int i = 0; i < 200_000; i++) {
      StringBuilder sb = new StringBuilder(starts[r.nextInt(starts.length)]);
      int len = r.nextInt(14);
      for (int k = 0; k < len; k++) {
        sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
      }
      String u = sb.toString();
      if (HttpFetcher.plainlyAllowed(u)) {
        accepted++;
        HttpFetcher.checkUrl(u);
      }
    }
    assertThat(accepted).isGreaterThan(1000);
  }
}
