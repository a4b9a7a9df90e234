package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.cfsync.backend.Backend;
import io.cfsync.backend.BackendRegistry;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Installed;
import io.cfsync.backend.Plan;
import io.cfsync.backend.Policy;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.source.Fetched;
import io.cfsync.state.ListCache;
import io.cfsync.state.StateDir;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each 521/522 cause built for real in a network namespace pair: the firewall under test and
 * the listeners live in the server namespace, where {@code cfsync doctor} runs as its own
 * process (it reads that namespace's /proc/net and ruleset, and builds its own throw-away
 * lab from there). Where doctor claims a Cloudflare client is refused or dropped, the
 * harness's client at a Cloudflare address checks the claim against the real firewall.
 */
@Live(tools = {"nft", "socat", "iptables", "ipset"})
class DoctorLiveTest {

  @TempDir
  Path work;

  private Path state;

  private static final List<Prefix> CLOUDFLARE = Fixtures.text("cloudflare-ips.txt").lines()
      .map(Prefix::parse).toList();

  /** One line of the human report: status, name, message, and the fix under it. */
  record Line(String status, String name, String message, String fix) {}

  private static final Pattern LINE = Pattern.compile("^(OK|WARN|FAIL)\\s{2,}(.+?)\\s{2,}(.*)$");

  static List<Line> lines(String stdout) {
    List<Line> out = new ArrayList<>();
    List<String> ls = stdout.lines().toList();
    for (int i = 0; i < ls.size(); i++) {
      Matcher m = LINE.matcher(ls.get(i));
      if (m.matches()) {
        String fix = i + 1 < ls.size() && ls.get(i + 1).trim().startsWith("fix: ")
            ? ls.get(i + 1).trim().substring(5) : null;
        out.add(new Line(m.group(1), m.group(2).trim(), m.group(3), fix));
      }
    }
    return out;
  }

