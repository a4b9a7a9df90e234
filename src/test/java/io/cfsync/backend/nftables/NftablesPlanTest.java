package io.cfsync.backend.nftables;

import static io.cfsync.backend.nftables.NftTesting.cloudflare;
import static io.cfsync.backend.nftables.NftTesting.cloudflare2021v4;
import static io.cfsync.backend.nftables.NftTesting.want;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfsync.backend.Desired;
import io.cfsync.backend.Installed;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Plan;
import io.cfsync.error.SafetyRefusal;
import io.cfsync.error.UsageError;
import io.cfsync.exec.Transcript;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Planning from recorded nft 1.0.6 listings: golden scripts and the rules behind them. */
class NftablesPlanTest {

  static final NftablesBackend NFT = new NftablesBackend();
  static final String RULESET = "-j -t list ruleset inet";
  static final String CHAIN = "-j list chain inet filter input";

  /** No inet table at all: what nft 1.0.6 prints then. */
  static CannedNft absent() {
    return new CannedNft().onText(RULESET, "{\"nftables\": [{\"metainfo\": {\"version\": "
        + "\"1.0.6\", \"release_name\": \"Lester Gooch #5\", \"json_schema_version\": 1}}]}\n");
  }

  /** A recorded state of cfsync's table: the terse JSON ruleset and the table's text. */
  static CannedNft own(String name) {
    return new CannedNft().on(RULESET, name + ".ruleset-terse.json")
        .on("list table inet cfsync", name + ".txt");
  }

  static CannedNft operator(boolean withCfsync) {
    CannedNft n = new CannedNft();
    if (!withCfsync) {
      return n.on(CHAIN, "operator-chain-bare.json");
    }
    return n.on(CHAIN, "operator-chain-cfsync.json")
        .on("-j list set inet filter cfsync-v4", "operator-set-v4.json")
        .on("-j list set inet filter cfsync-v6", "operator-set-v6.json");
  }

  static Plan plan(CannedNft nft, Desired want) {
    Installed now = NFT.read(nft, want);
    return NFT.plan(now, want);
  }

  static void golden(String name, Plan p) {
    Golden.assertMatches(name + ".nft", Transcript.render(p.commands()));
    Golden.assertMatches(name + ".undo.nft", Transcript.render(p.undo()));
  }

  static final PrefixSet CF2021 = cloudflare2021v4().union(cloudflare().only(Family.V6));

  /** Every script of a plan, in order. */
  static String scripts(Plan p) {
    return p.commands().stream().map(c -> c.stdin().orElseThrow())
        .collect(java.util.stream.Collectors.joining());
  }

  @Test
  void firstApplyFillsTheSetsBeforeTheTransactionThatMakesTheRuleUseThem() {
    Plan p = plan(absent(), want(cloudflare()).build());
    golden("restrict-first-apply", p);
    assertThat(p.commands()).hasSize(2);
    assertThat(p.commands().get(0).stdin().orElseThrow()).contains("add element")
        .doesNotContain("chain");
    assertThat(p.commands().get(1).stdin().orElseThrow()).contains("chain input")
        .doesNotContain("add element");
    assertThat(p.diff().added()).isEqualTo(cloudflare());
  }

  @Test
  void aListChangeIsFlushAndAddOfTheChangedSetOnly() {
    Plan p = plan(own("restrict-2021"), want(cloudflare()).build());
    golden("restrict-update-from-2021", p);
    String script = p.commands().get(0).stdin().orElseThrow();
    assertThat(script).contains("flush set inet cfsync cfsync-v4").doesNotContain("cfsync-v6")
        .doesNotContain("table");
    // 104.16.0.0/12 -> /13 + /14 is the loss of 104.28.0.0/14, measured on addresses.
    assertThat(p.diff().removed()).isEqualTo(PrefixSet.of(Prefix.parse("104.28.0.0/14")));
    assertThat(p.diff().added().isEmpty()).isTrue();
  }

  @Test
  void inSyncMeansNoCommandAtAll() {
    Plan p = plan(own("restrict-cf"), want(cloudflare()).build());
    assertThat(p.commands()).isEmpty();
    assertThat(p.undo()).isEmpty();
    assertThat(p.notes()).isEmpty();
    Plan docker = plan(own("restrict-docker-user-reject"), want(cloudflare()).dockerUser()
        .reject().ports("80,443,8000-8080").extra("198.51.100.0/24", "2001:db8:1::/48")
        .build());
    assertThat(docker.commands()).as("nft prints these ports as 0x50 [invalid type]").isEmpty();
  }

