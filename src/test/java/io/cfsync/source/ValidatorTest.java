package io.cfsync.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.base.Strings;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import com.google.common.io.Resources;
import io.cfsync.error.ExitCode;
import io.cfsync.error.SourceRejected;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ValidatorTest {

  static final String V4_WHERE = "cloudflare (https://www.cloudflare.com/ips-v4)";
  static final String V6_WHERE = "cloudflare (https://www.cloudflare.com/ips-v6)";
  static final Set<Family> BOTH = ImmutableSet.of(Family.V4, Family.V6);

  static String fixture(String name) throws IOException {
    return Resources.toString(Resources.getResource("data/cloudflare/" + name),
        StandardCharsets.UTF_8);
  }

  private static ImmutableList<Prefix> v4(String body) {
    return Validator.parse(V4_WHERE, body, Syntax.REMOTE, ImmutableSet.of(Family.V4),
        ImmutableSet.of(Family.V4), Limits.DEFAULT);
  }

  private static ImmutableList<Prefix> v6(String body) {
    return Validator.parse(V6_WHERE, body, Syntax.REMOTE, ImmutableSet.of(Family.V6),
        ImmutableSet.of(Family.V6), Limits.DEFAULT);
  }

  private static ImmutableList<Prefix> file(String body) {
    return Validator.parse("file:/etc/cfsync/extra.txt", body, Syntax.FILE, BOTH, BOTH,
        Limits.DEFAULT);
  }

  private static ImmutableList<Prefix> url(String body) {
    return Validator.parse("url:https://mirror.example/cf.txt", body, Syntax.REMOTE, BOTH,
        BOTH, Limits.DEFAULT);
  }

  /** The rejection is exit 3, one line, and names the source, the line and the reason. */
  private static AbstractThrowableAssert<?, ? extends Throwable> rejects(Runnable r,
      String expectedMessage) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(r::run);
    assertThat(t).isInstanceOf(SourceRejected.class);
    assertThat(((SourceRejected) t).exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(t.getMessage()).doesNotContain("\n").doesNotContain("\r");
    return assertThat(t).hasMessage(expectedMessage);
  }

  // ---- what a real list looks like -------------------------------------------------------

  @Test
  void acceptsCloudflaresPublishedLists() throws IOException {
    assertThat(v4(fixture("ips-v4.txt"))).hasSize(15).first()
        .isEqualTo(Prefix.parse("173.245.48.0/20"));
    assertThat(v6(fixture("ips-v6.txt"))).hasSize(7).last()
        .isEqualTo(Prefix.parse("2c0f:f248::/32"));
  }

  @Test
  void acceptsCrlfLineEndings() throws IOException {
    String crlf = fixture("ips-v4.txt").replace("\n", "\r\n");
    assertThat(v4(crlf)).isEqualTo(v4(fixture("ips-v4.txt")));
  }

  @Test
  void acceptsAMissingFinalNewline() throws IOException {
    String body = fixture("ips-v4-2021.txt").stripTrailing();
    assertThat(body).endsWith("/18");
    assertThat(v4(body)).hasSize(14).last().isEqualTo(Prefix.parse("108.162.192.0/18"));
    assertThat(v4(body.replace("\n", "\r\n"))).hasSize(14);
  }

  @Test
  void acceptsALeadingByteOrderMark() throws IOException {
    assertThat(v4("\uFEFF" + fixture("ips-v4.txt"))).isEqualTo(v4(fixture("ips-v4.txt")));
  }

  @Test
  void fileSyntaxAllowsCommentsBlankLinesAndSpaces() {
    String body = "# my origin's extra ranges\n"
        + "\n"
        + "  173.245.48.0/20   # Cloudflare\r\n"
        + "\t2606:4700::/32\n"
        + "#198.41.128.0/17 disabled\n"
        + "   \n"
        + "104.16.0.0/13#no space before the comment";
    assertThat(file(body)).containsExactly(Prefix.parse("173.245.48.0/20"),
        Prefix.parse("2606:4700::/32"), Prefix.parse("104.16.0.0/13"));
  }

  @Test
  void fileSyntaxCountsLinesIncludingCommentsInItsMessages() {
    rejects(() -> file("# header\n\n173.245.48.0/20\n10.0.0.0/8 # oops\n"),
        "source file:/etc/cfsync/extra.txt line 4: \"10.0.0.0/8\" overlaps 10.0.0.0/8, "
            + "private (RFC 1918), which is never a Cloudflare edge; firewall unchanged");
  }

  @Test
  void remoteSyntaxRefusesComments() {
    rejects(() -> v4("# Cloudflare IPv4\n173.245.48.0/20\n"),
        "source " + V4_WHERE + " line 1: \"# Cloudflare IPv4\" is not a CIDR; "
            + "firewall unchanged");
    rejects(() -> v4("173.245.48.0/20 # edge\n"),
        "source " + V4_WHERE + " line 1: \"173.245.48.0/20 # edge\" has no valid prefix "
            + "length; firewall unchanged");
  }

  @Test
  void remoteSyntaxRefusesBlankLines() {
    rejects(() -> v4("173.245.48.0/20\n\n103.21.244.0/22\n"),
        "source " + V4_WHERE + " line 2: is blank (a list has one CIDR on every line); "
            + "firewall unchanged");
    rejects(() -> v4("173.245.48.0/20\r\n\r\n"),
        "source " + V4_WHERE + " line 2: is blank (a list has one CIDR on every line); "
            + "firewall unchanged");
  }

  @Test
  void dropsValidPrefixesOfAFamilyTheRunDidNotSelect() {
    ImmutableList<Prefix> onlyV4 = Validator.parse("url:https://mirror.example/cf.txt",
        "173.245.48.0/20\n2606:4700::/32\n", Syntax.REMOTE, BOTH, ImmutableSet.of(Family.V4),
        Limits.DEFAULT);
    assertThat(onlyV4).containsExactly(Prefix.parse("173.245.48.0/20"));
  }

  // ---- invariant 1, one rejected case each ----------------------------------------------

  @Test
  void rejectsAnHtmlPage() {
    rejects(() -> v4("<!DOCTYPE html>\n<html><head><title>Attention Required!</title>"),
        "source " + V4_WHERE + ": the body is an HTML/XML page, not a list (an error or "
            + "captive-portal page?); firewall unchanged");
    rejects(() -> v4("\uFEFF\r\n  <html>"),
        "source " + V4_WHERE + ": the body is an HTML/XML page, not a list (an error or "
            + "captive-portal page?); firewall unchanged");
  }

  @Test
  void rejectsHtmlFurtherDownAsAnUnparsableLine() {
    // The shape of the style guide's example: the page starts with list-like lines.
    rejects(() -> v4("173.245.48.0/20\n103.21.244.0/22\n<html>\n"),
        "source " + V4_WHERE + " line 3: \"<html>\" is not a CIDR; firewall unchanged");
  }

  @Test
  void rejectsBinaryContent() {
    rejects(() -> v4("173.245.48.0/20\n\u0000\u0001PNG\n"),
        "source " + V4_WHERE + " line 2: holds binary or non-UTF-8 bytes (not a text list); "
            + "firewall unchanged");
    rejects(() -> v4("173.245.48.0/20\n103.21.244.0/22\uFFFD\n"),
        "source " + V4_WHERE + " line 2: holds binary or non-UTF-8 bytes (not a text list); "
            + "firewall unchanged");
  }

  @Test
  void rejectsAnEmptyBody() {
    String msg = "source " + V4_WHERE + ": the body is empty; firewall unchanged";
    rejects(() -> v4(""), msg);
    rejects(() -> v4("\n"), msg);
    rejects(() -> v4("\uFEFF"), msg);
    rejects(() -> v4(" \r\n"), msg);
    // A file of comments only is no body error: the minimum count refuses it (FileSourceTest).
    assertThat(file("# nothing here yet\n\n")).isEmpty();
  }

  @Test
  void rejectsATruncatedLastLine() throws IOException {
    String cut = fixture("ips-v4.txt").substring(0, 200);
    assertThat(cut).doesNotEndWith("\n");
    int lines = (int) cut.chars().filter(c -> c == '\n').count() + 1;
    String lastLine = cut.substring(cut.lastIndexOf('\n') + 1);
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> v4(cut));
    assertThat(t).isInstanceOf(SourceRejected.class)
        .hasMessageStartingWith("source " + V4_WHERE + " line " + lines + ": \"" + lastLine
            + "\"");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "173.245.48.0/20x|'\"173.245.48.0/20x\" has no valid prefix length'",
      "173.245.48/20|'\"173.245.48/20\" is not a CIDR'",
      "173.245.48.0|'\"173.245.48.0\" is not a CIDR (no /length)'",
      "173.245.48.0/33|'\"173.245.48.0/33\" has prefix length 33 beyond 32'",
      "173.245.048.0/20|'\"173.245.048.0/20\" is not a CIDR'",
      "'173.245.48.0/20 '|'\"173.245.48.0/20 \" has no valid prefix length'",
      "' 173.245.48.0/20'|'\" 173.245.48.0/20\" is not a CIDR'",
      "::ffff:173.245.48.0/116|'\"::ffff:173.245.48.0/116\" is not a CIDR'",
  })
  void rejectsAnUnparsableLineNamingItsNumberAndReason(String line, String reason) {
    rejects(() -> v4("103.21.244.0/22\n" + line + "\n"),
        "source " + V4_WHERE + " line 2: " + reason + "; firewall unchanged");
  }

  @Test
  void keepsTheMessageOnOneLineWhenTheLineHoldsAStrayCarriageReturn() {
    rejects(() -> v4("103.21.244.0/22\r173.245.48.0/20\n"),
        "source " + V4_WHERE + " line 1: \"103.21.244.0/22\\r173.245.48.0/20\" has no valid "
            + "prefix length; firewall unchanged");
    rejects(() -> v4("1.0.0.0/24\t\"x\"\n"),
        "source " + V4_WHERE + " line 1: \"1.0.0.0/24\\t\\\"x\\\"\" has no valid prefix "
            + "length; firewall unchanged");
  }

  @Test
  void shortensAVeryLongLineInTheMessage() {
    String junk = Strings.repeat("a", 500);
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> v4(junk + "\n"));
    assertThat(t).isInstanceOf(SourceRejected.class);
    assertThat(t.getMessage()).hasSizeLessThan(200).contains("\"" + Strings.repeat("a", 60)
        + "…\" is not a CIDR");
  }

  @Test
  void rejectsTheWrongFamily() {
    rejects(() -> v4("173.245.48.0/20\n2606:4700::/32\n"),
        "source " + V4_WHERE + " line 2: \"2606:4700::/32\" is ipv6 in a list of ipv4 only; "
            + "firewall unchanged");
    rejects(() -> v6("2606:4700::/32\n173.245.48.0/20"),
        "source " + V6_WHERE + " line 2: \"173.245.48.0/20\" is ipv4 in a list of ipv6 only; "
            + "firewall unchanged");
  }

  @Test
  void rejectsHostBitsNamingTheNetwork() {
    rejects(() -> v4("173.245.48.1/20\n"),
        "source " + V4_WHERE + " line 1: \"173.245.48.1/20\" has host bits set (network is "
            + "173.245.48.0/20); firewall unchanged");
    rejects(() -> v6("2606:4700::1/32\n"),
        "source " + V6_WHERE + " line 1: \"2606:4700::1/32\" has host bits set (network is "
            + "2606:4700::/32); firewall unchanged");
  }

  @Test
  void rejectsTheWholeInternet() {
    rejects(() -> v4("173.245.48.0/20\n0.0.0.0/0\n"),
        "source " + V4_WHERE + " line 2: \"0.0.0.0/0\" would allow the whole Internet; "
            + "firewall unchanged");
    rejects(() -> v6("::/0"),
        "source " + V6_WHERE + " line 1: \"::/0\" would allow the whole Internet; "
            + "firewall unchanged");
    rejects(() -> file("# everything\n0.0.0.0/0\n"),
        "source file:/etc/cfsync/extra.txt line 2: \"0.0.0.0/0\" would allow the whole "
            + "Internet; firewall unchanged");
  }

  @Test
  void rejectsPrefixesBroaderThanSlash8OrSlash16() {
    rejects(() -> v4("4.0.0.0/7\n"),
        "source " + V4_WHERE + " line 1: \"4.0.0.0/7\" is broader than /8 (no CDN publishes "
            + "such a range); firewall unchanged");
    rejects(() -> v6("2400::/15\n"),
        "source " + V6_WHERE + " line 1: \"2400::/15\" is broader than /16 (no CDN publishes "
            + "such a range); firewall unchanged");
    // The limits themselves are fine.
    assertThat(Validator.parseItem("t", 0, "4.0.0.0/8", ImmutableSet.of(Family.V4),
        Limits.DEFAULT)).isEqualTo(Prefix.parse("4.0.0.0/8"));
    assertThat(Validator.parseItem("t", 0, "2400::/16", ImmutableSet.of(Family.V6),
        Limits.DEFAULT)).isEqualTo(Prefix.parse("2400::/16"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "10.1.0.0/16|10.0.0.0/8|private (RFC 1918)",
      "172.20.0.0/16|172.16.0.0/12|private (RFC 1918)",
      "192.168.1.0/24|192.168.0.0/16|private (RFC 1918)",
      "127.0.0.0/8|127.0.0.0/8|loopback",
      "169.254.0.0/16|169.254.0.0/16|link-local",
      "239.1.0.0/16|224.0.0.0/4|multicast",
      "100.64.0.0/10|100.64.0.0/10|carrier-grade NAT (RFC 6598)",
      "100.100.100.0/24|100.64.0.0/10|carrier-grade NAT (RFC 6598)",
      "192.0.2.0/24|192.0.2.0/24|documentation (TEST-NET-1)",
      "198.51.100.0/25|198.51.100.0/24|documentation (TEST-NET-2)",
      "203.0.113.7/32|203.0.113.0/24|documentation (TEST-NET-3)",
      "0.0.0.0/8|0.0.0.0/8|\"this network\" (RFC 791)",
      "240.0.0.0/8|240.0.0.0/4|reserved (including broadcast)",
      "255.255.255.255/32|240.0.0.0/4|reserved (including broadcast)",
      // A broad public-looking prefix that swallows a special block is no better.
      "172.0.0.0/8|172.16.0.0/12|private (RFC 1918)",
      "198.0.0.0/8|198.18.0.0/15|benchmarking (RFC 2544)",
  })
  void rejectsSpecialPurposeIpv4Ranges(String cidr, String block, String what) {
    rejects(() -> v4("173.245.48.0/20\n" + cidr + "\n"),
        "source " + V4_WHERE + " line 2: \"" + cidr + "\" overlaps " + block + ", " + what
            + ", which is never a Cloudflare edge; firewall unchanged");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "::1/128|::1/128|loopback",
      "::/128|::/128|unspecified",
      "fe80::/64|fe80::/10|link-local",
      "ff02::/16|ff00::/8|multicast",
      "fd12:3456::/32|fc00::/7|unique local (ULA)",
      "2001:db8::/32|2001:db8::/32|documentation",
      "2001:db8:1::/48|2001:db8::/32|documentation",
      "3fff::/20|3fff::/20|documentation (RFC 9637)",
      "100::/64|100::/64|discard-only (RFC 6666)",
      "fec0::/16|fec0::/10|site-local (deprecated)",
  })
  void rejectsSpecialPurposeIpv6Ranges(String cidr, String block, String what) {
    rejects(() -> v6("2606:4700::/32\n" + cidr + "\n"),
        "source " + V6_WHERE + " line 2: \"" + cidr + "\" overlaps " + block + ", " + what
            + ", which is never a Cloudflare edge; firewall unchanged");
  }

  @Test
  void rejectsFewerThanTheMinimumPerSelectedFamily() throws IOException {
    List<Prefix> nine = v4(fixture("ips-v4.txt")).subList(0, 9);
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() ->
        Validator.checkCounts("cloudflare", nine, ImmutableSet.of(Family.V4), Limits.DEFAULT));
    assertThat(t).isInstanceOf(SourceRejected.class).hasMessage("source cloudflare: only 9 "
        + "ipv4 prefixes, at least 10 expected (a truncated download? lower it with "
        + "--min-prefixes if the list is really that short); firewall unchanged");

    List<Prefix> three = v6(fixture("ips-v6.txt")).subList(0, 3);
    assertThatThrownBy(() -> Validator.checkCounts("cloudflare", three,
        ImmutableSet.of(Family.V6), Limits.DEFAULT))
        .isInstanceOf(SourceRejected.class)
        .hasMessageContaining("only 3 ipv6 prefixes, at least 4 expected");

    // Only the selected families count: a v4-only run needs no IPv6 minimum.
    List<Prefix> v4 = v4(fixture("ips-v4.txt"));
    Validator.checkCounts("cloudflare", v4, ImmutableSet.of(Family.V4), Limits.DEFAULT);
    assertThatThrownBy(() -> Validator.checkCounts("cloudflare", v4, BOTH, Limits.DEFAULT))
        .hasMessageContaining("only 0 ipv6 prefixes");
    // A lowered minimum lets a short list through.
    Validator.checkCounts("file:x", nine, BOTH, Limits.DEFAULT.withMinimums(9, 0));
  }

  @Test
  void rejectsABodyOverOneMebibyte() {
    // Valid lines all the way: the size alone is the reason.
    StringBuilder sb = new StringBuilder();
    int i = 0;
    while (sb.length() <= Limits.DEFAULT.maxBodyBytes()) {
      sb.append("104.").append(16 + (i >> 16 & 7)).append('.').append(i >> 8 & 255).append('.')
          .append(i & 255).append("/32\n");
      i++;
    }
    String body = sb.toString();
    rejects(() -> v4(body), "source " + V4_WHERE + ": the body is " + body.length()
        + " bytes, over the 1048576-byte cap (not a list of CDN ranges); firewall unchanged");
    // The operator's own file has no cap (benchmarks load 100k prefixes that way).
    assertThat(file(body)).hasSize(i);
  }

  @Test
  void countsTheCapInUtf8Bytes() {
    // 400k chars of 3-byte text: under the cap in chars, over it in bytes.
    String body = Strings.repeat("\u20ac", 400_000);
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> v4(body));
    assertThat(t).isInstanceOf(SourceRejected.class)
        .hasMessageContaining("the body is 1200000 bytes, over the 1048576-byte cap");
  }

  @Test
  void validatesJsonItemsNamingTheItemInsteadOfALine() {
    assertThatThrownBy(() -> Validator.parseItem("cloudflare-api result.ipv6_cidrs[0]",
        "2606:4700::1/32", ImmutableSet.of(Family.V6), Limits.DEFAULT))
        .isInstanceOf(SourceRejected.class)
        .hasMessage("source cloudflare-api result.ipv6_cidrs[0]: \"2606:4700::1/32\" has host "
            + "bits set (network is 2606:4700::/32); firewall unchanged");
  }

  @Test
  void validatesItemsWithTheirLineNumber() {
    assertThatThrownBy(() -> Validator.parseItem("templates/nginx.conf", 3, "10.0.0.0/8",
        ImmutableSet.of(Family.V4), Limits.DEFAULT))
        .isInstanceOf(SourceRejected.class)
        .hasMessage("source templates/nginx.conf line 3: \"10.0.0.0/8\" overlaps 10.0.0.0/8, "
            + "private (RFC 1918), which is never a Cloudflare edge; firewall unchanged");
  }

  @Test
  void aMixedUrlListAcceptsBothFamilies() throws IOException {
    assertThat(url(fixture("ips-v4.txt") + fixture("ips-v6.txt"))).hasSize(22);
  }
}
