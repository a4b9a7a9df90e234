package io.cfsync.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class XtTableTest {

  @Test
  void readsOnlyTheFilterTableOfADockerDump() {
    XtTable t = XtTable.parse(FixtureRunner.resource(
        "rulesets/iptables/docker-isolation-iptables-nft-free5gc.txt"), "filter");
    assertThat(t.policies()).containsEntry("FORWARD", "DROP").containsEntry("DOCKER-USER", "-")
        .doesNotContainKey("PREROUTING").doesNotContainKey("POSTROUTING");
    assertThat(t.rules("DOCKER-USER")).singleElement()
        .satisfies(r -> assertThat(r.args()).containsExactly("-j", "RETURN"));
    assertThat(t.rules("FORWARD")).hasSize(15);
    assertThat(t.rules("FORWARD").get(2).position()).isEqualTo(3);
    assertThat(t.rules("FORWARD").get(2).target()).contains("DOCKER-USER");
    assertThat(t.referencesTo("DOCKER")).extracting(XtTable.Rule::chain)
        .containsOnly("FORWARD");
  }

  @Test
  void toleratesTrailingSpacesAndChainLinesAfterRulesOfOldDumps() {
    XtTable t = XtTable.parse(FixtureRunner.resource(
        "rulesets/iptables/legacy-1.4.8-fail2ban-ssh-vpn.txt"), "filter");
    assertThat(t.rules("INPUT")).singleElement().satisfies(r -> {
      assertThat(r.args()).containsExactly("-p", "tcp", "-m", "multiport", "--dports", "22",
          "-j", "fail2ban-ssh");
      assertThat(r.text()).isEqualTo("-p tcp -m multiport --dports 22 -j fail2ban-ssh");
    });
    XtTable mangle = XtTable.parse(FixtureRunner.resource(
        "rulesets/iptables/legacy-1.4.8-fail2ban-ssh-vpn.txt"), "mangle");
    assertThat(mangle.rules("PREROUTING")).hasSize(6);
    assertThat(mangle.hasChain("POSTROUTING")).isTrue();
  }

  @Test
  void stripsCounterPrefixesOfSaveDashC() {
    XtTable t = XtTable.parse("*filter\n:INPUT ACCEPT [5:300]\n:CFSYNC - [0:0]\n"
        + "[7:420] -A INPUT -p tcp -m comment --comment cfsync -j CFSYNC\nCOMMIT\n", "filter");
    assertThat(t.rules("INPUT").get(0).hasComment("cfsync")).isTrue();
    assertThat(t.rules("INPUT").get(0).target()).contains("CFSYNC");
  }

  @Test
  void tokenizesQuotedCommentsLikeRestoreDoes() {
    assertThat(XtTable.tokenize("-m comment --comment \"a \\\"b\\\" c\" -j ACCEPT "))
        .containsExactly("-m", "comment", "--comment", "a \"b\" c", "-j", "ACCEPT");
    assertThat(XtTable.tokenize("--comment \"\" -j X")).containsExactly("--comment", "", "-j",
        "X");
  }

  @Test
  void joinQuotesWhatTokenizeWouldSplitAndRoundTrips() {
    List<String> args = List.of("-m", "comment", "--comment", "two words \"q\" \\", "-j", "X");
    String line = XtTable.join(args);
    assertThat(line).isEqualTo("-m comment --comment \"two words \\\"q\\\" \\\\\" -j X");
    assertThat(XtTable.tokenize(line)).isEqualTo(args);
  }

  @Test
  void aMissingSectionReadsAsAnEmptyTable() {
    XtTable t = XtTable.parse("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n", "filter");
    assertThat(t.policies()).isEmpty();
    assertThat(t.allRules()).isEmpty();
  }
}
