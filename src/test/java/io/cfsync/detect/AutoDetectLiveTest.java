package io.cfsync.detect;

import static io.cfsync.live.Netns.Outcome.CONNECTED;
import static io.cfsync.live.Netns.Outcome.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import io.cfsync.live.UfwSandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --backend auto} (no --backend at all) against real rulesets in network namespaces:
 * each case loads what a kind of host has, runs the CLI as cron would, and checks the choice,
 * the refusal message (exit 3, ruleset untouched) and that Cloudflare really gets in.
 * firewalld is not installed here: its case loads the table its nftables backend creates
 * (inet firewalld, chain filter_INPUT at priority filter + 10), which is what the detection
 * reads; the process and pid-file paths are covered by HostReaderTest with a made-up /proc.
 */
@Live(tools = {"nft", "iptables-nft", "iptables-legacy", "socat"})
class AutoDetectLiveTest {

  @TempDir
  Path tmp;

  private Result cli(Netns net, String... args) {
    return net.cfsyncRun(tmp, withState(args));
  }

  private String[] withState(String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.addAll(List.of("--source", "builtin", "--state-dir", tmp.resolve("state").toString()));
    return a.toArray(String[]::new);
  }

  /** Everything the namespace's firewall holds, counters aside. */
  private static String firewall(ProcessRunner srv) {
    StringBuilder sb = new StringBuilder();
    sb.append(srv.check(Command.of("nft", "list", "ruleset")).stdout());
    for (String tool : List.of("iptables-legacy-save", "ip6tables-legacy-save")) {
      for (String l : srv.check(Command.of(tool)).stdout().split("\n")) {
        if (!l.startsWith("#")) {
          sb.append(l.replaceAll("\\[\\d+:\\d+]", "[0:0]")).append('\n');
        }
      }
    }
    return sb.toString().replaceAll("packets \\d+ bytes \\d+", "");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> detection(Result json) throws Exception {
    return (Map<String, Object>) JSON.std.mapFrom(json.stdout()).get("detection");
  }

  @Test
  void aPlainHostGetsNftablesRestrictAndOnlyCloudflareGetsIn() {
    try (Netns net = Netns.create()) {
      net.listen(80, 22);
      Result r = cli(net, "apply");
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      assertThat(r.stderr()).contains("cfsync: backend auto: using nftables: no firewall "
          + "manager found");
      assertThat(net.server().check(Command.of("nft", "list", "tables")).stdout())
          .contains("table inet cfsync");
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(TIMEOUT);
      assertThat(net.connect(Netns.OTHER_V4, 22)).isEqualTo(CONNECTED);
    }
  }

  @Test
  void anOperatorTableThatDropsIsNamedAndItsFlagsThenWork() {
    try (Netns net = Netns.create()) {
      net.listen(80);
      ProcessRunner srv = net.server();
      srv.check(Command.of("nft", "-f", "-").withStdin("""
          table inet filter {
          	chain input {
          		type filter hook input priority filter; policy drop;
          		ct state established,related accept
          		iif "lo" accept
          		tcp dport 22 accept
          	}
          }
          """));
      String before = firewall(srv);
      Result refused = cli(net, "apply");
      assertThat(refused.exitCode()).isEqualTo(3);
      assertThat(refused.stderr()).contains("cfsync: --backend auto: table inet filter chain "
          + "input drops by default (policy drop), and an accept in cfsync's own table cannot "
          + "override that drop; pass --policy allow --nft-table 'inet filter' --nft-chain input "
          + "(cfsync keeps its sets and one tagged rule there) or, if that chain already accepts "
          + "ports 80,443, --policy restrict; firewall unchanged");
      assertThat(firewall(srv)).isEqualTo(before);
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(TIMEOUT);

      Result ok = cli(net, "apply", "--policy", "allow", "--nft-table", "inet filter",
          "--nft-chain", "input");
      assertThat(ok.exitCode()).as(ok.stderr()).isZero();
      assertThat(ok.stderr()).contains("backend auto: using nftables");
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(TIMEOUT);
    }
  }

  @Test
  void legacyIptablesThatDropsGetsIptablesInTheLegacyFlavour() {
    try (Netns net = Netns.create()) {
      net.listen(80);
      ProcessRunner srv = net.server();
      srv.check(Command.of("iptables-legacy", "-A", "INPUT", "-i", "lo", "-j", "ACCEPT"));
      srv.check(Command.of("iptables-legacy", "-A", "INPUT", "-p", "tcp", "--dport", "22",
          "-j", "ACCEPT"));
      srv.check(Command.of("iptables-legacy", "-P", "INPUT", "DROP"));
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(TIMEOUT);
      Result r = cli(net, "apply", "--family", "4");
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      assertThat(r.stderr()).contains("backend auto: using iptables (legacy): iptables-legacy "
          + "INPUT policy DROP");
      // The chain went where the drop is: legacy, not the nf_tables flavour `iptables` names.
      assertThat(srv.check(Command.of("iptables-legacy-save", "-t", "filter")).stdout())
          .contains(":CFSYNC - [0:0]").contains("-m comment --comment cfsync -j CFSYNC");
      assertThat(srv.check(Command.of("iptables-nft-save", "-t", "filter")).stdout())
          .doesNotContain("CFSYNC");
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(TIMEOUT);
      // The next run finds its own rules and the same flavour: nothing to do.
      Result again = cli(net, "plan", "--family", "4", "--detailed-exitcode");
      assertThat(again.exitCode()).as(again.stderr()).isZero();
    }
  }

  @Test
  void nftIptablesThatDropsGetsIptablesInTheNftFlavour() {
    try (Netns net = Netns.create()) {
      net.listen(80);
      ProcessRunner srv = net.server();
      srv.check(Command.of("iptables-nft", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j",
          "ACCEPT"));
      srv.check(Command.of("iptables-nft", "-P", "INPUT", "DROP"));
      Result r = cli(net, "apply", "--family", "4");
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      assertThat(r.stderr()).contains("backend auto: using iptables (nf_tables)");
      assertThat(srv.check(Command.of("iptables-nft-save", "-t", "filter")).stdout())
          .contains(":CFSYNC - [0:0]");
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(TIMEOUT);
    }
  }

  @Test
  void bothIptablesFlavoursDroppingRefuseAndTouchNothing() {
    try (Netns net = Netns.create()) {
      ProcessRunner srv = net.server();
      srv.check(Command.of("iptables-nft", "-P", "INPUT", "DROP"));
      srv.check(Command.of("iptables-legacy", "-P", "INPUT", "DROP"));
      String before = firewall(srv);
      Result r = cli(net, "apply");
      assertThat(r.exitCode()).isEqualTo(3);
      assertThat(r.stderr()).contains("cfsync: --backend auto: both iptables flavours drop "
          + "input by default (iptables-nft INPUT policy DROP, iptables-legacy INPUT policy "
          + "DROP)");
      assertThat(firewall(srv)).isEqualTo(before);
    }
  }

  @Test
  void firewalldsTableRefusesAndSaysHowToProceed() {
    try (Netns net = Netns.create()) {
      ProcessRunner srv = net.server();
      srv.check(Command.of("nft", "-f", "-").withStdin("""
          table inet firewalld {
          	chain filter_INPUT {
          		type filter hook input priority filter + 10; policy accept;
          		ct state established,related accept
          		iifname "lo" accept
          		reject with icmpx admin-prohibited
          	}
          }
          """));
      String before = firewall(srv);
      Result r = cli(net, "plan");
      assertThat(r.exitCode()).isEqualTo(3);
      assertThat(r.stdout()).isEmpty();
      assertThat(r.stderr()).contains("cfsync: --backend auto: firewalld manages this host's "
          + "firewall (table inet firewalld), and cfsync has no firewalld backend; open the "
          + "ports in firewalld (firewall-cmd --permanent --add-service=https) and pass "
          + "--backend nftables to restrict them to Cloudflare from cfsync's own table, or stop "
          + "firewalld; firewall unchanged");
      assertThat(firewall(srv)).isEqualTo(before);
      // An explicit backend is never second-guessed.
      Result forced = cli(net, "plan", "--backend", "nftables");
      assertThat(forced.exitCode()).as(forced.stderr()).isZero();
      assertThat(forced.stderr()).doesNotContain("backend auto");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void dockersUserChainIsAdviceInPlanAndJson() throws Exception {
    try (Netns net = Netns.create()) {
      ProcessRunner srv = net.server();
      srv.check(Command.of("ip", "link", "add", "docker0", "type", "bridge"));
      srv.check(Command.of("iptables-nft-restore").withStdin(HostReaderTest.resource(
          "rulesets/iptables/docker-isolation-iptables-nft-free5gc.txt")));
      Result r = cli(net, "plan", "--json");
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      assertThat(r.stderr()).contains("cfsync: backend auto: Docker's DOCKER-USER chain "
          + "exists: ports Docker publishes for containers bypass INPUT; add --hook docker-user "
          + "to protect them");
      Map<String, Object> d = detection(r);
      assertThat(d.get("backend")).isEqualTo("nftables");
      assertThat((List<?>) d.get("advice")).singleElement().asString()
          .contains("--hook docker-user");
      assertThat((List<Object>) d.get("reasons")).contains("iptables-nft holds rules, but its "
          + "INPUT accepts by default");
      @SuppressWarnings("unchecked")
      Map<String, Object> host = (Map<String, Object>) d.get("host");
      assertThat(host.get("iptables").toString()).contains("dockerUser=true");

      Result hooked = cli(net, "plan", "--hook", "docker-user");
      assertThat(hooked.exitCode()).as(hooked.stderr()).isZero();
      assertThat(hooked.stderr()).doesNotContain("DOCKER-USER chain exists");
    }
  }

  @Test
  void cfsyncsOwnRulesFromAnEarlierRunKeepTheirBackend() throws Exception {
    try (Netns net = Netns.create()) {
      assertThat(cli(net, "apply", "--backend", "iptables").exitCode()).isZero();
      Result r = cli(net, "plan", "--json", "--detailed-exitcode");
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      Map<String, Object> d = detection(r);
      assertThat(d.get("backend")).isEqualTo("iptables");
      assertThat((List<?>) d.get("reasons")).first().asString().isEqualTo("cfsync's own "
          + "iptables rules are installed (an earlier run chose iptables): keep using them");
      assertThat(JSON.std.mapFrom(r.stdout()).get("inSync")).isEqualTo(true);
    }
  }

  // ---- UFW (in UfwSandbox: the netns plus a private mount namespace with UFW's files) ---

  private Path box() throws java.io.IOException {
    return Files.createDirectories(tmp.resolve("box"));
  }

  private String[] ufwArgs(String... args) {
    return withState(args);
  }

  @Test
  @Live(tools = {"ufw", "unshare", "nsenter"})
  void ufwActiveGetsUfwAndCloudflareGetsThroughItsDefaultDeny() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, box())) {
      net.listen(80);
      ufw.baseline();
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(TIMEOUT);
      Result r = ufw.cfsyncRun(ufwArgs("apply"));
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      assertThat(r.stderr()).contains("backend auto: using ufw: UFW is active: ENABLED=yes in "
          + "/etc/ufw/ufw.conf and its chains are loaded (nf_tables)");
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(TIMEOUT);
      assertThat(ufw.hostHashesAtStart()).isEqualTo(UfwSandbox.hostUfwHashes());
    }
  }