  @Test
  void structureChangesRebuildTheTableAndTheUndoRestoresTheOldOne() {
    Plan p = plan(own("restrict-cf"), want(cloudflare()).dockerUser().reject()
        .ports("80,443,8000-8080").extra("198.51.100.0/24", "2001:db8:1::/48").build());
    golden("restrict-to-docker-user-reject", p);
    Plan v4 = plan(own("restrict-cf"), want(cloudflare()).family(Family.V4).build());
    golden("restrict-to-family-4", v4);
    assertThat(v4.diff().removed()).isEqualTo(cloudflare().only(Family.V6));
  }

  @Test
  void aTableCfsyncDidNotShapeIsRebuiltAndWhatCannotBeRestoredIsNamed() {
    Plan p = plan(own("variant-automerge-counters"), want(cloudflare()).build());
    golden("restrict-from-variant", p);
    assertThat(p.notes()).singleElement().asString().contains("set cfsync-v6")
        .contains("rule handle");
  }

  @Test
  void setsAreComparedByAddressesNotByElementText() {
    // nft lists an auto-merged 104.16.0.0/13 + 104.24.0.0/14 as one range.
    Installed now = NFT.read(own("variant-automerge-counters"), want(cloudflare()).build());
    assertThat(now.prefixes().only(Family.V4)).isEqualTo(PrefixSet.of(
        Prefix.parse("1.1.1.1/32"), Prefix.parse("104.16.0.0/13"), Prefix.parse("104.24.0.0/14"),
        Prefix.parse("198.41.128.0/17")));
    assertThat(now.prefixes().only(Family.V6)).isEqualTo(PrefixSet.of(
        Prefix.parse("2400:cb00::/32"), Prefix.parse("2606:4700::/31")));
  }

  @Test
  void overlappingDesiredPrefixesAreWrittenCollapsed() {
    PrefixSet overlapping = PrefixSet.of(Prefix.parse("104.16.0.0/12"),
        Prefix.parse("104.16.0.0/13"), Prefix.parse("104.24.0.0/14"),
        Prefix.parse("104.16.5.0/24"), Prefix.parse("2606:4700::/32"),
        Prefix.parse("2606:4701::/32"));
    String script = scripts(plan(absent(), want(overlapping).build()));
    assertThat(elements(script)).containsExactly("104.16.0.0/12", "2606:4700::/31");
  }

  @Test
  void longListsAreSplitIntoSetsOf4096AndChunksOf1024() {
    PrefixSet big = PrefixSet.of(NftTesting.spacedV4(10_000, 0)).union(cloudflare()
        .only(Family.V6));
    Plan p = plan(absent(), want(big).build());
    String script = scripts(p);
    assertThat(script).contains("\tset cfsync-v4 {", "\tset cfsync-v4-2 {", "\tset cfsync-v4-3 {")
        .doesNotContain("cfsync-v4-4").contains("ip saddr != @cfsync-v4 ip saddr != "
        + "@cfsync-v4-2 ip saddr != @cfsync-v4-3 drop");
    assertThat(elements(script)).hasSize(10_007);
    Matcher add = Pattern.compile("add element inet cfsync (\\S+) \\{([^}]*)}").matcher(script);
    int chunks = 0;
    java.util.Map<String, Integer> perSet = new java.util.HashMap<>();
    while (add.find()) {
      int n = add.group(2).split(",").length;
      assertThat(n).isLessThanOrEqualTo(Script.CHUNK);
      perSet.merge(add.group(1), n, Integer::sum);
      chunks++;
    }
    assertThat(perSet).containsEntry("cfsync-v4", 4096).containsEntry("cfsync-v4-2", 4096)
        .containsEntry("cfsync-v4-3", 1808).containsEntry("cfsync-v6", 7);
    assertThat(chunks).isEqualTo(4 + 4 + 2 + 1);
  }