  static Line line(Result r, String name) {
    return lines(r.stdout()).stream().filter(l -> l.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no line \"" + name + "\" in:\n" + r.stdout()
            + "\nstderr:\n" + r.stderr()));
  }

  @BeforeEach
  void freshCache() {
    // What the last successful fetch left: today's list, fetched a minute ago.
    state = work.resolve("state");
    new ListCache(new StateDir(state)).store(new Fetched("cloudflare",
        ImmutableList.copyOf(CLOUDFLARE), ImmutableList.of(), Optional.empty(), false,
        Optional.empty()), Instant.now().minusSeconds(60));
  }

  private Result doctor(Netns net, String... args) {
    List<String> a = new ArrayList<>(List.of("doctor", "--state-dir", state.toString()));
    a.addAll(List.of(args));
    return net.cfsyncRun(work, a.toArray(String[]::new));
  }

  private static void nft(Netns net, String script) {
    net.server().check(Command.of("nft", "-f", "-").withStdin(script));
  }

  private static String elements(Family f) {
    return CLOUDFLARE.stream().filter(p -> p.family() == f).map(Prefix::toString)
        .collect(Collectors.joining(", "));
  }

  // ---- listening ------------------------------------------------------------------------

  @Test
  void nothingListeningIsNamedAsA521WithTheFix() {
    try (Netns net = Netns.create()) {
      Result r = doctor(net, "--port", "80");
      assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isEqualTo(2);
      Line l = line(r, "listen 80/ipv4");
      assertThat(l.status()).isEqualTo("FAIL");
      assertThat(l.message()).isEqualTo("nothing listens on port 80 over IPv4: Cloudflare gets 521");
      assertThat(l.fix()).startsWith("start the web server");
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Netns.Outcome.REFUSED);
    }
  }

  @Test
  void aListenerBoundToLoopbackIsNamedWithItsProcess() {
    try (Netns net = Netns.create()) {
      net.listenOn("127.0.0.1", 80);
      Result r = doctor(net, "--port", "80");
      assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isEqualTo(2);
      Line l = line(r, "listen 80/ipv4");
      assertThat(l.status()).isEqualTo("FAIL");
      assertThat(l.message()).matches("socat \\(pid \\d+.*\\) listens only on 127\\.0\\.0\\.1:80: "
          + "Cloudflare cannot reach it \\(521\\)");
      assertThat(l.fix()).contains("listen on all addresses").contains("`listen 80;`");
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Netns.Outcome.REFUSED);
    }
  }

  // ---- firewall -------------------------------------------------------------------------

  @Test
  void aFirewallRefusingACloudflarePrefixIsA521NamingTheRule() {
    try (Netns net = Netns.create()) {
      net.listen(80);
      nft(net, "table inet edge {\n chain input {\n  type filter hook input priority 0; "
          + "policy accept;\n  tcp dport 80 ip saddr 173.245.48.0/20 reject with tcp reset\n"
          + " }\n}\n");
      Result r = doctor(net, "--port", "80");
      assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isEqualTo(2);
      Line v4 = line(r, "firewall 80/ipv4");
      assertThat(v4.status()).isEqualTo("FAIL");
      assertThat(v4.message()).isEqualTo("1 of 15 Cloudflare ipv4 prefixes are refused (521) on "
          + "port 80: 173.245.48.0/20; decided by inet edge input rule tcp dport 80 ip saddr "
          + "173.245.48.0/20 reject with tcp reset");
      assertThat(v4.fix()).isEqualTo("let Cloudflare in before that rule: `cfsync apply "
          + "--policy allow --nft-table 'inet edge' --nft-chain input`");
      assertThat(line(r, "firewall 80/ipv6").status()).isEqualTo("OK");
      assertThat(line(r, "listen 80/ipv4").status()).isEqualTo("OK");
      // The real firewall agrees: inside the prefix refused, outside it connected.
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Netns.Outcome.REFUSED);
      assertThat(net.connect(Netns.CF_V4_B, 80)).isEqualTo(Netns.Outcome.CONNECTED);
    }
  }

  @Test
  void aFirewallDroppingACloudflarePrefixIsA522NamingTheRule() {
    try (Netns net = Netns.create()) {
      net.listen(80, 443);
      nft(net, "table inet edge {\n chain input {\n  type filter hook input priority 0; "
          + "policy accept;\n  tcp dport { 80, 443 } ip saddr 104.16.0.0/13 drop\n }\n}\n");
      Result r = doctor(net);
      assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isEqualTo(2);
      for (int port : new int[] {80, 443}) {
        Line l = line(r, "firewall " + port + "/ipv4");
        assertThat(l.status()).isEqualTo("FAIL");
        assertThat(l.message()).isEqualTo("1 of 15 Cloudflare ipv4 prefixes are dropped (522) on "
            + "port " + port + ": 104.16.0.0/13; decided by inet edge input rule tcp dport { 80, "
            + "443 } ip saddr 104.16.0.0/13 drop");
        assertThat(l.fix()).contains("--nft-table 'inet edge' --nft-chain input");
      }
      assertThat(net.connect(Netns.CF_V4_B, 80)).isEqualTo(Netns.Outcome.TIMEOUT);
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Netns.Outcome.CONNECTED);
    }
  }

  @Test
  void ipv6AllowedButIpv4DroppedIsToldApart() {
    try (Netns net = Netns.create()) {
      net.listen(80);
      // An ip-family table: it filters IPv4 only, with a drop policy.
      nft(net, "table ip edge {\n chain input {\n  type filter hook input priority 0; policy "
          + "drop;\n  ct state established,related accept\n  iif lo accept\n }\n}\n");
      Result r = doctor(net, "--port", "80");
      assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isEqualTo(2);
      Line v4 = line(r, "firewall 80/ipv4");
      assertThat(v4.status()).isEqualTo("FAIL");
      assertThat(v4.message()).startsWith("15 of 15 Cloudflare ipv4 prefixes are dropped (522) "
          + "on port 80: ").endsWith("; decided by ip edge input policy drop");
      Line v6 = line(r, "firewall 80/ipv6");
      assertThat(v6.status()).isEqualTo("OK");
      assertThat(v6.message()).startsWith("all 7 Cloudflare ipv6 prefixes connect to port 80");
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Netns.Outcome.TIMEOUT);
      assertThat(net.connect(Netns.CF_V6, 80)).isEqualTo(Netns.Outcome.CONNECTED);
    }
  }

  @Test
  void anIpv6RulesetThatDropsNeighbourDiscoveryIsNamedAsTheCause() {
    try (Netns net = Netns.create()) {
      net.listen(80);
      nft(net, "table ip6 edge {\n chain input {\n  type filter hook input priority 0; policy "
          + "drop;\n  ct state established,related accept\n  tcp dport 80 accept\n }\n}\n");
      Result r = doctor(net, "--port", "80");
      Line v6 = line(r, "firewall 80/ipv6");
      assertThat(v6.status()).isEqualTo("FAIL");
      assertThat(v6.message()).endsWith("decided by ip6 edge input policy drop (it drops IPv6 "
          + "neighbour discovery, so no SYN arrives)");
      assertThat(v6.fix()).contains("nd-neighbor-solicit");
      assertThat(line(r, "firewall 80/ipv4").status()).isEqualTo("OK");
    }
  }

  // ---- cfsync's own rules ---------------------------------------------------------------

  /**
   * The stale allowlist an old cfsync (or a hand-made copy) leaves: Cloudflare's 2021 IPv4
   * list, which still has 104.16.0.0/12, without 172.64.0.0/13.
   */
  private static String staleCfsyncTable() {
    String v4 = Fixtures.text("cloudflare-ips-v4-2021.txt").lines()
        .filter(p -> !p.equals("172.64.0.0/13")).collect(Collectors.joining(", "));
    return "table inet cfsync {\n"
        + " set cfsync-v4 {\n  type ipv4_addr; flags interval; auto-merge;\n  elements = { "
        + v4 + " }\n }\n"
        + " set cfsync-v6 {\n  type ipv6_addr; flags interval; auto-merge;\n  elements = { "
        + elements(Family.V6) + " }\n }\n"
        + " chain input {\n  type filter hook input priority 0; policy accept;\n"
        + "  iif lo accept\n"
        + "  tcp dport { 80, 443 } ip saddr != @cfsync-v4 drop\n"
        + "  tcp dport { 80, 443 } ip6 saddr != @cfsync-v6 drop\n }\n}\n";
  }

  /** A test-only backend that reads the two sets of the table above (doctor only reads). */
  static final class NftSetBackend implements Backend {
    @Override
    public String name() {
      return "nftables-test";
    }

    @Override
    public Policy defaultPolicy() {
      return Policy.RESTRICT;
    }

    @Override
    public Installed read(ProcessRunner run) {
      List<Prefix> all = new ArrayList<>();
      boolean present = false;
      for (String set : List.of("cfsync-v4", "cfsync-v6")) {
        Result r = run.run(Command.of("nft", "-j", "list", "set", "inet", "cfsync", set));
        if (!r.ok()) {
          continue;
        }
        present = true;
        try {
          for (Object o : (List<?>) JSON.std.mapFrom(r.stdout()).get("nftables")) {
            if (o instanceof Map<?, ?> m && m.get("set") instanceof Map<?, ?> s
                && s.get("elem") instanceof List<?> elems) {
              elems.forEach(e -> all.addAll(BanSets.nftElement(e)));
            }
          }
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      PrefixSet set = PrefixSet.of(all);
      boolean p = present;
      return new Installed() {
        @Override
        public PrefixSet prefixes() {
          return set;
        }

        @Override
        public boolean present() {
          return p;
        }
      };
    }

    @Override
    public Plan plan(Installed now, Desired want) {
      throw new UnsupportedOperationException("doctor never plans");
    }
  }

  @Test
  void staleCfsyncRulesAreNamedBothAsTheDropAndAsMissingAndStalePrefixes() {
    try (Netns net = Netns.create()) {
      net.listen(80);
      nft(net, staleCfsyncTable());
      Result r = doctor(net, "--port", "80");
      assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isEqualTo(2);
      Line v4 = line(r, "firewall 80/ipv4");
      assertThat(v4.status()).isEqualTo("FAIL");
      assertThat(v4.message()).isEqualTo("1 of 15 Cloudflare ipv4 prefixes are dropped (522) on "
          + "port 80: 172.64.0.0/13; decided by inet cfsync input rule tcp dport { 80, 443 } ip "
          + "saddr != @cfsync-v4 drop");
      assertThat(v4.fix()).isEqualTo("cfsync's own rules refuse them (stale sets): run "
          + "`cfsync apply`");
      // The CLI reads cfsync's rules through every backend of the registry: none in a build
      // without backends, the real nftables backend once it is there.
      if (BackendRegistry.all().containsKey("nftables")) {
        Line own = line(r, "own-rules nftables");
        assertThat(own.status()).isEqualTo("FAIL");
        assertThat(own.message()).contains("lack 1 Cloudflare prefix(es)")
            .contains("172.64.0.0/13").contains("1 stale: 104.28.0.0/14");
      } else if (BackendRegistry.all().isEmpty()) {
        assertThat(line(r, "own-rules").status()).isEqualTo("WARN");
      }

      // The own-rules check reads the same sets through the Backend seam.
      List<Finding> own = new OwnRulesCheck(ImmutableMap.of("nftables-test", NftSetBackend::new),
          net.server()).run(PrefixSet.of(CLOUDFLARE), "the cached list");
      assertThat(own).singleElement().satisfies(f -> {
        assertThat(f.name()).isEqualTo("own-rules nftables-test");
        assertThat(f.status()).isEqualTo(Status.FAIL);
        assertThat(f.message()).isEqualTo("cfsync's nftables-test rules lack 1 Cloudflare "
            + "prefix(es) of the cached list: 172.64.0.0/13 (521/522 for those edges); and "
            + "still hold 1 stale: 104.28.0.0/14");
        assertThat(f.fix()).hasValue("run `cfsync apply --backend nftables-test`");
      });
      assertThat(net.connect("104.16.0.10", 80)).isEqualTo(Netns.Outcome.CONNECTED);
    }
  }

  // ---- ban lists ------------------------------------------------------------------------

  @Test
  void aFail2banBanOfACloudflareEdgeIsNamedAsTheCause() {
    try (Netns net = Netns.create()) {
      net.listen(80);
      ProcessRunner srv = net.server();
      srv.check(Command.of("ipset", "create", "f2b-nginx", "hash:ip", "timeout", "600"));
      srv.check(Command.of("ipset", "add", "f2b-nginx", Netns.CF_V4));
      srv.check(Command.of("iptables", "-I", "INPUT", "-p", "tcp", "-m", "multiport",
          "--dports", "80,443", "-m", "set", "--match-set", "f2b-nginx", "src", "-j", "REJECT",
          "--reject-with", "icmp-port-unreachable"));
      String before = firewallOf(srv);
      Result r = doctor(net, "--port", "80");
      assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isEqualTo(2);
      assertThat(firewallOf(srv)).isEqualTo(before);
      Line ban = line(r, "bans f2b-nginx");
      assertThat(ban.status()).isEqualTo("FAIL");
      assertThat(ban.message()).isEqualTo("fail2ban ipset f2b-nginx bans Cloudflare's "
          + Netns.CF_V4 + ": refused on port 80 (521)");
      assertThat(ban.fix()).isEqualTo("`fail2ban-client unban " + Netns.CF_V4 + "`, then keep "
          + "Cloudflare's ranges in ignoreip: `cfsync render --backend fail2ban -o "
          + "/etc/fail2ban/jail.d/cfsync.local` and `fail2ban-client reload`");
      // The prefix's own samples are not banned: the firewall as such lets Cloudflare in.
      assertThat(line(r, "firewall 80/ipv4").status()).isEqualTo("OK");
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Netns.Outcome.REFUSED);
    }
  }

  // ---- UFW ------------------------------------------------------------------------------

  @Test
  void ufwsChainsAreEvaluatedAndAUfwDenyOfCloudflareIsNamed() {
    try (Netns net = Netns.create()) {
      net.listen(80, 443);
      ProcessRunner srv = net.server();
      srv.check(Command.of("iptables-restore").withStdin(Fixtures.text(
          "rulesets/ufw-skeleton.rules")));
      srv.check(Command.of("iptables-restore", "-n").withStdin(Fixtures.text(
          "rulesets/nutratech-user.rules.txt")));
      Result ok = doctor(net, "--skip", "listen");
      assertThat(line(ok, "firewall 80/ipv4").status()).as(ok.stdout()).isEqualTo("OK");
      assertThat(line(ok, "firewall 443/ipv4").status()).isEqualTo("OK");

      // What `ufw insert 1 deny from 173.245.48.0/20 to any port 80 proto tcp` adds.
      srv.check(Command.of("iptables", "-I", "ufw-user-input", "1", "-p", "tcp", "--dport", "80",
          "-s", "173.245.48.0/20", "-j", "DROP"));
      Result r = doctor(net, "--skip", "listen");
      Line l = line(r, "firewall 80/ipv4");
      assertThat(l.status()).isEqualTo("FAIL");
      assertThat(l.message()).isEqualTo("1 of 15 Cloudflare ipv4 prefixes are dropped (522) on "
          + "port 80: 173.245.48.0/20; decided by ip filter ufw-user-input rule ip saddr "
          + "173.245.48.0/20 tcp dport 80 drop");
      assertThat(l.fix()).isEqualTo("allow Cloudflare in UFW: `cfsync apply --backend ufw`");
      assertThat(line(r, "firewall 443/ipv4").status()).isEqualTo("OK");
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Netns.Outcome.TIMEOUT);
      assertThat(net.connect(Netns.CF_V4, 443)).isEqualTo(Netns.Outcome.CONNECTED);
    }
  }

  /** iptables and ipsets as saved, minus what changes by itself (comments, ban countdowns). */
  private static String firewallOf(ProcessRunner srv) {
    return srv.check(Command.of("iptables-save")).stdout().replaceAll("(?m)^#.*\n", "")
        + srv.check(Command.of("ipset", "save")).stdout()
            .replaceAll("(?m)^(add .*) timeout \\d+", "$1");
  }

  // ---- Docker ---------------------------------------------------------------------------

  @Test
  void dockersPublishedPortIsFollowedThroughDnatAndDockerUser() {
    try (Netns net = Netns.create(); Container ctr = Container.attach(net, "br-free5gc",
        "10.100.200.1/24", "10.100.200.10/24", 8000)) {
      ProcessRunner srv = net.server();
      srv.check(Command.of("ip", "link", "add", "docker0", "type", "bridge"));
      srv.check(Command.of("ip", "addr", "add", "172.17.0.1/16", "dev", "docker0"));
      srv.check(Command.of("iptables-restore").withStdin(Fixtures.text(
          "rulesets/docker-isolation-iptables-nft-free5gc.txt")));
      srv.check(Command.of("tee", "/proc/sys/net/ipv4/ip_forward").withStdin("1\n"));
      assertThat(net.connect(Netns.CF_V4_B, 8000)).isEqualTo(Netns.Outcome.CONNECTED);

      Result ok = doctor(net, "--port", "8000");
      assertThat(line(ok, "firewall 8000/ipv4").status()).as(ok.stdout()).isEqualTo("OK");
      // docker-proxy off: nothing listens on the host, the DNAT carries the port.
      assertThat(line(ok, "listen 8000/ipv4").message()).isEqualTo("nothing listens on port "
          + "8000 over IPv4 here, but the firewall DNATs it to 10.100.200.10:8000 (a "
          + "container?): the firewall check follows it");

      srv.check(Command.of("iptables", "-I", "DOCKER-USER", "-s", "104.16.0.0/13", "-j",
          "DROP"));
      Result r = doctor(net, "--port", "8000", "--skip", "listen");
      Line l = line(r, "firewall 8000/ipv4");
      assertThat(l.status()).isEqualTo("FAIL");
      assertThat(l.message()).isEqualTo("1 of 15 Cloudflare ipv4 prefixes are dropped (522) on "
          + "port 8000: 104.16.0.0/13; decided by ip filter DOCKER-USER rule ip saddr "
          + "104.16.0.0/13 drop");
      assertThat(l.fix()).contains("--hook docker-user");
      assertThat(net.connect(Netns.CF_V4_B, 8000)).isEqualTo(Netns.Outcome.TIMEOUT);
    }
  }

  /** A "container": a namespace on a bridge of the server, listening on one port. */
  record Container(String ns, Process listener) implements AutoCloseable {
    static Container attach(Netns net, String bridge, String bridgeCidr, String cidr, int port) {
      String ns = net.serverName() + "k";
      ProcessRunner host = new io.cfsync.exec.SystemProcessRunner();
      host.check(Command.of("ip", "netns", "add", ns));
      ProcessRunner srv = net.server();
      srv.check(Command.of("ip", "link", "add", bridge, "type", "bridge"));
      srv.check(Command.of("ip", "addr", "add", bridgeCidr, "dev", bridge));
      srv.check(Command.of("ip", "link", "set", bridge, "up"));
      srv.check(Command.of("ip", "link", "add", "vethctr", "type", "veth", "peer", "name",
          "eth0", "netns", ns));
      srv.check(Command.of("ip", "link", "set", "vethctr", "master", bridge, "up"));
      host.check(Command.of("ip", "-n", ns, "link", "set", "lo", "up"));
      host.check(Command.of("ip", "-n", ns, "link", "set", "eth0", "up"));
      host.check(Command.of("ip", "-n", ns, "addr", "add", cidr, "dev", "eth0"));
      host.check(Command.of("ip", "-n", ns, "route", "add", "default", "via",
          bridgeCidr.split("/")[0]));
      try {
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, "socat", "-u",
            "TCP4-LISTEN:" + port + ",reuseaddr,fork", "OPEN:/dev/null")
            .redirectErrorStream(true).start();
        return new Container(ns, p);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      listener.descendants().forEach(ProcessHandle::destroyForcibly);
      listener.destroyForcibly();
      new io.cfsync.exec.SystemProcessRunner().run(Command.of("ip", "netns", "del", ns));
    }
  }

  // ---- healthy --------------------------------------------------------------------------

  @Test
  void aHealthyRestrictedOriginPassesWithExitZero() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(80, 443);
      nft(net, "table inet edge {\n"
          + " set cf4 {\n  type ipv4_addr; flags interval; auto-merge;\n  elements = { "
          + elements(Family.V4) + " }\n }\n"
          + " set cf6 {\n  type ipv6_addr; flags interval; auto-merge;\n  elements = { "
          + elements(Family.V6) + " }\n }\n"
          + " chain input {\n  type filter hook input priority 0; policy accept;\n"
          + "  iif lo accept\n"
          + "  tcp dport { 80, 443 } ip saddr @cf4 accept\n"
          + "  tcp dport { 80, 443 } ip6 saddr @cf6 accept\n"
          + "  tcp dport { 80, 443 } drop\n }\n}\n");
      String before = net.server().check(Command.of("nft", "list", "ruleset")).stdout();
      // services and logs read this machine's systemd and kernel log, which the test does
      // not build; everything the namespace holds is checked.
      Result r = doctor(net, "--skip", "services,logs");
      assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
      List<Line> all = lines(r.stdout());
      assertThat(all).noneMatch(l -> l.status().equals("FAIL"));
      assertThat(all.stream().filter(l -> l.name().startsWith("listen ")
          || l.name().startsWith("firewall ") || l.name().equals("bans")
          || l.name().equals("cfsync list")))
          .hasSize(10).allMatch(l -> l.status().equals("OK"));
      assertThat(line(r, "firewall 443/ipv6").message()).isEqualTo("all 7 Cloudflare ipv6 "
          + "prefixes connect to port 443 (14 sample addresses through a copy of the ruleset)");

      Result json = doctor(net, "--skip", "services,logs", "--json");
      assertThat(json.exitCode()).isZero();
      Map<String, Object> doc = JSON.std.mapFrom(json.stdout());
      assertThat(doc.get("schema")).isEqualTo("cfsync.doctor/v1");
      assertThat(doc.get("status")).isNotEqualTo("FAIL");
      assertThat(doc.get("exitCode")).isEqualTo(0);
      // Doctor only read: the ruleset is as it was, and its lab namespaces are gone.
      assertThat(net.server().check(Command.of("nft", "list", "ruleset")).stdout())
          .isEqualTo(before);
      assertThat(new io.cfsync.exec.SystemProcessRunner().check(Command.of("ip", "netns",
          "list")).stdout()).doesNotContain(Lab.NAME_PREFIX);
      // Restricted for real: Cloudflare in, everybody else dropped.
      assertThat(net.connect(Netns.CF_V4, 443)).isEqualTo(Netns.Outcome.CONNECTED);
      assertThat(net.connect(Netns.OTHER_V4, 443)).isEqualTo(Netns.Outcome.TIMEOUT);
    }
  }
}
