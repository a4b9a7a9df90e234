package io.cfsync.backend.nftables;

import static io.cfsync.backend.nftables.NftTesting.cloudflare;
import static io.cfsync.backend.nftables.NftTesting.cloudflare2021v4;
import static io.cfsync.backend.nftables.NftTesting.ruleset;
import static io.cfsync.backend.nftables.NftTesting.want;
import static io.cfsync.backend.nftables.NftTesting.writeList;
import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.backend.Desired;
import io.cfsync.backend.Installed;
import io.cfsync.exec.Command;
import io.cfsync.exec.Result;
import io.cfsync.exec.SystemProcessRunner;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad lists, failing nft, the removal guard, kill -9, concurrency and dry runs, live. */
@Live(tools = {"nft"})
class NftablesSafetyLiveTest {

  @TempDir
  Path tmp;

  String state() {
    return tmp.resolve("state").toString();
  }

  Result cli(Netns net, String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.add("--state-dir");
    a.add(state());
    return net.cfsyncRun(tmp, a.toArray(String[]::new));
  }

  static Installed read(Netns net) {
    return new NftablesBackend().read(net.server(), want(cloudflare()).build());
  }

  @Test
  void badListsAreRefusedWithExit3AndTheRulesetStaysByteIdentical() throws IOException {
    try (Netns net = Netns.create()) {
      assertThat(cli(net, "apply", "--source", "builtin").exitCode()).isZero();
      String before = ruleset(net.server());
      Path open = tmp.resolve("open.txt");
      Files.writeString(open, "0.0.0.0/0\n" + String.join("\n", cloudflare().prefixes()
          .stream().map(Prefix::toString).toList()) + "\n");
      Path html = tmp.resolve("captive.txt");
      Files.writeString(html, "<!DOCTYPE html>\n<html><body>Please log in</body></html>\n");
      for (Path bad : List.of(open, html)) {
        Result r = cli(net, "apply", "--source", "file:" + bad);
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(3);
        assertThat(r.stderr()).contains("firewall unchanged");
        assertThat(ruleset(net.server())).isEqualTo(before);
      }
    }
  }

  @Test
  void nftRefusingTheChangeExitsOneAndLeavesTheRulesetByteIdentical() {
    try (Netns net = Netns.create()) {
      net.server().check(Command.of("nft", "-f", "-").withStdin(
          "table inet filter {\n chain input {\n type filter hook input priority 0;\n }\n}\n"));
      String before = ruleset(net.server());
      // Allow mode into a chain or table the kernel does not have: nft's transaction fails.
      for (String[] where : List.of(new String[] {"inet filter", "inbound"},
          new String[] {"inet nosuch", "input"})) {
        Result r = cli(net, "apply", "--source", "builtin", "--policy", "allow",
            "--nft-table", where[0], "--nft-chain", where[1]);
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(1);
        assertThat(r.stderr()).contains("nft exited 1").contains("No such file or directory")
            .containsAnyOf("has no chain", "there is no table").doesNotContain("Exception");
        assertThat(ruleset(net.server())).isEqualTo(before);
      }
    }
  }

