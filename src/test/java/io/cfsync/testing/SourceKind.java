package io.cfsync.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.cfsync.source.Source;
import io.cfsync.source.Sources;
import java.util.Optional;

/**
 * The three remote source kinds, each able to serve Cloudflare's real lists from WireMock and
 * to point its "failing" URL (the one a test breaks) anywhere. For {@code cloudflare} that is
 * the IPv4 list; its IPv6 list stays good.
 */
public enum SourceKind {
  CLOUDFLARE("/ips-v4", "text/plain; charset=utf-8") {
    @Override
    public Source source(String failingUrl, String base) {
      return Sources.parse("cloudflare", new Sources.Overrides(Optional.of(failingUrl),
          Optional.of(base + "/ips-v6"), Optional.empty()));
    }

    @Override
    public String body(String v4, String v6) {
      return v4;
    }

    @Override
    public void stubOthers(WireMockExtension wm) {
      wm.stubFor(get(urlEqualTo("/ips-v6")).willReturn(aResponse().withStatus(200)
          .withHeader("Content-Type", contentType()).withHeader("ETag", "\"v6-1\"")
          .withBody(Fixtures.v6())));
    }
  },

  API("/client/v4/ips", "application/json") {
    @Override
    public Source source(String failingUrl, String base) {
      return Sources.parse("cloudflare-api", new Sources.Overrides(Optional.empty(),
          Optional.empty(), Optional.of(failingUrl)));
    }

    @Override
    public String body(String v4, String v6) {
      return Fixtures.apiJson(v4, v6, "38f79d050aa027e3be3865e495dcc9bc");
    }
  },

  URL("/lists/cloudflare.txt", "text/plain") {
    @Override
    public Source source(String failingUrl, String base) {
      return Sources.parse("url:" + failingUrl, Sources.Overrides.NONE);
    }

    @Override
    public String body(String v4, String v6) {
      return v4 + v6;
    }
  };

  private final String path;
  private final String contentType;

  SourceKind(String path, String contentType) {
    this.path = path;
    this.contentType = contentType;
  }

  /** The path of the URL tests break. */
  public String path() {
    return path;
  }

  public String contentType() {
    return contentType;
  }

  /** The source, reading its breakable list from {@code failingUrl}, anything else from base. */
  public abstract Source source(String failingUrl, String base);

  /** What the breakable URL serves for these two list bodies. */
  public abstract String body(String v4, String v6);

  /** Today's lists as the breakable URL serves them. */
  public String goodBody() {
    return body(Fixtures.v4(), Fixtures.v6());
  }

  /** Stubs the URLs of this kind that tests never break. */
  public void stubOthers(WireMockExtension wm) {}

  /** Stubs every URL of this kind with today's lists, with an ETag. */
  public void stubGood(WireMockExtension wm) {
    stubOthers(wm);
    wm.stubFor(get(urlEqualTo(path)).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", contentType).withHeader("ETag", "\"good-1\"")
        .withBody(goodBody())));
  }
}
