package io.cfsync.backend.ipset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Desired;
import io.cfsync.backend.FixtureRunner;
import io.cfsync.backend.Golden;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Installed;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Plan;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.error.SafetyRefusal;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Plans against fixture sets and tables, compared with golden ipset and restore scripts. */
class IpsetPlanTest {

  /** A fresh backend per host: an instance remembers the flavour its host answered with. */
  static IpsetBackend backend() {
    return new IpsetBackend();
  }

  static final PrefixSet CLOUDFLARE = Fixtures.builtin();

  static Desired want(PrefixSet prefixes, Set<Family> families, Policy p, Hook h) {
    PrefixSet only = PrefixSet.empty();
    for (Family f : families) {
      only = only.union(prefixes.only(f));
    }
    return new Desired(only, ImmutableSet.copyOf(families), PortRange.parseList("80,443"), p, h,
        Action.DROP, PrefixSet.empty(), Naming.DEFAULT, ImmutableMap.of());
  }

  static final String CHAIN_V4 = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
      + ":OUTPUT ACCEPT [0:0]\n:CFSYNC - [0:0]\n"
      + "-A INPUT -p tcp -m multiport --dports 80,443 -m comment --comment cfsync -j CFSYNC\n"
      + "-A CFSYNC -m set --match-set cfsync-v4 src -j ACCEPT\n-A CFSYNC -j RETURN\nCOMMIT\n";

  static String save(String name, String family, PrefixSet content) {
    StringBuilder sb = new StringBuilder("create " + name + " hash:net family " + family
        + " hashsize 1024 maxelem 65536 bucketsize 12 initval 0x5eed1234\n");
    for (Prefix p : content.prefixes()) {
      // ipset prints hosts without /32, as the kernel stores them
      String s = p.toString();
      sb.append("add ").append(name).append(' ')
          .append(s.endsWith("/32") && !s.contains(":") ? s.substring(0, s.length() - 3) : s)
          .append('\n');
    }
    return sb.toString();
  }

  /**
   * {@code ipset list NAME} of the set {@code save} describes, laid out as ipset 7.17 prints
   * it (the header words of the create line, then the members).
   */
  static String listed(String save) {
    StringBuilder out = new StringBuilder();
    for (String line : save.split("\n")) {
      String[] w = line.split(" ", 4);
      if (w[0].equals("create")) {
        out.append("Name: ").append(w[1]).append("\nType: ").append(w[2])
            .append("\nRevision: 7\nHeader: ").append(w.length > 3 ? w[3] : "")
            .append("\nSize in memory: 1234\nReferences: 0\nNumber of entries: ")
            .append(save.split("\nadd ", -1).length - 1).append("\nMembers:\n");
      } else if (w[0].equals("add")) {
        out.append(line.substring(("add " + w[1] + " ").length())).append('\n');
      }
    }
    return out.toString();
  }

  static Plan plan(FixtureRunner run, Desired d) {
    IpsetBackend b = backend();
    return b.plan(b.read(run, d.naming()), d);
  }

  @Test
  void firstApplyBuildsEachSetUnderTheTemporaryNameThenRenamesIt() {
    FixtureRunner run = FixtureRunner.nft(null, null).answer("ipset list -n", "");
    Plan p = plan(run, want(CLOUDFLARE, Set.of(Family.V4, Family.V6), Policy.ALLOW,
        Hook.INPUT));
    assertThat(p.commands()).extracting(c -> c.argv().get(0)).containsExactly("ipset",
        "iptables-nft-restore", "ipset", "ip6tables-nft-restore");
    Golden.check("ipset", "first-apply-allow", Golden.render(p));
  }

  @Test
  void aListChangeSwapsAndKeepsTheOldSetUntilTheEndForASwapBack() {
    FixtureRunner run = FixtureRunner.nft(CHAIN_V4, null)
        .answer("ipset list -n", "f2b-sshd\ncf\ncfsync-v4\n")
        .answer("ipset list cfsync-v4", listed(save("cfsync-v4", "inet",
            Fixtures.listed("rulesets/cloudflare-2021-v4.txt"))));
    Plan p = plan(run, want(CLOUDFLARE, Set.of(Family.V4), Policy.ALLOW, Hook.INPUT));
    assertThat(p.diff().removed().prefixes()).containsExactly(Prefix.parse("104.28.0.0/14"));
    assertThat(run.ran()).extracting(c -> String.join(" ", c.argv()))
        .as("never reads other owners' sets").noneMatch(s -> s.contains("f2b") || s.endsWith(
            " cf"));
    Golden.check("ipset", "list-change-swap", Golden.render(p));
  }

