package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.error.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files that keep fail2ban, CrowdSec and csf/lfd from banning Cloudflare's edge: rendered
 * from the validated lists, refreshed in place, and read back by {@code check} with or without
 * cfsync's markers (drift = a Cloudflare prefix missing, or a listed range Cloudflare no
 * longer has).
 */
class BanToolFilesTest {

  @TempDir
  Path tmp;

  private CliRun run(String cmd, String... args) {
    List<String> a = new ArrayList<>(List.of(cmd, "--state-dir", tmp.resolve("state").toString(),
        "--source", "builtin"));
    a.addAll(List.of(args));
    return CliRun.inProcess(a.toArray(String[]::new));
  }

  private Path rendered(String name, String kind) throws IOException {
    CliRun r = run("render", "--backend", kind);
    assertThat(r.exit()).as(r.err()).isZero();
    Path f = tmp.resolve(name);
    Files.writeString(f, r.out());
    return f;
  }

  /**
   * The 2021 shape of the list in {@code text}: 104.16.0.0/12 instead of today's /13 and /14
   * (so 104.28.0.0/14 is stale), and 2c0f:f248::/32 not there yet (missing).
   */
  private static String staled(String text) {
    return text.replace("104.16.0.0/13", "104.16.0.0/12").lines()
        .filter(l -> !l.contains("104.24.0.0/14") && !l.contains("2c0f:f248::/32"))
        .reduce("", (a, b) -> a + b + "\n");
  }

  @Test
  void renderedBanToolFilesAreCurrent() throws IOException {
    Path f2b = rendered("cfsync.local", "fail2ban");
    Path cs = rendered("cfsync-cloudflare.yaml", "crowdsec");
    Path csf = rendered("csf.ignore", "csf");
    CliRun r = run("check", f2b.toString(), cs.toString(), csf.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out().lines()).containsExactly(
        f2b + ": current (fail2ban; block ipv4: 15 IPv4, block ipv6: 7 IPv6)",
        cs + ": current (crowdsec; block ipv4: 15 IPv4, block ipv6: 7 IPv6)",
        csf + ": current (csf; block ipv4: 15 IPv4, block ipv6: 7 IPv6)");
  }

  @Test
  void staleBlocksDriftAndAnInPlaceRenderMakesThemCurrent() throws IOException {
    for (String[] k : new String[][] {{"cfsync.local", "fail2ban"},
        {"cfsync-cloudflare.yaml", "crowdsec"}, {"csf.ignore", "csf"}}) {
      Path f = rendered(k[0], k[1]);
      Files.writeString(f, staled(Files.readString(f)));
      CliRun drift = run("check", f.toString());
      assertThat(drift.exit()).as(drift.out()).isEqualTo(ExitCode.DRIFT);
      assertThat(drift.out()).contains(f + ": drift (" + k[1] + "): 1 missing, 1 stale")
          .contains(": missing 2c0f:f248::/32 (block ipv6)")
          .contains(": stale 104.28.0.0/14 (in 104.16.0.0/12, block ipv4)");

      CliRun check = run("render", "--in-place", f.toString(), "--check");
      assertThat(check.exit()).isEqualTo(ExitCode.DRIFT);
      assertThat(check.out()).contains("-" + (k[1].equals("crowdsec") ? "    - \"" : k[1]
          .equals("fail2ban") ? "           " : "") + "104.16.0.0/12");
      CliRun write = run("render", "--in-place", f.toString());
      assertThat(write.exit()).as(write.err()).isZero();
      assertThat(Files.readString(f)).isEqualTo(Files.readString(rendered("fresh-" + k[0],
          k[1])));
      assertThat(run("check", f.toString()).exit()).isZero();
    }
  }