  @Test
  @Live(tools = {"ufw", "unshare", "nsenter"})
  void ufwActiveBesideCfsyncsEarlierNftablesTableRefusesNamingBoth() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, box())) {
      ufw.baseline();
      Result first = ufw.cfsyncRun(ufwArgs("apply", "--backend", "nftables"));
      assertThat(first.exitCode()).as(first.stderr()).isZero();
      String before = firewall(net.server()) + ufw.chains();
      Result r = ufw.cfsyncRun(ufwArgs("apply"));
      assertThat(r.exitCode()).isEqualTo(3);
      assertThat(r.stderr()).contains("cfsync: --backend auto: UFW is active and cfsync's own "
          + "nftables rules from an earlier --backend nftables run are installed: two managers "
          + "would fight over input; pass --backend ufw (and remove the other rules) or "
          + "--backend nftables (and keep UFW off ports 80,443); firewall unchanged");
      assertThat(firewall(net.server()) + ufw.chains()).isEqualTo(before);
    }
  }

  @Test
  @Live(tools = {"ufw", "unshare", "nsenter"})
  void ufwEnabledButNotLoadedRefuses() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, box())) {
      Path conf = ufw.etcUfw().resolve("ufw.conf");
      Files.writeString(conf, Files.readString(conf).replace("ENABLED=no", "ENABLED=yes"));
      Result r = ufw.cfsyncRun(ufwArgs("plan"));
      assertThat(r.exitCode()).isEqualTo(3);
      assertThat(r.stderr()).contains("cfsync: --backend auto: UFW is enabled in "
          + "/etc/ufw/ufw.conf but its chains are not loaded here");
    }
  }
}
