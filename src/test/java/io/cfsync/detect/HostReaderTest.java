package io.cfsync.detect;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Backend;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Installed;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Plan;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.backend.XtFlavour;
import io.cfsync.backend.XtTable;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostReaderTest {

  @TempDir
  Path root;

  /** Answers with recorded outputs; anything else behaves like a tool not installed. */
  static final class Canned implements ProcessRunner {
    final Map<String, Result> answers = new LinkedHashMap<>();
    final java.util.List<String> asked = new java.util.ArrayList<>();

    Canned on(String argv, String stdout) {
      answers.put(argv, new Result(0, stdout, ""));
      return this;
    }

    @Override
    public Result run(Command c) {
      asked.add(String.join(" ", c.argv()));
      Result r = answers.get(String.join(" ", c.argv()));
      if (r == null) {
        throw new BackendFailure(c.tool() + " could not be started (No such file or "
            + "directory)");
      }
      return r;
    }
  }

  /** A backend that only reads: present with or without prefixes, or failing. */
  record Fake(Optional<Boolean> holds) implements Backend {
    @Override
    public String name() {
      return "fake";
    }

    @Override
    public Policy defaultPolicy() {
      return Policy.ALLOW;
    }

    @Override
    public Installed read(ProcessRunner run) {
      boolean h = holds.orElseThrow(() -> new BackendFailure("fake: cannot read"));
      return new Installed() {
        @Override
        public PrefixSet prefixes() {
          return h ? PrefixSet.of(java.util.List.of(Prefix.parse("173.245.48.0/20")))
              : PrefixSet.empty();
        }

        @Override
        public boolean present() {
          return true;
        }
      };
    }

    @Override
    public Plan plan(Installed now, Desired want) {
      throw new UnsupportedOperationException();
    }
  }

  static Desired probe() {
    return new Desired(PrefixSet.empty(), ImmutableSet.of(Family.V4, Family.V6),
        PortRange.parseList("80,443"), Policy.RESTRICT, Hook.INPUT, Action.DROP,
        PrefixSet.empty(), Naming.DEFAULT, ImmutableMap.of());
  }

  private static String fixture(String name) {
    return resource("detect/" + name);
  }

  static String resource(String path) {
    try {
      return com.google.common.io.Resources.toString(com.google.common.io.Resources
          .getResource(path), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private HostFacts read(Canned run, Map<String, Supplier<Backend>> backends) {
    return new HostReader(run, root, backends).read(probe());
  }

  @Test
  void readsTheRoleAndDefaultVerdictOfEveryInputChainFromNftsJson() {
    HostFacts f = read(fullHost(), Map.of());
    assertThat(f.nftAvailable()).isTrue();
    assertThat(f.nftTables()).extracting(t -> t.id() + " " + t.role().word()).containsExactly(
        "inet filter operator", "inet f2b-table bans", "ip6 edge operator",
        "inet firewalld firewalld", "ip filter iptables");
    HostFacts.NftTable filter = f.nftTables().get(0);
    // "counter drop" last: drops by default although the policy is accept.
    assertThat(filter.inputChains()).containsExactly(
        new HostFacts.InputChain("input", 0, "accept", true));
    // A drop with a match is a rule, not a default.
    assertThat(f.nftTables().get(2).inputChains()).containsExactly(
        new HostFacts.InputChain("in", 0, "accept", false));
    assertThat(f.nftTables().get(3).inputChains()).containsExactly(
        new HostFacts.InputChain("filter_INPUT", 10, "accept", false));
    assertThat(f.firewalld().tables()).containsExactly("inet firewalld");
    assertThat(f.xtables()).extracting(HostFacts.Xtables::describe)
        .containsExactly("iptables-nft", "ip6tables-nft");
    assertThat(f.xtables().get(0).rules()).isTrue();
    assertThat(f.xtables().get(0).inputDrops()).isFalse();
    assertThat(Detector.decide(f, Hints.defaults()).refusal().orElseThrow())
        .contains("firewalld manages this host's firewall (table inet firewalld)")
        .contains("table inet filter chain input drops by default (it ends in a drop)");
  }

  @Test
  void readsDockerAndLegacyDumpsOfRealHosts() {
    Canned run = new Canned()
        .on("iptables-nft-save", resource("rulesets/iptables/"
            + "docker-isolation-iptables-nft-free5gc.txt"))
        .on("ip6tables-nft-save", "")
        .on("iptables-legacy-save", resource("rulesets/iptables/"
            + "legacy-1.4.8-fail2ban-ssh-vpn.txt"))
        .on("ip6tables-legacy-save", "");
    HostFacts f = read(run, Map.of());
    assertThat(f.nftAvailable()).isFalse();
    HostFacts.Xtables docker = f.xtables().get(0);
    assertThat(docker.dockerUser()).isTrue();
    assertThat(docker.tables()).containsExactly("mangle", "filter", "nat");
    // INPUT ends in "-j ts-input", whose last rule has a match: nothing drops by default.
    assertThat(docker.inputDrops()).isFalse();
    HostFacts.Xtables legacy = f.xtables().get(2);
    assertThat(legacy.flavour()).isEqualTo(XtFlavour.LEGACY);
    assertThat(legacy.rules()).isTrue();
    assertThat(legacy.inputDrops()).isFalse();
    Detection d = Detector.decide(f, Hints.defaults());
    // Without nft on the host and nothing dropping input, iptables is the tool there is.
    assertThat(d.backend()).hasValue("iptables");
    assertThat(d.advice()).singleElement().asString().contains("--hook docker-user");
  }

  @Test
  void inputDropsByPolicyByALastBareDropOrThroughALastJump() {
    assertThat(HostReader.inputDrops(XtTable.parse("*filter\n:INPUT DROP [0:0]\nCOMMIT\n",
        "filter"))).hasValue("INPUT policy DROP");
    assertThat(HostReader.inputDrops(XtTable.parse("*filter\n:INPUT ACCEPT [0:0]\n"
        + "-A INPUT -p tcp --dport 22 -j ACCEPT\n"
        + "-A INPUT -m comment --comment \"last line\" -j REJECT --reject-with "
        + "icmp-host-prohibited\nCOMMIT\n", "filter"))).hasValue("INPUT ends in -j REJECT");
    assertThat(HostReader.inputDrops(XtTable.parse("*filter\n:INPUT ACCEPT [0:0]\n"
        + ":LOGDROP - [0:0]\n-A INPUT -j LOGDROP\n-A LOGDROP -j LOG\n-A LOGDROP -j DROP\n"
        + "COMMIT\n", "filter"))).hasValue("INPUT ends in -j LOGDROP, which ends in -j DROP");
    assertThat(HostReader.inputDrops(XtTable.parse("*filter\n:INPUT ACCEPT [0:0]\n"
        + "-A INPUT -s 198.51.100.7/32 -j DROP\nCOMMIT\n", "filter"))).isEmpty();
  }

  @Test
  void ufwStateComesFromItsConfAndItsChains() throws IOException {
    Files.createDirectories(root.resolve("etc/ufw"));
    Files.writeString(root.resolve("etc/ufw/ufw.conf"), "# /etc/ufw/ufw.conf\nENABLED=yes\n"
        + "LOGLEVEL=low\n");
    Canned run = new Canned().on("iptables-nft-save", "*filter\n:INPUT DROP [0:0]\n"
        + ":ufw-user-input - [0:0]\n-A INPUT -j ufw-user-input\nCOMMIT\n");
    HostFacts f = read(run, Map.of());
    assertThat(f.ufw()).isEqualTo(new HostFacts.Ufw(true, true, true));
    assertThat(Detector.decide(f, Hints.defaults()).backend()).hasValue("ufw");
    Files.writeString(root.resolve("etc/ufw/ufw.conf"), "ENABLED=no\n");
    assertThat(read(run, Map.of()).ufw().enabled()).isFalse();
  }

  @Test
  void firewalldIsFoundByItsPidFileOrByItsProcessName() throws IOException {
    Files.createDirectories(root.resolve("proc/812"));
    Files.writeString(root.resolve("proc/812/comm"), "firewalld\n");
    Files.createDirectories(root.resolve("proc/900"));
    Files.writeString(root.resolve("proc/900/comm"), "sshd\n");
    assertThat(read(new Canned(), Map.of()).firewalld().pid()).hasValue(812L);
    Files.createDirectories(root.resolve("var/run"));
    Files.writeString(root.resolve("var/run/firewalld.pid"), "900\n");
    // A stale pid file whose pid now belongs to another program is not firewalld.
    assertThat(read(new Canned(), Map.of()).firewalld().pid()).hasValue(812L);
    Files.delete(root.resolve("proc/812/comm"));
    assertThat(read(new Canned(), Map.of()).firewalld().present()).isFalse();
  }

  @Test
  void cfsyncsOwnStateIsWhatEachBackendReadsAndAFailingReadIsANote() {
    Map<String, Supplier<Backend>> backends = new LinkedHashMap<>();
    backends.put("iptables", () -> new Fake(Optional.of(false)));
    backends.put("ipset", () -> new Fake(Optional.of(true)));
    backends.put("ufw", () -> new Fake(Optional.empty()));
    HostFacts f = read(new Canned(), backends);
    assertThat(f.cfsyncState()).containsExactly(new HostFacts.OwnState("iptables", false),
        new HostFacts.OwnState("ipset", true));
    assertThat(f.notes()).containsExactly("ufw: cfsync's own state could not be read (fake: "
        + "cannot read)");
    assertThat(Detector.decide(f, Hints.defaults()).backend()).hasValue("ipset");
  }

  @Test
  void runsOnlyListingsAndSaves() {
    Canned run = fullHost();
    read(run, Map.of());
    assertThat(run.asked).containsExactly("iptables-nft-save", "ip6tables-nft-save",
        "iptables-legacy-save", "ip6tables-legacy-save", "nft -j list tables",
        "nft -j list chains", "nft -j list chain inet filter input",
        "nft -j list chain ip6 edge in");
  }

  private static Canned fullHost() {
    return new Canned()
        .on("nft -j list tables", fixture("nft-list-tables.json"))
        .on("nft -j list chains", fixture("nft-list-chains.json"))
        .on("nft -j list chain inet filter input", fixture("nft-list-chain-inet-filter-input.json"))
        .on("nft -j list chain ip6 edge in", fixture("nft-list-chain-ip6-edge-in.json"))
        .on("iptables-nft-save", fixture("iptables-nft-save.txt"))
        .on("ip6tables-nft-save", "");
  }
}