  @Test
  void theSameCoverageIsANoOpWhateverTheSplitOrHostForm() {
    PrefixSet v4 = CLOUDFLARE.only(Family.V4);
    String split = save("cfsync-v4", "inet", v4).replace("add cfsync-v4 104.16.0.0/13\n",
        "add cfsync-v4 104.20.0.0/14\nadd cfsync-v4 104.16.0.0/14\n");
    FixtureRunner run = FixtureRunner.nft(CHAIN_V4, null)
        .answer("ipset list -n", "cfsync-v4\n").answer("ipset list cfsync-v4", listed(split));
    Plan p = plan(run, want(CLOUDFLARE, Set.of(Family.V4), Policy.ALLOW, Hook.INPUT));
    assertThat(p.isEmpty()).isTrue();
    assertThat(p.undo()).isEmpty();
  }

  @Test
  void aLeftoverTemporarySetOfAKilledRunIsDestroyed() {
    FixtureRunner run = FixtureRunner.nft(CHAIN_V4, null)
        .answer("ipset list -n", "cfsync-v4\ncfsync-t4\n")
        .answer("ipset list cfsync-v4", listed(save("cfsync-v4", "inet",
            CLOUDFLARE.only(Family.V4))))
        .answer("ipset list cfsync-t4", listed(save("cfsync-t4", "inet",
            PrefixSet.of(Prefix.parse("192.0.2.0/24")))));
    Plan p = plan(run, want(CLOUDFLARE, Set.of(Family.V4), Policy.ALLOW, Hook.INPUT));
    Golden.check("ipset", "leftover-temporary-destroyed", Golden.render(p));
  }

  @Test
  void elementsWithOptionsAreRewrittenNotTrusted() {
    String nomatch = save("cfsync-v4", "inet", CLOUDFLARE.only(Family.V4))
        .replace("add cfsync-v4 104.16.0.0/13\n", "add cfsync-v4 104.16.0.0/13 nomatch\n");
    FixtureRunner run = FixtureRunner.nft(CHAIN_V4, null)
        .answer("ipset list -n", "cfsync-v4\n").answer("ipset list cfsync-v4", listed(nomatch));
    Plan p = plan(run, want(CLOUDFLARE, Set.of(Family.V4), Policy.ALLOW, Hook.INPUT));
    assertThat(p.commands()).hasSize(2);
    assertThat(p.commands().get(0).stdin().orElseThrow()).contains("swap cfsync-t4 cfsync-v4");
  }

  @Test
  void aSetOfAnotherTypeUnderCfsyncsNameIsRefusedUntouched() {
    FixtureRunner run = FixtureRunner.nft(null, null)
        .answer("ipset list -n", "cfsync-v4\n")
        .answer("ipset list cfsync-v4", listed("create cfsync-v4 hash:ip family inet hashsize "
            + "1024 maxelem 65536\nadd cfsync-v4 192.0.2.1\n"));
    assertThatThrownBy(() -> plan(run, want(CLOUDFLARE, Set.of(Family.V4), Policy.ALLOW,
        Hook.INPUT))).isInstanceOf(SafetyRefusal.class).hasMessage("set cfsync-v4 exists as "
            + "hash:ip family inet, not hash:net family inet, so cfsync did not create it; "
            + "firewall unchanged; rename or destroy it, or choose another --set-name");
  }

  @Test
  void restrictOnDockerUserMatchesTheSetAfterThePortReturns() {
    FixtureRunner run = FixtureRunner.nft(
        FixtureRunner.resource("rulesets/iptables/docker-isolation-iptables-nft-free5gc.txt"),
        FixtureRunner.resource("rulesets/iptables/docker-ip6tables-derived.txt"))
        .answer("ipset list -n", "");
    Plan p = plan(run, want(CLOUDFLARE, Set.of(Family.V4, Family.V6), Policy.RESTRICT,
        Hook.DOCKER_USER));
    Golden.check("ipset", "docker-user-restrict", Golden.render(p));
  }

  @Test
  void sizesTheSetForAHundredThousandPrefixes() {
    List<Prefix> many = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      many.add(Prefix.of(Family.V4, java.math.BigInteger.valueOf((20L << 24) + i * 512L), 24));
    }
    StringBuilder sb = new StringBuilder();
    IpsetBackend.fill(sb, "cfsync-t4", Family.V4, PrefixSet.of(many));
    String first = sb.substring(0, sb.indexOf("\n"));
    assertThat(first).isEqualTo("create cfsync-t4 hash:net family inet hashsize 65536 maxelem "
        + "262144");
    assertThat(sb.toString().split("\n")).hasSize(100_001);
  }

  @Test
  void installedPrefixesAreTheLiveSetsContent() {
    FixtureRunner run = FixtureRunner.nft(CHAIN_V4, null)
        .answer("ipset list -n", "cfsync-v4\ncfsync-v6\n")
        .answer("ipset list cfsync-v4", listed(save("cfsync-v4", "inet",
            CLOUDFLARE.only(Family.V4))))
        .answer("ipset list cfsync-v6", listed(save("cfsync-v6", "inet6",
            CLOUDFLARE.only(Family.V6))));
    Installed now = backend().read(run, Naming.DEFAULT);
    assertThat(now.prefixes()).isEqualTo(CLOUDFLARE);
    assertThat(now.present()).isTrue();
  }
}
