package io.cfsync.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.exec.Command;
import io.cfsync.exec.SystemProcessRunner;
import io.cfsync.live.Live;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code check --syntax} with the real tools: every rendered template loads, a broken file
 * fails with the tool's own message, and the host's firewall and namespaces are untouched.
 */
@Live(tools = {"nft", "iptables-restore", "ip6tables-restore", "ipset", "ufw"})
class SyntaxLiveTest {

  @TempDir
  Path tmp;

  private final SystemProcessRunner host = new SystemProcessRunner();
  private final Syntax syntax = new Syntax(host);
  private String hostState;

  /**
   * What the host has that a check could disturb: its ruleset, sets and the check namespaces
   * of this JVM (other test runs on the machine make and remove their own meanwhile).
   */
  private String hostState() {
    String mine = "cfsync-chk-" + ProcessHandle.current().pid() + "-";
    return host.run(Command.of("nft", "list", "ruleset")).stdout()
        + host.run(Command.of("ipset", "list", "-n")).stdout()
        + host.run(Command.of("ip", "netns", "list")).stdout().lines()
            .filter(l -> l.startsWith(mine)).toList();
  }

  @BeforeEach
  void before() {
    hostState = hostState();
  }

  @AfterEach
  void hostUntouched() {
    assertThat(hostState()).isEqualTo(hostState);
  }

  private Syntax.Outcome check(Kind k, String name, String content) throws IOException {
    Path f = tmp.resolve(name);
    Files.writeString(f, content, StandardCharsets.UTF_8);
    return syntax.check(k, f, Text.ofBytes(Files.readAllBytes(f)));
  }

  private static String render(Kind k, Settings s) {
    return new Renderer(Template.builtin(k), k, "test").render(s);
  }

  @Test
  void everyRenderedFirewallTemplateLoads() throws IOException {
    Settings both = InPlaceTest.both();
    Settings restrict = new Settings(both.prefixes(), both.families(), both.ports(),
        io.cfsync.backend.Policy.RESTRICT, io.cfsync.backend.Hook.DOCKER_USER,
        io.cfsync.backend.Action.REJECT, io.cfsync.model.PrefixSet.of(
            io.cfsync.model.Prefix.parse("198.51.100.0/24"),
            io.cfsync.model.Prefix.parse("2001:db8:1::/48")), both.naming(), "inet", "filter",
        "input");
    for (Settings s : new Settings[] {both, restrict}) {
      assertThat(check(Kind.NFTABLES, "nftables.conf", render(Kind.NFTABLES, s)))
          .extracting(Syntax.Outcome::status).isEqualTo("ok");
      for (io.cfsync.model.Family f : io.cfsync.model.Family.values()) {
        Syntax.Outcome o = check(Kind.IPTABLES, "rules", render(Kind.IPTABLES, s.only(f)));
        assertThat(o.status()).as(o.message()).isEqualTo("ok");
        assertThat(o.tool()).isEqualTo(f == io.cfsync.model.Family.V4 ? "iptables-restore"
            : "ip6tables-restore");
      }
      assertThat(check(Kind.IPSET, "ipset", render(Kind.IPSET, s)).status()).isEqualTo("ok");
    }
    Syntax.Outcome ufw = check(Kind.UFW, "ufw.sh", render(Kind.UFW, both));
    assertThat(ufw.status()).as(ufw.message()).isEqualTo("ok");
  }

  @Test
  void brokenNftablesFileFailsWithNftsMessage() throws IOException {
    String good = render(Kind.NFTABLES, InPlaceTest.both());
    Syntax.Outcome o = check(Kind.NFTABLES, "bad.conf", good.replace("flags interval",
        "flags intervall"));
    assertThat(o.status()).isEqualTo("failed");
    assertThat(o.message()).contains("bad.conf").contains("Error");
  }

  @Test
  void nftRefusesOverlappingElementsInAnIntervalSet() throws IOException {
    String good = render(Kind.NFTABLES, InPlaceTest.both());
    Syntax.Outcome o = check(Kind.NFTABLES, "overlap.conf", good.replace(
        "\t\t\t104.16.0.0/13,\n", "\t\t\t104.16.0.0/13,\n\t\t\t104.16.0.0/12,\n"));
    assertThat(o.status()).isEqualTo("failed");
  }

  @Test
  void iptablesJumpToAMissingChainFails() throws IOException {
    String good = render(Kind.IPTABLES, InPlaceTest.both().only(io.cfsync.model.Family.V4));
    Syntax.Outcome o = check(Kind.IPTABLES, "rules.v4", good.replace("-j CFSYNC", "-j NOPE"));
    assertThat(o.status()).as(o.message()).isEqualTo("failed");
  }

  @Test
  void ipsetBadEntryFails() throws IOException {
    Syntax.Outcome o = check(Kind.IPSET, "ipset", "create cf hash:net family inet\n"
        + "add cf 104.16.0.0/33\n");
    assertThat(o.status()).isEqualTo("failed");
    assertThat(o.message()).startsWith("ipset: ");
  }

  @Test
  void ufwBadAddressFailsNamingTheLine() throws IOException {
    Syntax.Outcome o = check(Kind.UFW, "ufw.sh", "#!/bin/sh\nset -e\n"
        + "ufw allow proto tcp from 173.245.48.0/20 to any port 80,443 comment 'cfsync'\n"
        + "ufw allow proto tcp from 173.245.48.0/33 to any port 80,443 comment 'cfsync'\n");
    assertThat(o.status()).isEqualTo("failed");
    assertThat(o.message()).isEqualTo("line 4: ufw: ERROR: Bad source address");
  }

  @Test
  void shellSyntaxErrorInUfwScriptFails() throws IOException {
    Syntax.Outcome o = check(Kind.UFW, "ufw.sh", "if true; then\nufw allow 80/tcp\n");
    assertThat(o.status()).isEqualTo("failed");
    assertThat(o.message()).startsWith("sh -n: ");
  }

  @Test
  void missingToolIsSkippedWithANoticeAndRunsNothing() throws IOException {
    io.cfsync.exec.RecordingRunner rec = new io.cfsync.exec.RecordingRunner();
    Syntax without = new Syntax(rec, tool -> tool.equals("nft") ? java.util.Optional.empty()
        : Syntax.which(tool));
    Path f = tmp.resolve("x.conf");
    Files.writeString(f, "table inet t {}\n");
    Syntax.Outcome o = without.check(Kind.NFTABLES, f, Text.ofBytes(Files.readAllBytes(f)));
    assertThat(o).isEqualTo(new Syntax.Outcome("nft", "skipped",
        "nft not found; syntax not checked (install it to check)"));
    assertThat(rec.transcript().isEmpty()).isTrue();
  }

  @Test
  void namespaceOfAKilledCheckIsSweptByTheNextOne() throws Exception {
    // A pid that is surely gone: a process that ran and exited.
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    String leftover = "cfsync-chk-" + p.pid() + "-abcdef";
    host.check(Command.of("ip", "netns", "add", leftover));
    try {
      assertThat(check(Kind.NFTABLES, "t.nft", "table inet t {}\n").status()).isEqualTo("ok");
      assertThat(host.run(Command.of("ip", "netns", "list")).stdout()).doesNotContain(leftover);
    } finally {
      host.run(Command.of("ip", "netns", "del", leftover));
    }
  }
}
