package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.io.Resources;
import io.cfsync.error.ExitCode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cfsync check}: drift and no drift for every kind of file, on real files
 * (src/test/resources/templates, see its README) and on rendered ones made stale on purpose.
 */
class CheckCommandTest {

  @TempDir
  Path tmp;

  private Path list2021;

  @BeforeEach
  void setUp() throws IOException {
    list2021 = fixture("ips-v4-2021.txt");
  }

  static Path fixture(String name) {
    try {
      return Path.of(Resources.getResource("templates/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private CliRun run(String cmd, String... args) {
    List<String> a = new ArrayList<>(List.of(cmd, "--state-dir", tmp.resolve("state").toString()));
    if (List.of(args).stream().noneMatch(x -> x.equals("--source"))) {
      a.addAll(List.of("--source", "builtin"));
    }
    a.addAll(List.of(args));
    return CliRun.inProcess(a.toArray(String[]::new));
  }

  private Path rendered(String name, String... args) throws IOException {
    List<String> a = new ArrayList<>(List.of(args));
    CliRun r = run("render", a.toArray(String[]::new));
    assertThat(r.exit()).as(r.err()).isZero();
    Path f = tmp.resolve(name);
    Files.writeString(f, r.out());
    return f;
  }

  @Test
  void everyRenderedKindIsCurrent() throws IOException {
    Path nft = rendered("nftables.conf");
    Path v4 = rendered("rules.v4", "--backend", "iptables", "--family", "4");
    Path v6 = rendered("rules.v6", "--backend", "iptables", "--family", "6");
    Path ipset = rendered("ipset.restore", "--backend", "ipset");
    Path ufw = rendered("ufw.sh", "--backend", "ufw");
    Path nginx = rendered("realip.conf", "--backend", "nginx");
    CliRun r = run("check", nft.toString(), v4.toString(), v6.toString(), ipset.toString(),
        ufw.toString(), nginx.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out().lines()).containsExactly(
        nft + ": current (nftables; block ipv4: 15 IPv4, block ipv6: 7 IPv6)",
        v4 + ": current (iptables; block ipv4: 15 IPv4)",
        v6 + ": current (iptables; block ipv6: 7 IPv6)",
        ipset + ": current (ipset; block ipv4: 15 IPv4, block ipv6: 7 IPv6)",
        ufw + ": current (ufw; block ipv4: 15 IPv4, block ipv6: 7 IPv6)",
        nginx + ": current (nginx; block ipv4: 15 IPv4, block ipv6: 7 IPv6)");
  }

  @Test
  void nginxSnippetOfAnotherToolIsCurrentAndDriftsWhenALineGoes() throws IOException {
    Path f = fixture("cloudflare-set-real-ip-sefinek.txt");
    CliRun ok = run("check", f.toString());
    assertThat(ok.exit()).as(ok.out()).isZero();
    assertThat(ok.out()).contains("current (nginx; set_real_ip_from lines: 15 IPv4, "
        + "set_real_ip_from lines: 7 IPv6)");

    // Keep a local proxy (never stale) and drop one range: drift names it, by family.
    Path stale = tmp.resolve("realip.conf");
    Files.writeString(stale, "set_real_ip_from 127.0.0.1;\n" + Files.readString(f)
        .replace("set_real_ip_from 131.0.72.0/22;\n", ""));
    CliRun drift = run("check", stale.toString());
    assertThat(drift.exit()).isEqualTo(ExitCode.DRIFT);
    assertThat(drift.out().lines()).containsExactly(
        stale + ": drift (nginx): 1 missing, 0 stale",
        stale + ":1: missing 131.0.72.0/22 (set_real_ip_from lines)");
  }

  @Test
  void ipsetOf2021IsStaleByCoverageNotByText() {
    Path f = fixture("cloudflare-cf-hashnet-2021.txt");
    CliRun r = run("check", f.toString());
    assertThat(r.exit()).isEqualTo(ExitCode.DRIFT);
    // 104.16.0.0/12 still covers today's 104.16.0.0/13 and 104.24.0.0/14 (nothing missing),
    // but also 104.28.0.0/14, which Cloudflare no longer lists.
    assertThat(r.out().lines()).containsExactly(
        f + ": drift (ipset): 0 missing, 1 stale",
        f + ":4: stale 104.28.0.0/14 (in 104.16.0.0/12, set cf)");
  }

  @Test
  void ipsetOf2021IsCurrentAgainstThe2021ListPinnedAsAFile() {
    Path f = fixture("cloudflare-cf-hashnet-2021.txt");
    CliRun r = run("check", "--source", "file:" + list2021, "--family", "4", f.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("current (ipset; set cf: 14 IPv4)");
  }

  @Test
  void iptablesSourceRulesDriftPerRuleShape() throws IOException {
    // An iptables-save of the 2021 list as per-range ACCEPT rules, one shape for 443.
    StringBuilder sb = new StringBuilder("*filter\n:INPUT DROP [0:0]\n");
    for (String cidr : Files.readAllLines(list2021)) {
      sb.append("-A INPUT -s ").append(cidr)
          .append(" -p tcp -m tcp --dport 443 -j ACCEPT\n");
    }
    sb.append("-A INPUT -s 198.51.100.7/32 -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n");
    Path f = tmp.resolve("iptables-save.txt");
    Files.writeString(f, sb.toString());
    CliRun r = run("check", f.toString());
    assertThat(r.exit()).isEqualTo(ExitCode.DRIFT);
    assertThat(r.out().lines()).containsExactly(
        f + ": drift (iptables): 0 missing, 1 stale",
        f + ":5: stale 104.28.0.0/14 (in 104.16.0.0/12, rules -A INPUT -s CIDR -p tcp -m tcp "
            + "--dport 443 -j ACCEPT)");
    CliRun pinned = run("check", "--source", "file:" + list2021, "--family", "4", f.toString());
    assertThat(pinned.exit()).as(pinned.out()).isZero();
  }

  @Test
  void ufwScriptDriftsWhenARangeIsMissingOrStale() throws IOException {
    Path ufw = rendered("ufw.sh", "--backend", "ufw");
    String text = Files.readString(ufw).replace(
        "ufw allow proto tcp from 2c0f:f248::/32 to any port 80,443 comment 'cfsync'\n",
        "ufw allow proto tcp from 2c0f:f248::/31 to any port 80,443 comment 'cfsync'\n");
    // Without markers the script is read as UFW commands, grouped by rule shape.
    text = text.lines().filter(l -> !l.contains("cfsync ipv")).collect(
        Collectors.joining("\n", "", "\n"));
    Files.writeString(ufw, text);
    CliRun r = run("check", ufw.toString());
    assertThat(r.exit()).isEqualTo(ExitCode.DRIFT);
    assertThat(r.out().lines()).containsExactly(
        ufw + ": drift (ufw): 0 missing, 1 stale",
        ufw + ":30: stale 2c0f:f249::/32 (in 2c0f:f248::/31, ufw allow proto tcp from CIDR to "
            + "any port 80,443 comment cfsync)");
  }

  @Test
  void ufwRuleFileTuplesAreReadAsWell() throws IOException {
    String base = Files.readString(fixture("nutratech-user.rules.txt"));
    StringBuilder tuples = new StringBuilder();
    String hex = "636673796e63";
    for (String cidr : Files.readAllLines(list2021)) {
      tuples.append("### tuple ### allow tcp 80,443 0.0.0.0/0 any ").append(cidr)
          .append(" in comment=").append(hex).append('\n')
          .append("-A ufw-user-input -p tcp -m multiport --dports 80,443 -s ").append(cidr)
          .append(" -j ACCEPT -m comment --comment 'cfsync'\n\n");
    }
    Path f = tmp.resolve("user.rules");
    Files.writeString(f, base.replace("### END RULES ###", tuples + "### END RULES ###"));
    CliRun r = run("check", "--family", "4", f.toString());
    assertThat(r.exit()).isEqualTo(ExitCode.DRIFT);
    assertThat(r.out()).contains(f + ": drift (ufw): 0 missing, 1 stale\n")
        .contains(": stale 104.28.0.0/14 (in 104.16.0.0/12, tuples allow tcp 80,443)");
  }

  @Test
  void nftablesNamedSetAndDefineAreReadWithoutMarkers() throws IOException {
    Path f = tmp.resolve("nftables.conf");
    Files.writeString(f, "define cf6 = { 2400:cb00::/32, 2405:8100::/32, 2405:b500::/32,\n"
        + "  2606:4700::/32, 2803:f800::/32, 2a06:98c0::/29, 2c0f:f248::/32 }\n"
        + "table inet filter {\n  set cloudflare4 {\n    type ipv4_addr; flags interval\n"
        + "    elements = { " + String.join(", ", Files.readAllLines(list2021)) + " }\n  }\n"
        + "  set office { type ipv4_addr; elements = { 198.51.100.7 } }\n"
        + "  chain input { type filter hook input priority 0; policy drop;\n"
        + "    tcp dport 443 ip saddr @cloudflare4 accept\n"
        + "    tcp dport 443 ip6 saddr $cf6 accept\n  }\n}\n");
    CliRun r = run("check", f.toString());
    assertThat(r.exit()).isEqualTo(ExitCode.DRIFT);
    assertThat(r.out().lines()).containsExactly(
        f + ": drift (nftables): 0 missing, 1 stale",
        f + ":6: stale 104.28.0.0/14 (in 104.16.0.0/12, set cloudflare4)");
    // Pinned to the 2021 list the same set is current; the IPv6 define is not compared.
    CliRun pinned = run("check", "--source", "file:" + list2021, "--family", "4",
        f.toString());
    assertThat(pinned.exit()).as(pinned.out()).isZero();
    assertThat(pinned.out()).isEqualTo(f + ": current (nftables; set cloudflare4: 14 IPv4)\n");
  }

  @Test
  void filesWithoutCloudflareRangesOrUnreadableExitOne() {
    Path docker = fixture("docker-isolation-iptables-nft-free5gc.txt");
    Path dfinity = fixture("handwritten-named-sets-dfinity.txt");
    Path matchSet = fixture("cloudflare-ipset-match-set.txt");
    Path none = tmp.resolve("missing.conf");
    CliRun r = run("check", docker.toString(), dfinity.toString(), matchSet.toString(),
        none.toString());
    assertThat(r.exit()).isEqualTo(ExitCode.ERROR);
    assertThat(r.out()).contains(docker + ": no-ranges (iptables)")
        .contains(dfinity + ": no-ranges (nftables)")
        .contains(matchSet + ": no-ranges (iptables)")
        .contains(none + ": unreadable (unknown kind): cannot read (no such file)");
  }

  @Test
  void unreadableWinsOverDrift() throws IOException {
    Path stale = fixture("cloudflare-cf-hashnet-2021.txt");
    CliRun r = run("check", stale.toString(), tmp.resolve("nope").toString());
    assertThat(r.exit()).isEqualTo(ExitCode.ERROR);
  }

  @Test
  void explicitFamilyRequiresItInTheFile() {
    Path f = fixture("cloudflare-cf-hashnet-2021.txt");
    CliRun r = run("check", "--source", "file:" + list2021, "--source", "builtin",
        "--min-prefixes", "10,0", "--family", "both", f.toString());
    assertThat(r.exit()).isEqualTo(ExitCode.DRIFT);
    assertThat(r.out()).contains(f + ":0: missing 2400:cb00::/32 (the file: no ipv6 ranges "
        + "in the file)");
  }

  @Test
  void strayMarkerIsAnErrorWithFileAndLine() throws IOException {
    Path f = tmp.resolve("realip.conf");
    Files.writeString(f, "# BEGIN cfsync\nset_real_ip_from 173.245.48.0/20;\n");
    CliRun r = run("check", f.toString());
    assertThat(r.exit()).isEqualTo(ExitCode.ERROR);
    assertThat(r.err()).contains(f + ":1: \"# BEGIN cfsync\" is never closed");
  }

  @Test
  void jsonDocumentIsStable() throws IOException {
    Path stale = tmp.resolve("stale.nft");
    Files.writeString(stale, "table inet cfsync {\n  set cfsync-v4 {\n    type ipv4_addr\n"
        + "    flags interval\n    elements = {\n      # BEGIN cfsync ipv4\n"
        + String.join("", Files.readAllLines(list2021).stream().map(c -> "      " + c + ",\n")
            .toList())
        + "      # END cfsync ipv4\n    }\n  }\n}\n");
    CliRun r = run("check", "--json", "--family", "4", stale.toString());
    assertThat(r.exit()).isEqualTo(ExitCode.DRIFT);
    Goldens.assertMatches("templates/check-drift.json", Goldens.normalise(r.out())
        .replace(tmp.toString(), "<tmp>"));
  }

  @Test
  void iptablesSaveOfCfsyncsChainWithExtrasIsCurrentWithoutMarkers() throws IOException {
    String rendered = Files.readString(Path.of("src", "test", "resources", "golden", "templates",
        "iptables-v4-restrict-reject-extra.rules"));
    Path f = tmp.resolve("iptables-save.txt");
    Files.writeString(f, rendered.lines().filter(l -> !l.contains("cfsync ipv4"))
        .collect(Collectors.joining("\n", "", "\n")));
    CliRun r = run("check", f.toString());
    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).isEqualTo(f + ": current (iptables; rules -A CFSYNC -s CIDR -j ACCEPT: "
        + "15 IPv4)\n");
  }

  @Test
  void nftListingWithAutoMergedRangesIsComparedByAddresses() throws IOException {
    // What `nft list ruleset` prints for an auto-merge set: adjacent prefixes as a range.
    Path f = tmp.resolve("ruleset.nft");
    Files.writeString(f, "table inet cfsync {\n\tset cfsync-v4 {\n\t\ttype ipv4_addr\n"
        + "\t\tflags interval\n\t\tauto-merge\n\t\telements = { 103.21.244.0/22, "
        + "103.22.200.0/22, 103.31.4.0/22,\n\t\t\t     104.16.0.0-104.27.255.255, "
        + "108.162.192.0/18, 131.0.72.0/22, 141.101.64.0/18, 162.158.0.0/15, 172.64.0.0/13, "
        + "173.245.48.0/20, 188.114.96.0/20, 190.93.240.0/20, 197.234.240.0/22, "
        + "198.41.128.0/17 }\n\t}\n}\n");
    CliRun r = run("check", "--family", "4", f.toString());
    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).isEqualTo(f + ": current (nftables; set cfsync-v4: 14 IPv4)\n");
  }

  @Test
  void anyAddressInACloudflareGroupIsStaleButALanIsNot() throws IOException {
    Path f = tmp.resolve("realip.conf");
    Files.writeString(f, "set_real_ip_from 10.0.0.0/8;\nset_real_ip_from 0.0.0.0/0;\n"
        + Files.readString(fixture("cloudflare-set-real-ip-sefinek.txt")));
    CliRun r = run("check", "--family", "4", f.toString());
    assertThat(r.exit()).isEqualTo(ExitCode.DRIFT);
    assertThat(r.out()).contains(f + ": drift (nginx): 0 missing, ")
        .contains(f + ":2: stale 0.0.0.0/2 (in 0.0.0.0/0, set_real_ip_from lines)")
        .doesNotContain("in 10.0.0.0/8");
  }
}
