package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.error.ExitCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code cfsync render}: every built-in template against its golden file, and the options. */
class RenderCommandTest {

  @TempDir
  Path tmp;

  private CliRun render(String... args) {
    List<String> a = new ArrayList<>(List.of("render", "--source", "builtin", "--state-dir",
        tmp.resolve("state").toString()));
    a.addAll(List.of(args));
    return CliRun.inProcess(a.toArray(String[]::new));
  }

  static Stream<Arguments> templates() {
    return Stream.of(
        Arguments.of("nftables-restrict.nft", new String[] {}),
        Arguments.of("nftables-allow.nft", new String[] {"--policy", "allow"}),
        Arguments.of("nftables-allow-operator-table.nft", new String[] {"--policy", "allow",
            "--nft-table", "ip6 web", "--nft-chain", "in", "--family", "6",
            "--min-prefixes", "0,4"}),
        Arguments.of("nftables-docker-user-reject-extras.nft", new String[] {"--hook",
            "docker-user", "--action", "reject", "--ports", "80,443,8000-8080",
            "--allow-extra", "198.51.100.0/24,2001:db8:1::/48"}),
        Arguments.of("nftables-family-4.nft", new String[] {"--family", "4"}),
        Arguments.of("iptables-v4.rules", new String[] {"--backend", "iptables", "--family",
            "4"}),
        Arguments.of("iptables-v6.rules", new String[] {"--backend", "iptables", "--family",
            "6"}),
        Arguments.of("iptables-v4-restrict-reject-extra.rules", new String[] {"--backend",
            "iptables", "--family", "4", "--policy", "restrict", "--action", "reject",
            "--allow-extra", "198.51.100.7", "--ports", "443,8000-8080"}),
        Arguments.of("iptables-v4-docker-user-restrict.rules", new String[] {"--backend",
            "iptables", "--family", "4", "--policy", "restrict", "--hook", "docker-user"}),
        Arguments.of("ipset.restore", new String[] {"--backend", "ipset"}),
        Arguments.of("ipset-custom-names.restore", new String[] {"--backend", "ipset",
            "--set-name", "edge", "--ports", "443"}),
        Arguments.of("ufw.sh", new String[] {"--backend", "ufw"}),
        Arguments.of("ufw-restrict-reject.sh", new String[] {"--backend", "ufw", "--policy",
            "restrict", "--action", "reject", "--allow-extra", "198.51.100.7",
            "--ports", "443,8000-8080", "--comment", "edge"}),
        Arguments.of("nginx-realip.conf", new String[] {"--backend", "nginx"}),
        Arguments.of("nginx-realip-family-4.conf", new String[] {"--backend", "nginx",
            "--family", "4"}),
        Arguments.of("fail2ban-jail.local", new String[] {"--backend", "fail2ban"}),
        Arguments.of("fail2ban-jail-family-6.local", new String[] {"--backend", "fail2ban",
            "--family", "6"}),
        Arguments.of("crowdsec-whitelist.yaml", new String[] {"--backend", "crowdsec"}),
        Arguments.of("crowdsec-whitelist-family-4.yaml", new String[] {"--backend",
            "crowdsec", "--family", "4"}),
        Arguments.of("csf.ignore", new String[] {"--backend", "csf"}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("templates")
  void everyBuiltInTemplateMatchesItsGolden(String golden, String[] args) {
    CliRun r = render(args);
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCode.OK);
    Goldens.assertMatches("templates/" + golden, r.out());
  }

  @Test
  void nginxRendersThoughNoLiveBackendHasThatName() {
    CliRun r = render("--backend", "nginx");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("set_real_ip_from 173.245.48.0/20;\n")
        .contains("set_real_ip_from 2606:4700::/32;\n")
        .endsWith("real_ip_header CF-Connecting-IP;\n");
  }

  @Test
  void iptablesNeedsOneFamilyForAWholeFile() {
    CliRun r = render("--backend", "iptables");
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.errLines()).singleElement().asString().contains("--family 4")
        .contains("--family 6");
  }

  @Test
  void unknownKindIsAUsageErrorListingTheKinds() {
    CliRun r = render("--backend", "pf");
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.errLines()).singleElement().asString()
        .contains("nftables, iptables, ipset, ufw, nginx");
  }

