package io.cfsync.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.exec.SystemProcessRunner;
import io.cfsync.live.Live;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check --syntax} for nginx: the real {@code nginx -t} on a temporary configuration. */
@Live(tools = {"nginx"})
class NginxSyntaxLiveTest {

  @TempDir
  Path tmp;

  private Syntax.Outcome check(String content) throws IOException {
    Path f = tmp.resolve("realip.conf");
    Files.writeString(f, content);
    return new Syntax(new SystemProcessRunner()).check(Kind.NGINX, f,
        Text.ofBytes(Files.readAllBytes(f)));
  }

  @Test
  void renderedSnippetLoads() throws IOException {
    String snippet = new Renderer(Template.builtin(Kind.NGINX), Kind.NGINX, "t")
        .render(InPlaceTest.both());
    Syntax.Outcome o = check(snippet);
    assertThat(o.status()).as(o.message()).isEqualTo("ok");
  }

  @Test
  void badPrefixFailsWithNginxsMessage() throws IOException {
    Syntax.Outcome o = check("set_real_ip_from 173.245.48.0/33;\n");
    assertThat(o.status()).isEqualTo("failed");
    assertThat(o.message()).startsWith("nginx -t: ").contains("173.245.48.0/33");
  }

  @Test
  void wholeConfigurationIsTestedAsItIs() throws IOException {
    Syntax.Outcome ok = check("events {}\nhttp {\n  set_real_ip_from 173.245.48.0/20;\n"
        + "  real_ip_header CF-Connecting-IP;\n}\n");
    assertThat(ok.status()).as(ok.message()).isEqualTo("ok");
    Syntax.Outcome bad = check("events {}\nhttp {\n  real_ip_header;\n}\n");
    assertThat(bad.status()).isEqualTo("failed");
  }
}