  @Test
  void inPlaceKeepsTheOperatorsOwnIgnoreipAndIndentsIntoAJailsValue() throws IOException {
    Path jail = tmp.resolve("jail.local");
    Files.writeString(jail, """
        [DEFAULT]
        bantime = 1h
        ignoreip = 127.0.0.1/8 ::1 198.51.100.7
        \t# BEGIN cfsync
        \t# END cfsync

        [nginx-http-auth]
        enabled = true
        ignoreip = 203.0.113.9
          # BEGIN cfsync ipv4
          103.21.244.0/22
          # END cfsync ipv4
        """);
    CliRun r = run("render", "--backend", "fail2ban", "--in-place", jail.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    String text = Files.readString(jail);
    assertThat(text).startsWith("[DEFAULT]\nbantime = 1h\nignoreip = 127.0.0.1/8 ::1 "
        + "198.51.100.7\n\t# BEGIN cfsync\n\t           103.21.244.0/22\n")
        .contains("\t           2c0f:f248::/32\n\t# END cfsync\n\n[nginx-http-auth]\n"
            + "enabled = true\nignoreip = 203.0.113.9\n  # BEGIN cfsync ipv4\n"
            + "             103.21.244.0/22\n             103.22.200.0/22\n")
        .endsWith("             198.41.128.0/17\n  # END cfsync ipv4\n");
    CliRun check = run("check", jail.toString());
    // The jail's own list has no IPv6 block: IPv6 is compared where the file has it.
    assertThat(check.exit()).as(check.out()).isZero();
    assertThat(check.out()).isEqualTo(jail + ": current (fail2ban; block: 15 IPv4, block: 7 "
        + "IPv6, block ipv4: 15 IPv4)\n");
  }

  @Test
  void fail2banIgnoreipIsReadWithoutMarkersTheWayItsParserReadsIt() throws IOException {
    Path jail = tmp.resolve("jail.local");
    Files.writeString(jail, """
        # hand-made, long ago
        [DEFAULT]
        ignoreip = 127.0.0.1/8 ::1 ; the loopbacks
            173.245.48.0/20,103.21.244.0/22 103.22.200.0/22
        # a comment inside the value does not end it
            103.31.4.0/22
            141.101.64.0/18 108.162.192.0/18 190.93.240.0/20 188.114.96.0/20
            197.234.240.0/22 198.41.128.0/17 162.158.0.0/15 104.16.0.0/12 172.64.0.0/13
            131.0.72.0/22
        bantime = 600

        [sshd]
        ignoreip = 198.51.100.7
        """);
    CliRun r = run("check", "--family", "4", jail.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(ExitCode.DRIFT);
    assertThat(r.out().lines()).containsExactly(
        jail + ": drift (fail2ban): 0 missing, 1 stale",
        jail + ":8: stale 104.28.0.0/14 (in 104.16.0.0/12, ignoreip [DEFAULT])");
  }

  @Test
  void crowdsecFlowListsAndQuotedItemsAreReadWithoutMarkers() throws IOException {
    Path wl = tmp.resolve("whitelist.yaml");
    Files.writeString(wl, """
        name: me/cloudflare
        description: "edge"
        whitelist:
          reason: "cloudflare"
          ip: ["127.0.0.1"]
          cidr:
          - '173.245.48.0/20'
          - "103.21.244.0/22"   # first one
          - 103.22.200.0/22
          - "103.31.4.0/22"
          - "141.101.64.0/18"
          - "108.162.192.0/18"
          - "190.93.240.0/20"
          - "188.114.96.0/20"
          - "197.234.240.0/22"
          - "198.41.128.0/17"
          - "162.158.0.0/15"
          - "104.16.0.0/13"
          - "104.24.0.0/14"
          - "172.64.0.0/13"
        """);
    CliRun r = run("check", "--family", "4", wl.toString());
    assertThat(r.exit()).isEqualTo(ExitCode.DRIFT);
    assertThat(r.out().lines()).containsExactly(
        wl + ": drift (crowdsec): 1 missing, 0 stale",
        wl + ":6: missing 131.0.72.0/22 (whitelist cidr)");
  }

  @Test
  void csfIgnoreIsReadAsLfdReadsItAndItsSyntaxChecked() throws IOException {
    Path csf = tmp.resolve("csf.ignore");
    StringBuilder sb = new StringBuilder("# The following IP addresses will be ignored by all "
        + "lfd checks\n127.0.0.1\n198.51.100.7 # office\n\nInclude /etc/csf/cpanel.ignore\n");
    for (String c : List.of("173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22",
        "103.31.4.0/22", "141.101.64.0/18", "108.162.192.0/18", "190.93.240.0/20",
        "188.114.96.0/20", "197.234.240.0/22", "198.41.128.0/17", "162.158.0.0/15",
        "104.16.0.0/13", "104.24.0.0/14", "172.64.0.0/13", "131.0.72.0/22")) {
      sb.append(c).append(" # cloudflare\n");
    }
    Files.writeString(csf, sb.toString());
    CliRun r = run("check", "--family", "4", "--syntax", csf.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out().lines()).containsExactly(
        csf + ": current (csf; entries marked Cloudflare: 15 IPv4)",
        csf + ": syntax ok (every entry is an address or CIDR, as lfd reads them)");

    // Without a comment naming Cloudflare every line is the list: the office address is stale.
    Files.writeString(csf, sb.toString().replace(" # cloudflare", ""));
    CliRun unmarked = run("check", "--family", "4", csf.toString());
    assertThat(unmarked.exit()).isEqualTo(ExitCode.DRIFT);
    assertThat(unmarked.out().lines()).containsExactly(
        csf + ": drift (csf): 0 missing, 1 stale",
        csf + ":3: stale 198.51.100.7/32 (in 198.51.100.7, entries)");

    Files.writeString(csf, sb + "cloudflare.com\n");
    CliRun bad = run("check", "--family", "4", "--syntax", csf.toString());
    assertThat(bad.exit()).isEqualTo(ExitCode.ERROR);
    assertThat(bad.out()).contains(csf + ": syntax failed (line 21: \"cloudflare.com\" is not "
        + "an address or CIDR (lfd ignores the line as an invalid entry))");
  }

  @Test
  void kindsAreDetectedFromContentAndName() throws IOException {
    Path f2b = rendered("some.local", "fail2ban");
    Path cs = rendered("x.yaml", "crowdsec");
    Path csf = tmp.resolve("cloudflare.ignore");
    Files.writeString(csf, Files.readString(rendered("c", "csf")));
    CliRun r = run("check", "--json", f2b.toString(), cs.toString(), csf.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("\"kind\" : \"fail2ban\"").contains("\"kind\" : \"crowdsec\"")
        .contains("\"kind\" : \"csf\"");
  }

  @Test
  void syntaxOfFail2banAndCrowdsecFilesIsLeftToTheirOwnTestModes() throws IOException {
    Path f2b = rendered("cfsync.local", "fail2ban");
    CliRun r = run("check", "--syntax", f2b.toString());
    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).contains("syntax skipped (fail2ban checks its whole configuration, not "
        + "one file: run `fail2ban-client -t` once the file is installed)");
  }

  @Test
  void banToolKindsHaveNoDockerUserForm() {
    CliRun r = run("render", "--backend", "crowdsec", "--hook", "docker-user");
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.errLines()).singleElement().asString().contains("the crowdsec template has no "
        + "docker-user form");
  }
}
