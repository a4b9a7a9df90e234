package io.cfsync.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.error.UsageError;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class XtChainTest {

  static Desired want(Policy p, Hook h, Action a, String ports, PrefixSet extras) {
    return new Desired(PrefixSet.of(Prefix.parse("104.16.0.0/13"), Prefix.parse("104.24.0.0/14"),
        Prefix.parse("2606:4700::/32")), ImmutableSet.of(Family.V4, Family.V6),
        PortRange.parseList(ports), p, h, a, extras, Naming.DEFAULT, ImmutableMap.of());
  }

  static List<XtTable.Rule> asInstalled(List<? extends List<String>> rules) {
    List<XtTable.Rule> out = new ArrayList<>();
    for (List<String> r : rules) {
      out.add(new XtTable.Rule("CFSYNC", out.size() + 1, ImmutableList.copyOf(r)));
    }
    return out;
  }

  @Test
  void everyLayoutReadsBackAsItself() {
    PrefixSet extras = PrefixSet.of(Prefix.parse("198.51.100.7/32"));
    for (Policy p : Policy.values()) {
      for (Hook h : Hook.values()) {
        for (Action a : Action.values()) {
          Desired d = want(p, h, a, "80,443,8000-8080", extras);
          XtChain c = XtChain.desired(d, Family.V4, d.prefixes(), List.of());
          assertThat(XtChain.parse(asInstalled(c.rules()))).as("%s %s %s", p, h, a).contains(c);
        }
      }
    }
  }

  @Test
  void restrictOnInputAcceptsLoopbackThenEndsInTheAction() {
    Desired d = want(Policy.RESTRICT, Hook.INPUT, Action.REJECT, "80,443", PrefixSet.empty());
    assertThat(XtChain.desired(d, Family.V4, d.prefixes(), List.of()).rules())
        .extracting(XtTable::join).containsExactly(
            "-i lo -j ACCEPT",
            "-s 104.16.0.0/13 -j ACCEPT",
            "-s 104.24.0.0/14 -j ACCEPT",
            "-p tcp -j REJECT --reject-with tcp-reset");
  }

  @Test
  void comparesPrefixesByCoverageNotText() {
    Desired d = want(Policy.ALLOW, Hook.INPUT, Action.DROP, "80,443", PrefixSet.empty());
    XtChain c = XtChain.desired(d, Family.V4, d.prefixes(), List.of());
    List<List<String>> split = new ArrayList<>();
    split.add(List.of("-s", "104.24.0.0/14", "-j", "ACCEPT"));
    split.add(List.of("-s", "104.20.0.0/14", "-j", "ACCEPT"));
    split.add(List.of("-s", "104.16.0.0/14", "-j", "ACCEPT"));
    split.add(List.of("-j", "RETURN"));
    assertThat(XtChain.parse(asInstalled(split))).contains(c);
    split.set(0, List.of("-s", "104.28.0.0/14", "-j", "ACCEPT"));
    assertThat(XtChain.parse(asInstalled(split))).isNotEqualTo(java.util.Optional.of(c));
  }

  @Test
  void aForeignRuleOrAVerdictBeforeTheEndMakesTheChainUnknown() {
    assertThat(XtChain.parse(asInstalled(List.of(List.of("-s", "1.2.3.0/24", "-j", "LOG"),
        List.of("-j", "RETURN"))))).isEmpty();
    assertThat(XtChain.parse(asInstalled(List.of(List.of("-j", "DROP"),
        List.of("-s", "1.2.3.0/24", "-j", "ACCEPT"))))).isEmpty();
    assertThat(XtChain.parse(asInstalled(List.of(List.of("-s", "1.2.3.0/24", "-j", "ACCEPT")))))
        .as("no verdict").isEmpty();
    assertThat(XtChain.parse(asInstalled(List.of())))
        .as("an empty chain").isEmpty();
  }

  @Test
  void extrasAreToldFromCloudflarePrefixesByTheirComment() {
    List<List<String>> rules = List.of(List.of("-s", "104.16.0.0/13", "-j", "ACCEPT"),
        List.of("-s", "198.51.100.7/32", "-m", "comment", "--comment", "allow-extra", "-j",
            "ACCEPT"), List.of("-j", "RETURN"));
    assertThat(XtChain.acceptedPrefixes(asInstalled(rules)))
        .isEqualTo(PrefixSet.of(Prefix.parse("104.16.0.0/13")));
    assertThat(XtChain.parse(asInstalled(rules))).get()
        .extracting(XtChain::extras).isEqualTo(PrefixSet.of(Prefix.parse("198.51.100.7/32")));
  }

  @Test
  void dockerUserReturnsEverythingButTheProtectedOriginalPorts() {
    assertThat(XtChain.complement(PortRange.parseList("80,443")))
        .containsExactly(new PortRange(1, 79), new PortRange(81, 442), new PortRange(444, 65535));
    assertThat(XtChain.complement(PortRange.parseList("1-100,65535")))
        .containsExactly(new PortRange(101, 65534));
    Desired d = want(Policy.RESTRICT, Hook.DOCKER_USER, Action.DROP, "443", PrefixSet.empty());
    assertThat(XtChain.desired(d, Family.V6, d.prefixes(), List.of()).rules())
        .extracting(XtTable::join).containsExactly(
            "-p tcp -m conntrack --ctorigdstport 1:442 -j RETURN",
            "-p tcp -m conntrack --ctorigdstport 444:65535 -j RETURN",
            "-s 2606:4700::/32 -j ACCEPT",
            "-j DROP");
  }

  @Test
  void theJumpMatchesPortsOnInputAndDnatedOriginalsOnDockerUser() {
    assertThat(XtTable.join(XtChain.jump(Hook.INPUT, PortRange.parseList("443,80,8000-8080"),
        Naming.DEFAULT))).isEqualTo("-p tcp -m multiport --dports 80,443,8000:8080 -m comment "
            + "--comment cfsync -j CFSYNC");
    assertThat(XtTable.join(XtChain.jump(Hook.DOCKER_USER, PortRange.parseList("80"),
        new Naming("cfsync", "CF", "cfsync", "edge")))).isEqualTo("-p tcp -m conntrack "
            + "--ctstate DNAT --ctdir ORIGINAL -m comment --comment edge -j CF");
  }

  @Test
  void refusesMorePortsThanMultiportTakes() {
    assertThatThrownBy(() -> XtChain.jump(Hook.INPUT,
        PortRange.parseList("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15-16"), Naming.DEFAULT))
        .isInstanceOf(UsageError.class).hasMessageContaining("at most 15");
    assertThat(XtChain.jump(Hook.INPUT, PortRange.parseList("1,2,3,4,5,6,7,8,9,10,11,12,13,"
        + "14-15"), Naming.DEFAULT)).contains("1,2,3,4,5,6,7,8,9,10,11,12,13,14:15");
  }
}