  @Test
  void aTableOfSomeoneElseIsNeverReplaced() {
    CannedNft nft = new CannedNft().on(RULESET, "variant-foreign-table.ruleset-terse.json")
        .on("list table inet filter", "variant-foreign-table.txt");
    Desired d = want(cloudflare()).naming(new Naming("filter", "CFSYNC", "cfsync", "cfsync"))
        .build();
    assertThatThrownBy(() -> plan(nft, d)).isInstanceOf(SafetyRefusal.class)
        .hasMessageContaining("table inet filter exists and cfsync did not create it")
        .hasMessageContaining("--table");
  }

  @Test
  void allowAddsSetsAndOneTaggedRulePerFamilyAtTheTopOfTheOperatorsChain() {
    Plan p = plan(operator(false), want(cloudflare()).allow("inet filter", "input").build());
    golden("allow-first-apply", p);
    assertThat(p.commands()).hasSize(2);
    assertThat(p.undo()).as("only the removal of the sets it created").singleElement()
        .satisfies(c -> assertThat(c.stdin().orElseThrow()).doesNotContain("rule"));
  }

  @Test
  void allowReplacesItsRulesInPlaceWhenThePortsChange() {
    Plan p = plan(operator(true), want(cloudflare()).allow("inet filter", "input")
        .ports("443,8443").build());
    golden("allow-ports-change", p);
  }

  @Test
  void allowListChangeTouchesOnlyCfsyncsSetAndCanBeUndone() {
    Plan p = plan(operator(true), want(CF2021).allow("inet filter", "input").build());
    golden("allow-update-to-2021", p);
    Plan same = plan(operator(true), want(cloudflare()).allow("inet filter", "input").build());
    assertThat(same.commands()).isEmpty();
  }

  @Test
  void allowNeverTakesOverASetCfsyncDidNotCreate() {
    CannedNft nft = operator(false).on("-j list set inet filter cfsync-v4",
        "variant-unmarked-set.json");
    assertThatThrownBy(() -> plan(nft, want(cloudflare()).allow("inet filter", "input")
        .build())).isInstanceOf(SafetyRefusal.class).hasMessageContaining("set cfsync-v4");
  }

  @Test
  void allowWithoutTableOrChainIsAUsageErrorNamingBothFlags() {
    assertThatThrownBy(() -> plan(absent(), want(cloudflare()).allowWithoutOptions().build()))
        .isInstanceOf(UsageError.class).hasMessageContaining("--nft-table")
        .hasMessageContaining("--nft-chain");
    assertThatThrownBy(() -> plan(absent(), want(cloudflare()).allow("filter", "input")
        .build())).isInstanceOf(UsageError.class).hasMessageContaining("inet filter");
  }

  @Test
  void anIpv4OnlyTableCannotTakeIpv6Rules() {
    assertThatThrownBy(() -> plan(new CannedNft(), want(cloudflare()).allow("ip filter",
        "input").build())).isInstanceOf(UsageError.class).hasMessageContaining("--family 4");
    Plan v4 = plan(new CannedNft().onText("list tables ip", "table ip filter\n"),
        want(cloudflare()).family(Family.V4)
        .allow("ip filter", "input").build());
    assertThat(scripts(v4))
        .contains("insert rule ip filter input tcp dport { 80, 443 } ip saddr @cfsync-v4 "
            + "accept comment \"cfsync\"");
  }

  @Test
  void allowIntoAMissingChainWarnsThatNftWillRefuse() {
    Plan p = plan(new CannedNft().onText("list tables inet", "table inet filter\n"),
        want(cloudflare()).allow("inet filter", "inbound").build());
    assertThat(p.notes()).singleElement().asString().contains("has no chain inbound");
    assertThat(p.commands()).as("one transaction: nft refuses the sets with the rules")
        .hasSize(1);
    Plan q = plan(new CannedNft().onText("list tables inet", ""),
        want(cloudflare()).allow("inet nosuch", "input").build());
    assertThat(q.notes()).singleElement().asString().contains("no table inet nosuch");
  }

  /** Every element of every add element command, in order. */
  static java.util.List<String> elements(String script) {
    java.util.List<String> out = new java.util.ArrayList<>();
    Matcher m = Pattern.compile("add element [^{]*\\{([^}]*)}").matcher(script);
    while (m.find()) {
      for (String e : m.group(1).split(",")) {
        if (!e.isBlank()) {
          out.add(e.strip());
        }
      }
    }
    return out;
  }
}