  /**
   * A table created with {@code flags owner} can be changed only through its creator's
   * netlink socket: the kernel answers everyone else EPERM. cfsync's flush is refused, the
   * undo too, and the ruleset stays as it was.
   */
  @Test
  void kernelRefusalOfALockedOwnTableExitsOneAndChangesNothing() throws Exception {
    try (Netns net = Netns.create()) {
      Process owner = new ProcessBuilder("ip", "netns", "exec", net.serverName(), "nft", "-i")
          .redirectErrorStream(true).start();
      try (OutputStream in = owner.getOutputStream()) {
        String marker = "comment \"" + Layout.MARKER + "\";";
        in.write(("add table inet cfsync { flags owner; }\n"
            + "add set inet cfsync cfsync-v4 { type ipv4_addr; flags interval; " + marker + " }\n"
            + "add set inet cfsync cfsync-v6 { type ipv6_addr; flags interval; " + marker + " }\n"
            + "add chain inet cfsync input { type filter hook input priority filter; "
            + "policy accept; }\n"
            + "add rule inet cfsync input iif \"lo\" accept\n"
            + "add rule inet cfsync input tcp dport { 80, 443 } ct state new ip saddr != "
            + "@cfsync-v4 drop\n"
            + "add rule inet cfsync input tcp dport { 80, 443 } ct state new ip6 saddr != "
            + "@cfsync-v6 drop\n"
            + "add element inet cfsync cfsync-v4 { 104.16.0.0/12 }\n")
            .getBytes(StandardCharsets.UTF_8));
        in.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!ruleset(net.server()).contains("104.16.0.0/12")) {
          assertThat(System.nanoTime()).as("owner table loaded").isLessThan(deadline);
          owner.waitFor(20, TimeUnit.MILLISECONDS);
        }
        String before = ruleset(net.server());
        Result r = cli(net, "apply", "--source", "builtin", "--force");
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(1);
        assertThat(r.stderr()).contains("Operation not permitted");
        assertThat(ruleset(net.server())).isEqualTo(before);
      } finally {
        owner.destroy();
        owner.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void removalBeyondTheLimitIsRefusedUntilForced() {
    try (Netns net = Netns.create()) {
      assertThat(cli(net, "apply", "--source", "builtin").exitCode()).isZero();
      String before = ruleset(net.server());
      PrefixSet smaller = cloudflare().difference(PrefixSet.of(Prefix.parse("104.16.0.0/13"),
          Prefix.parse("172.64.0.0/13")));
      Path list = writeList(tmp, "smaller.txt", smaller);
      Result refused = cli(net, "apply", "--source", "file:" + list);
      assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(3);
      assertThat(refused.stderr()).contains("--max-removal").contains("--force");
      assertThat(ruleset(net.server())).isEqualTo(before);

      Result forced = cli(net, "apply", "--source", "file:" + list, "--force");
      assertThat(forced.exitCode()).as(forced.stderr()).isZero();
      assertThat(read(net).prefixes()).isEqualTo(smaller);
    }
  }

  @Test
  void killNineAtRandomPointsLeavesOldOrNewAndTheNextRunConverges() throws Exception {
    try (Netns net = Netns.create()) {
      // Lists big enough that nft itself runs for a while, so kills land inside it too.
      PrefixSet a = cloudflare().union(PrefixSet.of(NftTesting.spacedV4(20_000, 0)));
      PrefixSet b = cloudflare().union(PrefixSet.of(NftTesting.spacedV4(20_000, 1)));
      Path fa = writeList(tmp, "a.txt", a);
      Path fb = writeList(tmp, "b.txt", b);
      long t0 = System.nanoTime();
      assertThat(cli(net, "apply", "--source", "file:" + fa, "--force").exitCode()).isZero();
      long full = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      Random rnd = new Random(42);
      Desired wantA = want(a).build();
      Desired wantB = want(b).build();
      int killedBefore = 0;
      int killedAfter = 0;
      for (int i = 0; i < 12; i++) {
        Path target = i % 2 == 0 ? fb : fa;
        Process p = net.cfsync(tmp, "apply", "--source", "file:" + target, "--force",
            "--state-dir", state());
        p.getInputStream().close();
        p.getErrorStream().close();
        boolean done = p.waitFor(rnd.nextInt((int) (full * 13 / 10) + 1), TimeUnit.MILLISECONDS);
        if (!done) {
          p.destroyForcibly();
          p.waitFor();
        }
        awaitNoNft(net);
        NftablesBackend backend = new NftablesBackend();
        Installed now = backend.read(net.server(), wantA);
        boolean isA = backend.plan(now, wantA).isEmpty();
        boolean isB = backend.plan(now, wantB).isEmpty();
        assertThat(isA || isB).as("run %s: neither the old nor the new list (%s prefixes)", i,
            now.prefixes().prefixCount(Family.V4)).isTrue();
        if ((i % 2 == 0) == isB) {
          killedAfter++;
        } else {
          killedBefore++;
        }
      }
      // First installs are two transactions (sets, then the rule using them): a kill between
      // them leaves sets no rule uses, which filter nothing, as before the install.
      for (int i = 0; i < 5; i++) {
        net.server().run(Command.of("nft", "delete", "table", "inet", "cfsync"));
        Process p = net.cfsync(tmp, "apply", "--source", "file:" + fa, "--force",
            "--state-dir", state());
        p.getInputStream().close();
        p.getErrorStream().close();
        if (!p.waitFor(rnd.nextInt((int) (full * 13 / 10) + 1), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          p.waitFor();
        }
        awaitNoNft(net);
        NftablesBackend backend = new NftablesBackend();
        Installed now = backend.read(net.server(), wantA);
        String rules = ruleset(net.server());
        boolean absent = !now.present();
        boolean complete = backend.plan(now, wantA).isEmpty();
        boolean unused = rules.contains("table inet cfsync") && !rules.contains("\tchain ");
        assertThat(absent || complete || unused).as("first install %s left:%n%s", i,
            rules.lines().filter(l -> !l.startsWith("\t\t\t")).toList()).isTrue();
      }
      Result last = cli(net, "apply", "--source", "file:" + fa, "--force");
      assertThat(last.exitCode()).as(last.stderr()).isZero();
      Result plan = cli(net, "plan", "--detailed-exitcode", "--source", "file:" + fa);
      assertThat(plan.exitCode()).as(plan.stderr()).isZero();
      assertThat(killedBefore + killedAfter).isEqualTo(12);
    }
  }

  /** Waits until no nft started by a killed run is still committing in the namespace. */
  static void awaitNoNft(Netns net) throws Exception {
    Result pids = new SystemProcessRunner().run(Command.of("ip", "netns", "pids",
        net.serverName()));
    List<ProcessHandle> nft = pids.stdout().lines().map(String::strip)
        .filter(s -> !s.isEmpty()).flatMap(pid -> ProcessHandle.of(Long.parseLong(pid)).stream())
        .filter(h -> h.info().command().orElse("").endsWith("/nft")).toList();
    for (ProcessHandle h : nft) {
      h.onExit().get(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void tenConcurrentAppliesSerializeAndEndWithExactlyOneList() throws Exception {
    try (Netns net = Netns.create()) {
      List<PrefixSet> lists = new ArrayList<>();
      List<Process> runs = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        PrefixSet l = cloudflare().union(PrefixSet.of(NftTesting.spacedV4(10 + i, 0)));
        lists.add(l);
        Path f = writeList(tmp, "list" + i + ".txt", l);
        runs.add(net.cfsync(tmp, "apply", "--source", "file:" + f, "--force",
            "--lock-timeout", "300s", "--state-dir", state()));
      }
      for (Process p : runs) {
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(err).isZero();
      }
      PrefixSet now = read(net).prefixes();
      assertThat(lists).contains(now);
      Desired d = want(now).build();
      assertThat(new NftablesBackend().plan(read(net), d).isEmpty()).isTrue();
    }
  }

  @Test
  void dryRunPrintsExactlyWhatPlanPrintsAndDetailedExitcodeTellsPendingFromInSync() {
    try (Netns net = Netns.create()) {
      assertThat(cli(net, "apply", "--source", "file:" + writeList(tmp, "old.txt",
          cloudflare2021v4().union(cloudflare().only(Family.V6))), "--force").exitCode())
          .isZero();
      String before = ruleset(net.server());
      Result plan = cli(net, "plan", "--detailed-exitcode", "--source", "builtin");
      Result dry = cli(net, "apply", "--dry-run", "--source", "builtin");
      assertThat(plan.exitCode()).as(plan.stderr()).isEqualTo(2);
      assertThat(dry.exitCode()).as(dry.stderr()).isZero();
      assertThat(dry.stdout()).isEqualTo(plan.stdout()).startsWith("nft -f - <<'CFSYNC'\n")
          .contains("flush set inet cfsync cfsync-v4").contains("104.24.0.0/14")
          .doesNotContain("cfsync-v6");
      assertThat(ruleset(net.server())).isEqualTo(before);

      // What plan printed is what apply runs: feeding the printed script to nft converges.
      String script = plan.stdout().substring(plan.stdout().indexOf('\n') + 1,
          plan.stdout().lastIndexOf("CFSYNC\n"));
      net.server().check(Command.of("nft", "-f", "-").withStdin(script));
      Result after = cli(net, "plan", "--detailed-exitcode", "--source", "builtin");
      assertThat(after.exitCode()).as(after.stderr()).isZero();
      assertThat(after.stdout()).isEmpty();
    }
  }
}