  @Test
  void userTemplateReplacesTheBuiltInOne() throws IOException {
    Path t = tmp.resolve("mine.mustache");
    Files.writeString(t, "# {{kind}} {{policy}} ports {{portsList}}\n"
        + "{{#ipv6}}{{address}} {{length}}{{^last}},{{/last}}{{/ipv6}}\n");
    CliRun r = render("--template", t.toString(), "--backend", "nginx");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("# nginx allow ports 80,443\n2400:cb00:: 32,2405:8100:: 32,"
        + "2405:b500:: 32,2606:4700:: 32,2803:f800:: 32,2a06:98c0:: 29,2c0f:f248:: 32\n");
  }

  @Test
  void malformedTemplateIsOneLineNamingFileAndLine() throws IOException {
    Path t = tmp.resolve("bad.mustache");
    Files.writeString(t, "# header\n{{#ipv4}}\n{{cidr}}\n# no closing tag\n");
    CliRun r = render("--template", t.toString());
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).singleElement().asString()
        .startsWith("cfsync: template " + t + ":")
        .contains("ipv4").contains("fix the template");
  }

  @Test
  void misspelledVariableIsAnErrorNotAnEmptyRule() throws IOException {
    Path t = tmp.resolve("typo.mustache");
    Files.writeString(t, "*filter\n{{#ipv4}}\n-A X -s {{cdir}} -j ACCEPT\n{{/ipv4}}\nCOMMIT\n");
    CliRun r = render("--template", t.toString(), "--backend", "iptables", "--family", "4");
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.errLines()).singleElement().asString()
        .isEqualTo("cfsync: template " + t + ":3: unknown variable \"cdir\" (docs/templates.md "
            + "lists them); fix the template");
  }

  @Test
  void outputWritesTheWholeFileAndCheckComparesIt() throws IOException {
    Path f = tmp.resolve("nftables.conf");
    CliRun missing = render("--output", f.toString(), "--check");
    assertThat(missing.exit()).isEqualTo(ExitCode.DRIFT);
    assertThat(missing.out()).startsWith("--- " + f + "\n+++ " + f + "\n@@ -0,0 +1,");
    assertThat(f).doesNotExist();

    CliRun w = render("--output", f.toString());
    assertThat(w.exit()).as(w.err()).isZero();
    assertThat(w.out()).isEmpty();
    assertThat(Files.readString(f)).isEqualTo(render().out());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-r--r--");

    CliRun again = render("--output", f.toString(), "--check");
    assertThat(again.exit()).isZero();
    assertThat(again.out()).isEmpty();
  }

  @Test
  void checkWithoutAFileIsAUsageError() {
    assertThat(render("--check").exit()).isEqualTo(ExitCode.USAGE);
  }

  @Test
  void inPlaceKeepsPermissionsAndWritesNothingWhenCurrent() throws IOException {
    Path f = tmp.resolve("realip.conf");
    Files.writeString(f, "http {\n  # BEGIN cfsync\n  set_real_ip_from 10.0.0.0/8;\n"
        + "  # END cfsync\n}\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
    CliRun r = render("--in-place", f.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    String text = Files.readString(f);
    assertThat(text).startsWith("http {\n  # BEGIN cfsync\n  set_real_ip_from 103.21.244.0/22;\n")
        .contains("  set_real_ip_from 2c0f:f248::/32;\n  # END cfsync\n}\n")
        .doesNotContain("10.0.0.0/8");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-r-----");
    var before = Files.getLastModifiedTime(f);
    byte[] bytes = Files.readAllBytes(f);
    CliRun again = render("--in-place", f.toString());
    assertThat(again.exit()).isZero();
    assertThat(again.err()).contains("current, nothing written");
    assertThat(Files.readAllBytes(f)).isEqualTo(bytes);
    assertThat(Files.getLastModifiedTime(f)).isEqualTo(before);
  }

  @Test
  void inPlaceCheckPrintsAPatchThatPatchAppliesAndChangesNothing() throws Exception {
    Path f = tmp.resolve("rules.v4");
    String full = render("--backend", "iptables", "--family", "4").out();
    String stale = full.replace("-A CFSYNC -s 104.24.0.0/14 -j ACCEPT\n", "")
        .replace("104.16.0.0/13", "104.16.0.0/12");
    Files.writeString(f, stale);
    CliRun r = render("--in-place", f.toString(), "--check", "--family", "4");
    assertThat(r.exit()).isEqualTo(ExitCode.DRIFT);
    assertThat(Files.readString(f)).isEqualTo(stale);
    assertThat(r.out()).contains("-A CFSYNC -s 104.16.0.0/12 -j ACCEPT\n")
        .contains("+-A CFSYNC -s 104.24.0.0/14 -j ACCEPT\n");
    // The real patch(1) applies the diff and yields what render --in-place writes.
    Path diff = tmp.resolve("d.patch");
    Files.writeString(diff, r.out());
    Process p = new ProcessBuilder("patch", "-s", f.toString(), "-i", diff.toString())
        .directory(tmp.toFile()).redirectErrorStream(true).start();
    String patchOut = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(patchOut).isZero();
    assertThat(Files.readString(f)).isEqualTo(full);
  }

  @Test
  void helpSaysBackendNamesATemplateKindForRenderAndCheck() {
    for (String cmd : List.of("render", "check")) {
      CliRun r = CliRun.inProcess(cmd, "--help");
      assertThat(r.exit()).isZero();
      assertThat(r.out().replaceAll("\\s+", " ")).contains("--backend=B Kind of file: "
          + "nftables, iptables, ipset, ufw, nginx, or (so those tools never ban Cloudflare's "
          + "edge) fail2ban, crowdsec or csf");
    }
  }

  @Test
  void ansibleVarsFileIsKeptCurrentWithAOwnTemplateOfJustTheBlocks() throws IOException {
    Path vars = tmp.resolve("group_vars.yml");
    String head = "# managed in git\nnginx_port: 443\ncloudflare_v4:\n  # BEGIN cfsync ipv4\n";
    String tail = "  # END cfsync ipv4\noffice: 198.51.100.7\n";
    Files.writeString(vars, head + "  - 104.16.0.0/12\n" + tail);
    Path t = tmp.resolve("yaml.mustache");
    Files.writeString(t, "# BEGIN cfsync ipv4\n{{#ipv4}}\n- \"{{cidr}}\"\n{{/ipv4}}\n"
        + "# END cfsync ipv4\n");

    CliRun drift = CliRun.inProcess("check", "--source", "builtin", "--state-dir",
        tmp.resolve("state").toString(), vars.toString());
    assertThat(drift.exit()).isEqualTo(ExitCode.DRIFT);
    assertThat(drift.out()).startsWith(vars + ": drift (unknown kind): 13 missing, 1 stale\n");

    CliRun fix = render("--template", t.toString(), "--in-place", vars.toString());
    assertThat(fix.exit()).as(fix.err()).isZero();
    String fixed = Files.readString(vars);
    assertThat(fixed).startsWith(head + "  - \"103.21.244.0/22\"\n").endsWith(
        "  - \"198.41.128.0/17\"\n" + tail);
    CliRun ok = CliRun.inProcess("check", "--source", "builtin", "--state-dir",
        tmp.resolve("state").toString(), vars.toString());
    assertThat(ok.exit()).as(ok.out()).isZero();
  }

  @Test
  void namedSetsOfAHandWrittenNftablesConfAreRewrittenWithNftSet() throws IOException {
    Path f = tmp.resolve("nftables.conf");
    String head = "table inet filter {\n  set cloudflare4 {\n    type ipv4_addr; flags interval\n"
        + "    elements = {";
    String tail = "}\n  }\n  set office { type ipv4_addr; elements = { 198.51.100.7 } }\n}\n";
    Files.writeString(f, head + " 173.245.48.0/20, 104.16.0.0/12 " + tail);
    CliRun without = render("--in-place", f.toString());
    assertThat(without.exit()).isEqualTo(ExitCode.ERROR);
    assertThat(without.errLines()).singleElement().asString().contains("no nft set "
        + "cfsync-v4/cfsync-v6 with elements");

    CliRun r = render("--in-place", f.toString(), "--nft-set", "cloudflare4,office6");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(Files.readString(f)).isEqualTo(head + " 103.21.244.0/22, 103.22.200.0/22, "
        + "103.31.4.0/22, 104.16.0.0/13, 104.24.0.0/14, 108.162.192.0/18, 131.0.72.0/22, "
        + "141.101.64.0/18, 162.158.0.0/15, 172.64.0.0/13, 173.245.48.0/20, 188.114.96.0/20, "
        + "190.93.240.0/20, 197.234.240.0/22, 198.41.128.0/17 " + tail);
    CliRun check = CliRun.inProcess("check", "--source", "builtin", "--state-dir",
        tmp.resolve("state").toString(), f.toString());
    assertThat(check.exit()).as(check.out()).isZero();
  }
}
