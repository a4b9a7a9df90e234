package io.cfsync.backend.ufw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Plan;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.error.UsageError;
import io.cfsync.exec.Command;
import io.cfsync.exec.RecordingRunner;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class UfwPlannerTest {

  private static final String V4 = Fixtures.nutratech(Family.V4);
  private static final String V6 = Fixtures.nutratech(Family.V6);

  /** Applies a file-mode plan's diffs to the given contents, as apply would. */
  private static String[] applied(Plan plan, String v4, String v6) {
    String[] out = {v4, v6};
    for (Command c : plan.commands()) {
      if (UfwPlanner.isPatch(c)) {
        FileDiff.Parsed d = FileDiff.parse(c.stdin().orElseThrow());
        int i = d.path().endsWith("user6.rules") ? 1 : 0;
        out[i] = FileDiff.apply(d, out[i]);
      }
    }
    return out;
  }

  @Test
  void firstConvergeWritesByteForByteWhatUfwAllowWrites() {
    Plan plan = UfwPlanner.plan(Fixtures.state(V4, V6),
        Fixtures.desired(Fixtures.cloudflare(), "file"), Fixtures.PATHS);
    String[] files = applied(plan, V4, V6);
    assertThat(files[0]).isEqualTo(Fixtures.golden("nutratech-cf.user.rules"));
    assertThat(files[1]).isEqualTo(Fixtures.golden("nutratech-cf.user6.rules"));
    assertThat(plan.diff().added().prefixCount(Family.V4)).isEqualTo(15);
    assertThat(plan.diff().added().prefixCount(Family.V6)).isEqualTo(7);
    assertThat(plan.commands()).extracting(Command::tool)
        .containsExactly("patch", "patch", "iptables-restore", "ip6tables-restore");
    assertThat(plan.undo()).isEmpty();
  }

  @Test
  void aOnePrefixChangeCutsOneBlockAndAppendsOneAsUfwDoes() {
    PrefixSet changed = Fixtures.cloudflare()
        .difference(Fixtures.prefixes("131.0.72.0/22", "2c0f:f248::/32"))
        .union(Fixtures.prefixes("131.0.76.0/22", "2c0f:f249::/32"));
    Plan plan = UfwPlanner.plan(Fixtures.state(Fixtures.golden("nutratech-cf.user.rules"),
        Fixtures.golden("nutratech-cf.user6.rules")), Fixtures.desired(changed, "file"),
        Fixtures.PATHS);
    String[] files = applied(plan, Fixtures.golden("nutratech-cf.user.rules"),
        Fixtures.golden("nutratech-cf.user6.rules"));
    assertThat(files[0]).isEqualTo(Fixtures.golden("nutratech-cf-change.user.rules"));
    assertThat(files[1]).isEqualTo(Fixtures.golden("nutratech-cf-change.user6.rules"));
    assertThat(plan.diff().removed().prefixes()).extracting(Object::toString)
        .containsExactly("131.0.72.0/22", "2c0f:f248::/32");
  }

  @Test
  void splitsPortsIntoGroupsOfFifteenAsMultiportRequires() {
    PrefixSet p = Fixtures.prefixes("173.245.48.0/20", "198.41.128.10/32", "2606:4700::/32");
    String ports = "80,443,1000-1010,2001,2002,2003,2004,2005,2006,2007,2008,2009,2010,2011,"
        + "2012";
    Plan plan = UfwPlanner.plan(Fixtures.state(V4, V6),
        Fixtures.desired(p, ports, Policy.ALLOW, "file"), Fixtures.PATHS);
    String[] files = applied(plan, V4, V6);
    assertThat(files[0]).isEqualTo(Fixtures.golden("nutratech-port-groups.user.rules"));
    assertThat(files[1]).isEqualTo(Fixtures.golden("nutratech-port-groups.user6.rules"));
  }

  @Test
  void aConvergedFirewallPlansNothing() {
    for (String mode : List.of("file", "cli")) {
      Plan plan = UfwPlanner.plan(Fixtures.state(Fixtures.golden("nutratech-cf.user.rules"),
          Fixtures.golden("nutratech-cf.user6.rules")), Fixtures.desired(Fixtures.cloudflare(),
          mode), Fixtures.PATHS);
      assertThat(plan.isEmpty()).as(mode).isTrue();
      assertThat(plan.diff().isEmpty()).isTrue();
      assertThat(plan.notes()).isEmpty();
    }
  }

  @Test
  void planPrintsTheDiffTheLoadsAndTheUfwCommandsInFileMode() {
    Plan plan = UfwPlanner.plan(Fixtures.state(Fixtures.golden("nutratech-cf.user.rules"),
        Fixtures.golden("nutratech-cf.user6.rules")), Fixtures.desired(Fixtures.cloudflare()
        .difference(Fixtures.prefixes("131.0.72.0/22")).union(Fixtures.prefixes(
        "131.0.76.0/22")), "file"), Fixtures.PATHS);
    RecordingRunner rec = new RecordingRunner();
    new UfwBackend(Fixtures.PATHS).apply(plan, rec);
    assertThat(rec.transcript().render()).isEqualTo(Fixtures.golden("plan-file-change.txt"));
  }

  @Test
  void planPrintsPasteableUfwCommandsInCliModeAddsFirst() {
    Plan plan = UfwPlanner.plan(Fixtures.state(Fixtures.golden("nutratech-cf.user.rules"),
        Fixtures.golden("nutratech-cf.user6.rules")), Fixtures.desired(Fixtures.cloudflare()
        .difference(Fixtures.prefixes("131.0.72.0/22", "2c0f:f248::/32")).union(
        Fixtures.prefixes("131.0.76.0/22")), "cli"), Fixtures.PATHS);
    RecordingRunner rec = new RecordingRunner();
    new UfwBackend(Fixtures.PATHS).apply(plan, rec);
    assertThat(rec.transcript().render()).isEqualTo(Fixtures.golden("plan-cli-change.txt"));
    assertThat(plan.undo()).extracting(Command::toShell).containsExactly(
        "ufw allow proto tcp from 2c0f:f248::/32 to any port 80,443 comment cfsync",
        "ufw allow proto tcp from 131.0.72.0/22 to any port 80,443 comment cfsync",
        "ufw delete allow proto tcp from 131.0.76.0/22 to any port 80,443 comment cfsync");
  }

  @Test
  void neverTouchesAnUntaggedRuleThatNamesACloudflarePrefix() {
    String v4 = new RulesFileEditor(V4).add(
        "### tuple ### allow tcp 80,443 0.0.0.0/0 any 173.245.48.0/20 in",
        "-A ufw-user-input -p tcp -m multiport --dports 80,443 -s 173.245.48.0/20 -j ACCEPT")
        .add("### tuple ### allow tcp 22 0.0.0.0/0 any 104.16.0.0/13 in comment=6f6666696365",
        "-A ufw-user-input -p tcp --dport 22 -s 104.16.0.0/13 -j ACCEPT").content();
    for (String mode : List.of("file", "cli")) {
      Plan plan = UfwPlanner.plan(Fixtures.state(v4, V6),
          Fixtures.desired(Fixtures.prefixes("104.16.0.0/13", "173.245.48.0/20"), mode),
          Fixtures.PATHS);
      assertThat(plan.notes()).containsExactly(
          "UFW rule \"allow tcp 80,443 from 173.245.48.0/20\" is not tagged cfsync: it is the "
              + "operator's, cfsync leaves it alone and adds no twin",
          "UFW rule \"allow tcp 22 from 104.16.0.0/13\" names a Cloudflare address but is not "
              + "tagged cfsync: cfsync leaves it alone");
      if (mode.equals("file")) {
        String after = applied(plan, v4, V6)[0];
        assertThat(after).startsWith(v4.substring(0, v4.indexOf("### END RULES")));
        assertThat(after).contains("any 104.16.0.0/13 in comment=636673796e63")
            .doesNotContain("any 173.245.48.0/20 in comment=");
      } else {
        assertThat(plan.commands()).extracting(Command::toShell).containsExactly(
            "ufw allow proto tcp from 104.16.0.0/13 to any port 80,443 comment cfsync");
      }
      // Dropping both prefixes from the list removes only cfsync's own rule.
      String converged = mode.equals("file") ? applied(plan, v4, V6)[0] : null;
      if (converged != null) {
        Plan shrink = UfwPlanner.plan(Fixtures.state(converged, V6),
            Fixtures.desired(PrefixSet.empty(), "file"), Fixtures.PATHS);
        assertThat(applied(shrink, converged, V6)[0]).isEqualTo(v4);
      }
    }
  }

  @Test
  void removesStaleTaggedRulesIncludingOnesForOtherPorts() {
    String v4 = new RulesFileEditor(V4).add(
        "### tuple ### allow tcp 8080 0.0.0.0/0 any 173.245.48.0/20 in comment=636673796e63",
        "-A ufw-user-input -p tcp --dport 8080 -s 173.245.48.0/20 -j ACCEPT").content();
    Plan plan = UfwPlanner.plan(Fixtures.state(v4, V6),
        Fixtures.desired(Fixtures.prefixes("173.245.48.0/20"), "cli"), Fixtures.PATHS);
    assertThat(plan.commands()).extracting(Command::toShell).containsExactly(
        "ufw allow proto tcp from 173.245.48.0/20 to any port 80,443 comment cfsync",
        "ufw delete allow proto tcp from 173.245.48.0/20 to any port 8080 comment cfsync");
    assertThat(plan.diff().isEmpty()).isTrue();
  }

  @Test
  void restrictWarnsAboutBroaderAllowsAndAppProfilesButChangesNothingOfThem() {
    String v4 = new RulesFileEditor(V4).add(
        "### tuple ### allow tcp 80,443 0.0.0.0/0 any 0.0.0.0/0 Nginx%20Full - in",
        "-A ufw-user-input -p tcp -m multiport --dports 80,443 -j ACCEPT -m comment --comment "
            + "'dapp_Nginx%20Full'").content();
    Plan plan = UfwPlanner.plan(Fixtures.state(v4, V6), Fixtures.desired(Fixtures.cloudflare(),
        "80,443", Policy.RESTRICT, "file"), Fixtures.PATHS);
    assertThat(plan.notes()).containsExactly(
        "restrict: UFW rule \"allow tcp+udp 443 from anywhere\" lets sources outside "
            + "Cloudflare's ranges reach port(s) 80,443; cfsync leaves it alone: remove it (ufw "
            + "delete allow from any to any port 443) for restrict to hold",
        "restrict: UFW rule \"allow tcp 80 from anywhere\" lets sources outside Cloudflare's "
            + "ranges reach port(s) 80,443; cfsync leaves it alone: remove it (ufw delete allow "
            + "proto tcp from any to any port 80) for restrict to hold",
        "restrict: UFW rule \"allow app 'Nginx Full' (tcp 80,443) from anywhere\" lets sources "
            + "outside Cloudflare's ranges reach port(s) 80,443; cfsync leaves it alone: remove "
            + "it (ufw delete allow from any to any app 'Nginx Full') for restrict to hold");
    // The OpenSSH profile (22) and udp 443 do not reach the protected TCP ports: no warning.
    assertThat(String.join("\n", plan.notes())).doesNotContain("OpenSSH", "allow udp 443");
    assertThat(plan.commands()).extracting(Command::tool).doesNotContain("ufw");
  }

  @Test
  void restrictReportsAnAllowDefaultAndChangesItOnlyWhenAsked() {
    UfwState open = Fixtures.state(V4, V6, true, "ACCEPT", true);
    Plan report = UfwPlanner.plan(open, Fixtures.desired(Fixtures.cloudflare(), "80,443",
        Policy.RESTRICT, "cli"), Fixtures.PATHS);
    assertThat(report.notes()).anyMatch(n -> n.startsWith(
        "restrict: UFW's default incoming policy is allow"));
    assertThat(report.commands()).extracting(Command::toShell)
        .doesNotContain("ufw default deny incoming");

    Plan change = UfwPlanner.plan(open, Fixtures.desired(Fixtures.cloudflare(), "80,443",
        Policy.RESTRICT, "cli", "ufw-default-deny"), Fixtures.PATHS);
    assertThat(change.commands()).last().extracting(Command::toShell)
        .isEqualTo("ufw default deny incoming");
    assertThat(change.undo()).first().extracting(Command::toShell)
        .isEqualTo("ufw default allow incoming");

    Plan allow = UfwPlanner.plan(open, Fixtures.desired(Fixtures.cloudflare(), "80,443",
        Policy.ALLOW, "cli", "ufw-default-deny"), Fixtures.PATHS);
    assertThat(allow.commands()).extracting(Command::toShell)
        .doesNotContain("ufw default deny incoming");
  }

  @Test
  void restrictSaysSoWhenUfwIsInactive() {
    Plan plan = UfwPlanner.plan(Fixtures.state(V4, V6, false, "DROP", false),
        Fixtures.desired(Fixtures.cloudflare(), "80,443", Policy.RESTRICT, "file"),
        Fixtures.PATHS);
    assertThat(plan.notes()).anyMatch(n -> n.startsWith("restrict: UFW is inactive"));
    assertThat(plan.notes()).anyMatch(n -> n.startsWith("UFW is inactive: the rules go to"));
    // Files are written, chains are not loaded: UFW loads them when it starts.
    assertThat(plan.commands()).extracting(Command::tool).containsExactly("patch", "patch");
  }

  @Test
  void loadsTheChainsAgainWhenTheyDisagreeWithTheFileInFileModeOnly() {
    String file = Fixtures.golden("nutratech-cf.user.rules");
    RulesFile parsed = RulesFile.parse(Family.V4, "x", file);
    // The chain lacks one rule the file has: a run killed between writing and loading.
    var live = com.google.common.collect.ImmutableMultiset.copyOf(
        parsed.shapes().stream().filter(s -> !s.startsWith("104.16.0.0/13")).toList());
    UfwState s = new UfwState("cfsync", true, "DROP", ImmutableMap.of(Family.V4,
        new UfwState.FamilyState(Family.V4, Fixtures.PATHS.rulesV4(), file, parsed,
            java.util.Optional.of(live))));
    Desired v4only = new Desired(Fixtures.cloudflare().only(Family.V4), ImmutableSet.of(
        Family.V4), PortRange.parseList("80,443"), Policy.ALLOW, Hook.INPUT, Action.DROP,
        PrefixSet.empty(), Naming.DEFAULT, ImmutableMap.of("ufw-mode", "file"));
    Plan plan = UfwPlanner.plan(s, v4only, Fixtures.PATHS);
    assertThat(plan.commands()).extracting(Command::toShell)
        .containsExactly("iptables-restore -n /etc/ufw/user.rules");

    Desired cli = new Desired(v4only.prefixes(), v4only.families(), v4only.ports(),
        Policy.ALLOW, Hook.INPUT, Action.DROP, PrefixSet.empty(), Naming.DEFAULT,
        ImmutableMap.of("ufw-mode", "cli"));
    Plan cliPlan = UfwPlanner.plan(s, cli, Fixtures.PATHS);
    assertThat(cliPlan.isEmpty()).isTrue();
    assertThat(cliPlan.notes()).anyMatch(n -> n.contains("does not hold what"));
  }

  @Test
  void withIpv6OffInUfwInstallsNoIpv6RuleAndSaysSo() {
    Plan plan = UfwPlanner.plan(Fixtures.state(V4, null),
        Fixtures.desired(Fixtures.cloudflare(), "file"), Fixtures.PATHS);
    assertThat(plan.commands()).extracting(Command::toShell).noneMatch(c -> c.contains("user6"));
    assertThat(plan.notes()).anyMatch(n -> n.startsWith("UFW has IPV6=no"));
    assertThat(plan.diff().added().prefixCount(Family.V6)).isZero();
  }

  @Test
  void leavesAFamilyThatWasNotSelectedAlone() {
    String v6 = Fixtures.golden("nutratech-cf.user6.rules");
    Desired v4only = new Desired(Fixtures.cloudflare().only(Family.V4), ImmutableSet.of(
        Family.V4), PortRange.parseList("80,443"), Policy.ALLOW, Hook.INPUT, Action.DROP,
        PrefixSet.empty(), Naming.DEFAULT, ImmutableMap.of("ufw-mode", "file"));
    Plan plan = UfwPlanner.plan(Fixtures.state(V4, v6), v4only, Fixtures.PATHS);
    assertThat(plan.commands()).extracting(Command::toShell).noneMatch(c -> c.contains("user6"));
    assertThat(plan.diff().removed().isEmpty()).isTrue();
  }

  @Test
  void ownershipFollowsTheConfiguredTag() {
    String v4 = Fixtures.golden("nutratech-cf.user.rules");
    String v6 = Fixtures.golden("nutratech-cf.user6.rules");
    UfwState s = new UfwState("edge", true, "DROP", Fixtures.state(v4, v6).families());
    assertThat(s.prefixes().isEmpty()).isTrue();
    Desired edge = new Desired(Fixtures.cloudflare(), ImmutableSet.of(Family.V4, Family.V6),
        PortRange.parseList("80,443"), Policy.ALLOW, Hook.INPUT, Action.DROP,
        PrefixSet.empty(), new Naming("cfsync", "CFSYNC", "cfsync", "edge"),
        ImmutableMap.of("ufw-mode", "cli"));
    Plan plan = UfwPlanner.plan(s, edge, Fixtures.PATHS);
    // The cfsync-tagged rules are someone else's now: nothing deleted, no twins added.
    assertThat(plan.commands()).isEmpty();
    assertThat(Fixtures.state(v4, V6).prefixes()).isEqualTo(Fixtures.cloudflare().only(
        Family.V4));
    assertThat(plan.notes()).hasSize(22).allMatch(n -> n.endsWith("adds no twin"));
  }

  @Test
  void refusesTheDockerUserHookAndUnknownModes() {
    Desired docker = new Desired(Fixtures.cloudflare(), ImmutableSet.of(Family.V4, Family.V6),
        PortRange.parseList("80,443"), Policy.ALLOW, Hook.DOCKER_USER, Action.DROP,
        PrefixSet.empty(), Naming.DEFAULT, ImmutableMap.of("ufw-mode", "file"));
    assertThatThrownBy(() -> UfwPlanner.plan(Fixtures.state(V4, V6), docker, Fixtures.PATHS))
        .isInstanceOf(UsageError.class).hasMessageContaining("--hook docker-user");
    assertThatThrownBy(() -> UfwPlanner.plan(Fixtures.state(V4, V6),
        Fixtures.desired(Fixtures.cloudflare(), "both"), Fixtures.PATHS))
        .isInstanceOf(UsageError.class).hasMessage("--ufw-mode \"both\": use file or cli");
  }

  @Test
  void groupsPortsByMultiportWeight() {
    assertThat(UfwPlanner.portGroups(PortRange.parseList("443,80"))).containsExactly("80,443");
    assertThat(UfwPlanner.portGroups(PortRange.parseList("8000-8080"))).containsExactly(
        "8000:8080");
    assertThat(UfwPlanner.portGroups(PortRange.parseList(
        "1-2,3-4,5-6,7-8,9-10,11-12,13-14,15-16"))).containsExactly(
        "1:2,3:4,5:6,7:8,9:10,11:12,13:14", "15:16");
  }

  /** Appends blocks to a rules file's rules section the way UFW lays them out. */
  static final class RulesFileEditor {
    private String content;

    RulesFileEditor(String content) {
      this.content = content;
    }

    RulesFileEditor add(String tuple, String... rules) {
      int end = content.indexOf("\n### END RULES ###");
      StringBuilder block = new StringBuilder("\n").append(tuple).append('\n');
      for (String r : rules) {
        block.append(r).append('\n');
      }
      content = content.substring(0, end) + block + content.substring(end);
      return this;
    }

    String content() {
      return content;
    }
  }
}
