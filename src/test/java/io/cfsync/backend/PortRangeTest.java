package io.cfsync.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfsync.error.UsageError;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortRangeTest {

  private static String parse(String spec) {
    return PortRange.join(PortRange.parseList(spec), '-');
  }

  @Test
  void cloudflareAliasesNameTheProxiedPorts() {
    assertThat(parse("cloudflare-http")).isEqualTo("80,2052,2082,2086,2095,8080,8880");
    assertThat(parse("cloudflare-https")).isEqualTo("443,2053,2083,2087,2096,8443");
    assertThat(PortRange.parseList("cloudflare-all")).hasSize(13);
    assertThat(parse("cloudflare-all")).isEqualTo(
        "80,443,2052,2053,2082,2083,2086,2087,2095,2096,8080,8443,8880");
  }

  @Test
  void aliasesMixWithNumbersAndRangesWithoutDuplicates() {
    assertThat(parse("22,cloudflare-https,443,CLOUDFLARE-HTTP,8000-8100"))
        .isEqualTo("22,80,443,2052,2053,2082,2083,2086,2087,2095,2096,8000-8100,8443,8880");
  }

  @Test
  void overlappingRangesMergeButAdjacentPortsStayAsWritten() {
    assertThat(parse("8000-8080,8050,8070-8090")).isEqualTo("8000-8090");
    assertThat(parse("80,81")).isEqualTo("80,81");
    assertThat(parse("443,80,80")).isEqualTo("80,443");
  }

  @Test
  void cloudflareAllFitsOneMultiportMatch() {
    List<String> jump = XtChain.jump(Hook.INPUT, PortRange.parseList("cloudflare-all"),
        Naming.DEFAULT);
    assertThat(XtTable.join(jump)).isEqualTo("-p tcp -m multiport --dports "
        + "80,443,2052,2053,2082,2083,2086,2087,2095,2096,8080,8443,8880 -m comment --comment "
        + "cfsync -j CFSYNC");
    // Two slots are left: one more range fits, a range and a port do not.
    assertThat(XtChain.jump(Hook.INPUT, PortRange.parseList("cloudflare-all,3000-3010"),
        Naming.DEFAULT)).isNotEmpty();
    assertThatThrownBy(() -> XtChain.jump(Hook.INPUT,
        PortRange.parseList("cloudflare-all,3000-3010,22"), Naming.DEFAULT))
        .isInstanceOf(UsageError.class).hasMessageContaining("at most 15 ports");
  }

  @Test
  void anUnknownWordNamesTheAliases() {
    assertThatThrownBy(() -> PortRange.parseList("80,cloudflare"))
        .isInstanceOf(UsageError.class).hasMessage("--ports \"80,cloudflare\": \"cloudflare\" "
            + "is not a port (1-65535), a range like 8000-8080 or one of cloudflare-http, "
            + "cloudflare-https, cloudflare-all");
  }
}
