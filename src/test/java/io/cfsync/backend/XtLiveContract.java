package io.cfsync.backend;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.live.Netns;
import io.cfsync.live.Netns.Outcome;
import io.cfsync.live.Prober;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.sync.Log;
import io.cfsync.sync.Sync;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guarantees of issue 5 for a backend built on cfsync's iptables chain (iptables,
 * ipset), each against the real tools in a throw-away pair of network namespaces with real
 * TCP across the veth, IPv4 and IPv6 together. A subclass names the backend and says what a
 * whole (not half-applied) state of one family looks like.
 */
public abstract class XtLiveContract {

  /** Cloudflare's lists as the jar ships them. */
  protected static final PrefixSet A = lists("io/cfsync/source/builtin/ips-v4.txt",
      "io/cfsync/source/builtin/ips-v6.txt");
  /** A second valid list: A without two small prefixes; both hold the test clients. */
  protected static final PrefixSet B = A.difference(PrefixSet.of(Prefix.parse("103.21.244.0/22"),
      Prefix.parse("2405:b500::/32")));
  /** A without its two largest IPv4 prefixes: more than half of A's IPv4 addresses. */
  protected static final PrefixSet SHRUNK = A.difference(PrefixSet.of(
      Prefix.parse("104.16.0.0/13"), Prefix.parse("172.64.0.0/13")));

  @TempDir
  protected Path tmp;

  /** The {@code --backend} key. */
  protected abstract String backend();

  protected abstract Backend newBackend();

  /**
   * Fails unless {@code f}'s state is whole: nothing of cfsync's, or exactly one of
   * {@code lists} with its one jump (leftovers that change nothing may be tolerated).
   */
  protected abstract void assertWhole(Netns net, Family f, List<PrefixSet> lists,
      Desired shape);

  static PrefixSet lists(String... resources) {
    List<Prefix> out = new ArrayList<>();
    for (String r : resources) {
      for (String line : FixtureRunner.resource(r).split("\n")) {
        if (!line.isBlank()) {
          out.add(Prefix.parse(line.strip()));
        }
      }
    }
    return PrefixSet.of(out);
  }

  protected static Desired want(PrefixSet list, Policy p, Hook h, Action a) {
    return new Desired(list, ImmutableSet.of(Family.V4, Family.V6),
        PortRange.parseList("80,443"), p, h, a, PrefixSet.empty(), Naming.DEFAULT,
        ImmutableMap.of());
  }

  protected Path listFile(String name, PrefixSet list) throws IOException {
    StringBuilder sb = new StringBuilder("# test list\n");
    for (Prefix p : list.prefixes()) {
      sb.append(p).append('\n');
    }
    return Files.writeString(tmp.resolve(name), sb.toString(), StandardCharsets.UTF_8);
  }

  protected String[] cli(String command, Path list, String... extra) {
    List<String> args = new ArrayList<>(List.of(command, "--backend", backend(), "--source",
        "file:" + list, "--min-prefixes", "1,1", "--state-dir", tmp.resolve("state").toString()));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  protected Result cfsync(Netns net, String command, Path list, String... extra) {
    return net.cfsyncRun(tmp, cli(command, list, extra));
  }

  static void ok(Result r, String what) {
    assertThat(r.exitCode()).as("%s exit code; stderr: %s", what, r.stderr()).isZero();
  }

  static Result sh(ProcessRunner run, String... argv) {
    Result r = run.run(Command.of(argv));
    assertThat(r.exitCode()).as("%s: %s", String.join(" ", argv), r.stderr()).isZero();
    return r;
  }

  static void load(ProcessRunner run, String tool, String text, String... flags) {
    List<String> argv = new ArrayList<>(List.of(tool));
    argv.addAll(List.of(flags));
    Result r = run.run(Command.of(ImmutableList.copyOf(argv)).withStdin(text));
    assertThat(r.exitCode()).as("%s: %s", argv, r.stderr()).isZero();
  }

  private static final Pattern COUNTERS = Pattern.compile("\\[\\d+:\\d+\\]");
  private static final Pattern TIMEOUT = Pattern.compile(" timeout \\d+");

  /**
   * Everything the server's firewall holds: every table of both families and every set,
   * with counters zeroed, the save-time comments dropped, and ipset's remaining-timeout
   * values (which tick) cut.
   */
  protected static String snapshot(Netns net) {
    StringBuilder sb = new StringBuilder();
    for (String tool : List.of("iptables-save", "ip6tables-save")) {
      for (String line : sh(net.server(), tool).stdout().split("\n")) {
        if (!line.startsWith("#")) {
          sb.append(COUNTERS.matcher(line).replaceAll("[0:0]")).append('\n');
        }
      }
    }
    for (String line : sh(net.server(), "ipset", "save").stdout().split("\n")) {
      sb.append(line.startsWith("add ") ? TIMEOUT.matcher(line).replaceAll("") : line)
          .append('\n');
    }
    return sb.toString();
  }

  private static final Pattern OURS = Pattern.compile(
      "^(:CFSYNC |-A CFSYNC |.*--comment cfsync -j CFSYNC$|(create|add) cfsync-[vt][46] ).*");

  /** The snapshot without cfsync's chain, tagged jumps and sets. */
  protected static String foreign(String snapshot) {
    StringBuilder sb = new StringBuilder();
    for (String line : snapshot.split("\n")) {
      if (!OURS.matcher(line).matches()) {
        sb.append(line).append('\n');
      }
    }
    return sb.toString();
  }

  /** Equal, or a failure listing the lines only one side has (dumps are long). */
  protected static void assertSameRuleset(String actual, String expected) {
    if (actual.equals(expected)) {
      return;
    }
    List<String> a = new ArrayList<>(actual.lines().toList());
    List<String> e = new ArrayList<>(expected.lines().toList());
    List<String> onlyActual = new ArrayList<>(a);
    e.forEach(onlyActual::remove);
    List<String> onlyExpected = new ArrayList<>(e);
    a.forEach(onlyExpected::remove);
    throw new AssertionError("rulesets differ; only after: " + onlyActual + "; only before: "
        + onlyExpected + (onlyActual.isEmpty() && onlyExpected.isEmpty() ? " (order differs)"
        : "") + "\nafter:\n" + actual);
  }

  protected static long tagged(String snapshot) {
    return snapshot.lines().filter(l -> l.endsWith("--comment cfsync -j CFSYNC")).count();
  }

  @Test
  public void restrictLetsCloudflareInRefusesOthersAndLeavesOtherPortsAlone() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(80, 443, 8080);
      for (String from : List.of(Netns.OTHER_V4, Netns.OTHER_V6)) {
        assertThat(net.connect(from, 80)).as("before apply, %s", from)
            .isEqualTo(Outcome.CONNECTED);
      }
      Path list = listFile("a.txt", A);
      ok(cfsync(net, "apply", list, "--policy", "restrict", "--action", "reject"), "apply");
      for (int port : new int[] {80, 443}) {
        for (String cf : List.of(Netns.CF_V4, Netns.CF_V4_B, Netns.CF_V6)) {
          assertThat(net.connect(cf, port)).as("%s to %s", cf, port)
              .isEqualTo(Outcome.CONNECTED);
        }
        for (String other : List.of(Netns.OTHER_V4, Netns.OTHER_V6)) {
          assertThat(net.connect(other, port)).as("%s to %s", other, port)
              .isEqualTo(Outcome.REFUSED);
        }
      }
      for (String from : List.of(Netns.OTHER_V4, Netns.OTHER_V6, Netns.CF_V4)) {
        assertThat(net.connect(from, 8080)).as("unlisted port from %s", from)
            .isEqualTo(Outcome.CONNECTED);
      }
      ok(cfsync(net, "apply", list, "--policy", "restrict", "--action", "drop"), "drop");
      assertThat(net.connect(Netns.OTHER_V4, 443)).isEqualTo(Outcome.TIMEOUT);
      assertThat(net.connect(Netns.OTHER_V6, 80)).isEqualTo(Outcome.TIMEOUT);
      assertThat(net.connect(Netns.CF_V6, 443)).isEqualTo(Outcome.CONNECTED);
      assertThat(tagged(snapshot(net))).as("one jump per family").isEqualTo(2);
    }
  }

  @Test
  public void allowLetsCloudflareThroughAnInputDropPolicyAndNobodyElse() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(80, 443);
      // ICMPv6 stays open, as on any real host: without neighbour discovery nothing works.
      sh(net.server(), "ip6tables", "-A", "INPUT", "-p", "ipv6-icmp", "-j", "ACCEPT");
      sh(net.server(), "iptables", "-P", "INPUT", "DROP");
      sh(net.server(), "ip6tables", "-P", "INPUT", "DROP");
      assertThat(net.connect(Netns.CF_V4, 80)).as("the policy bites").isEqualTo(
          Outcome.TIMEOUT);
      Result r = cfsync(net, "apply", listFile("a.txt", A));
      ok(r, "apply with the default policy");
      assertThat(r.stderr()).contains(backend() + ": applied");
      for (int port : new int[] {80, 443}) {
        assertThat(net.connect(Netns.CF_V4, port)).isEqualTo(Outcome.CONNECTED);
        assertThat(net.connect(Netns.CF_V6, port)).isEqualTo(Outcome.CONNECTED);
      }
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(Outcome.TIMEOUT);
      assertThat(net.connect(Netns.OTHER_V6, 443)).isEqualTo(Outcome.TIMEOUT);
    }
  }

  @Test
  public void aHundredAppliesAlternatingListsNeverRefuseTheEdge() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(80);
      Sync sync = new Sync(newBackend(), net.server(), Log.SILENT);
      sync.apply(sync.prepare(want(A, Policy.RESTRICT, Hook.INPUT, Action.DROP), false, 25,
          false), net.server());
      Prober.Handle v4 = net.probe(Netns.CF_V4, 80, Duration.ofMillis(20)).awaitFirst();
      Prober.Handle v6 = net.probe(Netns.CF_V6, 80, Duration.ofMillis(20)).awaitFirst();
      int writes = 0;
      for (int i = 0; i < 100; i++) {
        Sync.Prepared p = sync.prepare(want(i % 2 == 0 ? B : A, Policy.RESTRICT, Hook.INPUT,
            Action.DROP), false, 25, false);
        writes += p.plan().commands().size();
        sync.apply(p, net.server());
      }
      assertThat(writes).as("every apply changed the list").isGreaterThanOrEqualTo(200);
      Path a = listFile("a.txt", A);
      Path b = listFile("b.txt", B);
      for (int i = 0; i < 4; i++) {
        ok(cfsync(net, "apply", i % 2 == 0 ? b : a, "--policy", "restrict"), "cli " + i);
      }
      Prober.Stats s4 = v4.stop();
      Prober.Stats s6 = v6.stop();
      assertThat(s4.failed()).as("IPv4 %s", s4).isZero();
      assertThat(s6.failed()).as("IPv6 %s", s6).isZero();
      assertThat(s4.connected()).isGreaterThan(20);
      assertThat(s6.connected()).isGreaterThan(20);
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(Outcome.TIMEOUT);
    }
  }

  /** The backend forced to legacy iptables, whatever {@code iptables -V} says here. */
  protected abstract Backend legacyBackend();

  /**
   * The same chain through iptables-legacy: hosts where {@code iptables -V} says (legacy)
   * get the legacy tools, and legacy's save output must read back as what was written, or
   * every run would rewrite (and verification would fail).
   */
  @Test
  @io.cfsync.live.Live(tools = {"iptables-legacy", "ip6tables-legacy"})
  public void drivesLegacyIptablesAndReadsItsOwnWritingBack() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(80, 8080);
      ProcessRunner srv = net.server();
      sh(srv, "iptables-legacy", "-N", "DOCKER-USER");
      sh(srv, "ip6tables-legacy", "-N", "DOCKER-USER");
      Sync sync = new Sync(legacyBackend(), srv, Log.SILENT);
      for (Desired d : List.of(want(B, Policy.RESTRICT, Hook.DOCKER_USER, Action.DROP),
          want(A, Policy.ALLOW, Hook.INPUT, Action.DROP),
          want(A, Policy.RESTRICT, Hook.INPUT, Action.REJECT))) {
        Sync.Prepared p = sync.prepare(d, false, 25, false);
        assertThat(p.plan().isEmpty()).as("%s %s", d.policy(), d.hook()).isFalse();
        sync.apply(p, srv);
        assertThat(sync.prepare(d, false, 25, false).plan().isEmpty()).as("reads back %s %s",
            d.policy(), d.hook()).isTrue();
      }
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Outcome.CONNECTED);
      assertThat(net.connect(Netns.CF_V6, 80)).isEqualTo(Outcome.CONNECTED);
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(Outcome.REFUSED);
      assertThat(net.connect(Netns.OTHER_V6, 80)).isEqualTo(Outcome.REFUSED);
      assertThat(net.connect(Netns.OTHER_V6, 8080)).isEqualTo(Outcome.CONNECTED);
      assertThat(sh(srv, "iptables-legacy-save", "-t", "filter").stdout()).contains(
          "-A INPUT -p tcp -m multiport --dports 80,443 -m comment --comment cfsync -j CFSYNC",
          ":DOCKER-USER - [0:0]\n");
      assertThat(sh(srv, "ip6tables-legacy-save", "-t", "filter").stdout())
          .doesNotContain("-A DOCKER-USER");
      assertThat(sh(srv, "iptables-nft-save", "-t", "filter").stdout()).doesNotContain("CFSYNC");
    }
  }

  /** Records every command and runs it: proves which ones a run issued. */
  static final class Recorder implements ProcessRunner {
    final ProcessRunner real;
    final List<Command> ran = new ArrayList<>();

    Recorder(ProcessRunner real) {
      this.real = real;
    }

    @Override
    public synchronized Result run(Command c) {
      ran.add(c);
      return real.run(c);
    }
  }

  static final Pattern READS = Pattern.compile(
      "ip6?tables -V|ip6?tables(-nft|-legacy)?-save -t filter|ipset list -n|ipset list \\S+");

  @Test
  public void aSecondApplyWithTheSameListWritesNothing() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(80);
      Path list = listFile("a.txt", A);
      ok(cfsync(net, "apply", list, "--policy", "restrict"), "first");
      for (String cf : List.of(Netns.CF_V4, Netns.CF_V6, Netns.CF_V4)) {
        assertThat(net.connect(cf, 80)).isEqualTo(Outcome.CONNECTED);
      }
      String before = countersAndSets(net);
      assertThat(before).as("traffic was counted").containsPattern("\\[[1-9]\\d*:\\d+\\] -A "
          + "INPUT");
      Result second = cfsync(net, "apply", list, "--policy", "restrict");
      ok(second, "second");
      assertThat(second.stderr()).contains("in sync").contains("no change");
      // A refill would zero the counters (and a set swap would change its initval).
      assertUntouched(before, countersAndSets(net));

      Recorder rec = new Recorder(net.server());
      Sync sync = new Sync(newBackend(), rec, Log.SILENT);
      Sync.Prepared p = sync.prepare(want(A, Policy.RESTRICT, Hook.INPUT, Action.DROP), false,
          25, false);
      sync.apply(p, rec);
      assertThat(p.plan().isEmpty()).isTrue();
      assertThat(rec.ran).isNotEmpty().allSatisfy(c -> assertThat(String.join(" ", c.argv()))
          .matches(READS));
      assertUntouched(before, countersAndSets(net));
    }
  }

  private static final Pattern COUNTED =
      Pattern.compile("^\\[(\\d+):(\\d+)\\] (.*)$");

  /**
   * The same rules and sets, and no counter went down: a rewrite of our chain or jump would
   * zero them. Counters may grow, because the last connection's closing packets can still be
   * arriving on a loaded machine.
   */
  static void assertUntouched(String before, String after) {
    List<String> was = List.of(before.split("\n"));
    List<String> now = List.of(after.split("\n"));
    assertThat(now.stream().map(XtLiveContract::uncounted).toList())
        .isEqualTo(was.stream().map(XtLiveContract::uncounted).toList());
    for (int i = 0; i < was.size(); i++) {
      Matcher a = COUNTED.matcher(was.get(i));
      Matcher b = COUNTED.matcher(now.get(i));
      if (a.matches() && b.matches()) {
        assertThat(Long.parseLong(b.group(1))).as("packets of %s", a.group(3))
            .isGreaterThanOrEqualTo(Long.parseLong(a.group(1)));
      }
    }
  }

  private static String uncounted(String line) {
    Matcher m = COUNTED.matcher(line);
    return m.matches() ? m.group(3) : line;
  }

  /** Our chain's and jumps' counters, and our sets as saved (with their initval). */
  static String countersAndSets(Netns net) {
    StringBuilder sb = new StringBuilder();
    for (String tool : List.of("iptables-save", "ip6tables-save")) {
      for (String l : sh(net.server(), tool, "-c", "-t", "filter").stdout().split("\n")) {
        if (l.contains("CFSYNC")) {
          sb.append(l).append('\n');
        }
      }
    }
    for (String l : sh(net.server(), "ipset", "save").stdout().split("\n")) {
      if (l.contains(" cfsync-")) {
        sb.append(l).append('\n');
      }
    }
    return sb.toString();
  }

  @Test
  public void dockerAndFail2banRulesAndOtherSetsStayByteIdentical() throws Exception {
    try (Netns net = Netns.create()) {
      ProcessRunner srv = net.server();
      load(srv, "ipset", FixtureRunner.resource("rulesets/ipset/cloudflare-cf-hashnet-2021.txt"),
          "restore");
      load(srv, "ipset", FixtureRunner.resource("rulesets/ipset/empty-hashnet-sets-duynguyen.txt"),
          "restore");
      load(srv, "ipset", FixtureRunner.resource("rulesets/ipset/fail2ban-crowdsec-derived.txt"),
          "restore");
      load(srv, "iptables-restore", FixtureRunner.resource(
          "rulesets/iptables/docker-isolation-iptables-nft-free5gc.txt"));
      load(srv, "ip6tables-restore", FixtureRunner.resource(
          "rulesets/iptables/docker-ip6tables-derived.txt"));
      String before = snapshot(net);
      ok(cfsync(net, "apply", listFile("a.txt", A), "--hook", "docker-user", "--policy",
          "restrict"), "apply on docker-user");
      String mid = snapshot(net);
      assertThat(tagged(mid)).isEqualTo(2);
      assertThat(mid).contains("-A DOCKER-USER -p tcp -m conntrack --ctstate DNAT --ctdir "
          + "ORIGINAL -m comment --comment cfsync -j CFSYNC\n-A DOCKER-USER -j RETURN\n");
      ok(cfsync(net, "apply", listFile("b.txt", B), "--hook", "docker-user", "--policy",
          "restrict"), "list change");
      ok(cfsync(net, "apply", listFile("b.txt", B), "--hook", "input"), "hook change");
      String after = snapshot(net);
      assertThat(after).isNotEqualTo(before);
      assertSameRuleset(foreign(after), foreign(before));
      assertThat(foreign(before)).contains("create cf hash:net", "-A DOCKER-USER -j RETURN",
          "f2b-sshd", "crowdsec6-blacklists-0", "DNAT --to-destination 10.100.200.5:5000");
    }
  }

  @Test
  public void anOldFail2banHostAndAnIpsetAllowlistStayByteIdentical() throws Exception {
    try (Netns net = Netns.create()) {
      ProcessRunner srv = net.server();
      load(srv, "ipset", FixtureRunner.resource("rulesets/ipset/cloudflare-cf-hashnet-2021.txt"),
          "restore");
      load(srv, "iptables-restore", FixtureRunner.resource(
          "rulesets/iptables/legacy-1.4.8-fail2ban-ssh-vpn.txt"));
      load(srv, "iptables-restore", FixtureRunner.resource(
          "rulesets/iptables/cloudflare-ipset-match-set.txt"), "--noflush");
      load(srv, "ip6tables-restore", FixtureRunner.resource(
          "rulesets/iptables/docker-ip6tables-derived.txt"));
      String before = snapshot(net);
      assertThat(before).contains("-A INPUT -p tcp -m set --match-set cf src -m tcp --dport 80 "
          + "-j ACCEPT", "-A fail2ban-ssh -j RETURN");
      Path a = listFile("a.txt", A);
      ok(cfsync(net, "apply", a, "--policy", "restrict", "--ports", "80,443,8000-8100"),
          "apply");
      ok(cfsync(net, "apply", listFile("b.txt", B), "--policy", "restrict"), "change");
      String after = snapshot(net);
      assertThat(tagged(after)).isEqualTo(2);
      assertSameRuleset(foreign(after), foreign(before));
    }
  }

  @Test
  public void aBadListExitsThreeAndLeavesEverythingByteIdentical() throws Exception {
    try (Netns net = Netns.create()) {
      ok(cfsync(net, "apply", listFile("a.txt", A)), "apply");
      String before = snapshot(net);
      Path bad = Files.writeString(tmp.resolve("bad.txt"), "173.245.48.0/20\n0.0.0.0/0\n"
          + "2606:4700::/32\n");
      Result r = cfsync(net, "apply", bad);
      assertThat(r.exitCode()).as(r.stderr()).isEqualTo(3);
      assertThat(r.stderr()).contains("0.0.0.0/0").contains("firewall unchanged");
      assertSameRuleset(snapshot(net), before);
    }
  }

  /**
   * A real refusal: DOCKER-USER exists for IPv4 (Docker without "ip6tables") but not for
   * IPv6, so ip6tables-restore rejects the jump after the IPv4 side was already changed.
   * Everything done before must be put back.
   */
  @Test
  public void aFailingRestoreExitsOneAndRollsBackWhatRanBeforeIt() throws Exception {
    try (Netns net = Netns.create()) {
      ok(cfsync(net, "apply", listFile("a.txt", A)), "apply");
      sh(net.server(), "iptables", "-N", "DOCKER-USER");
      String before = snapshot(net);
      Result r = cfsync(net, "apply", listFile("b.txt", B), "--hook", "docker-user",
          "--policy", "restrict");
      assertThat(r.exitCode()).as(r.stderr()).isEqualTo(1);
      assertThat(r.stderr()).contains("ip6tables-nft-restore exited 1 at line",
          "-I DOCKER-USER 1", "No chain/target/match by that name", "start Docker",
          "rolled back the");
      assertThat(r.stderr()).doesNotContain("undo step failed");
      assertSameRuleset(snapshot(net), before);
    }
  }

  @Test
  public void aRemovalOverMaxRemovalIsRefusedUntilForced() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(80);
      ok(cfsync(net, "apply", listFile("a.txt", A), "--policy", "restrict"), "apply");
      String before = snapshot(net);
      Path shrunk = listFile("shrunk.txt", SHRUNK);
      Result r = cfsync(net, "apply", shrunk, "--policy", "restrict");
      assertThat(r.exitCode()).as(r.stderr()).isEqualTo(3);
      assertThat(r.stderr()).contains("--max-removal", "--force");
      assertSameRuleset(snapshot(net), before);
      assertThat(net.connect(Netns.CF_V4_B, 80)).isEqualTo(Outcome.CONNECTED);
      ok(cfsync(net, "apply", shrunk, "--policy", "restrict", "--force"), "forced");
      assertThat(net.connect(Netns.CF_V4_B, 80)).as("104.16.0.10 left the list")
          .isEqualTo(Outcome.TIMEOUT);
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Outcome.CONNECTED);
      Result plan = cfsync(net, "plan", shrunk, "--policy", "restrict", "--detailed-exitcode");
      assertThat(plan.exitCode()).as(plan.stderr()).isZero();
    }
  }

  @Test
  public void killNineAtRandomPointsNeverLeavesAHalfStateAndTheNextRunConverges() throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(80);
      Path a = listFile("a.txt", A);
      Path b = listFile("b.txt", B);
      Desired shape = want(A, Policy.RESTRICT, Hook.INPUT, Action.DROP);
      ok(cfsync(net, "apply", a, "--policy", "restrict"), "first");
      Prober.Handle v4 = net.probe(Netns.CF_V4, 80, Duration.ofMillis(20)).awaitFirst();
      Prober.Handle v6 = net.probe(Netns.CF_V6, 80, Duration.ofMillis(20)).awaitFirst();
      // How long a whole list change takes here, so that the kills land all along a run
      // (JVM start, reads, each write step, verify) however fast or loaded this machine is.
      long t0 = System.nanoTime();
      ok(cfsync(net, "apply", b, "--policy", "restrict"), "timed change");
      long change = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      int killed = 0;
      for (int i = 0; i < 14; i++) {
        Process p = net.cfsync(tmp, cli("apply", i % 2 == 0 ? a : b, "--policy", "restrict"));
        long delay = ThreadLocalRandom.current().nextLong(change / 10, change * 6 / 5 + 1);
        if (!p.waitFor(delay, TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          killed++;
        }
        p.waitFor();
        for (Family f : Family.values()) {
          assertWhole(net, f, List.of(A, B), shape);
        }
      }
      ok(cfsync(net, "apply", a, "--policy", "restrict"), "converging run");
      Result plan = cfsync(net, "plan", a, "--policy", "restrict", "--detailed-exitcode");
      assertThat(plan.exitCode()).as("in sync after converging: %s %s", plan.stdout(),
          plan.stderr()).isZero();
      assertThat(snapshot(net)).doesNotContain("cfsync-t4", "cfsync-t6");
      Prober.Stats s4 = v4.stop();
      Prober.Stats s6 = v6.stop();
      assertThat(s4.failed()).as("%s", s4).isZero();
      assertThat(s6.failed()).as("%s", s6).isZero();
      assertThat(killed).as("some runs were killed mid-way").isPositive();
    }
  }

  @Test
  public void tenConcurrentAppliesSerializeAndEndConsistent() throws Exception {
    try (Netns net = Netns.create()) {
      Path a = listFile("a.txt", A);
      Path b = listFile("b.txt", B);
      List<Process> runs = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        runs.add(net.cfsync(tmp, cli("apply", i % 2 == 0 ? a : b, "--policy", "restrict")));
      }
      for (Process p : runs) {
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(err).isZero();
      }
      Desired shape = want(A, Policy.RESTRICT, Hook.INPUT, Action.DROP);
      for (Family f : Family.values()) {
        assertWhole(net, f, List.of(A, B), shape);
      }
      assertThat(tagged(snapshot(net))).isEqualTo(2);
      ok(cfsync(net, "apply", b, "--policy", "restrict"), "one more");
      Result plan = cfsync(net, "plan", b, "--policy", "restrict", "--detailed-exitcode");
      assertThat(plan.exitCode()).as(plan.stderr()).isZero();
    }
  }

  @Test
  public void dryRunPrintsExactlyWhatPlanPrintsAndDetailedExitcodeSaysPending() throws Exception {
    try (Netns net = Netns.create()) {
      Path a = listFile("a.txt", A);
      String empty = snapshot(net);
      Result plan = cfsync(net, "plan", a, "--detailed-exitcode", "--policy", "restrict");
      assertThat(plan.exitCode()).as(plan.stderr()).isEqualTo(2);
      Result dry = cfsync(net, "apply", a, "--dry-run", "--policy", "restrict");
      ok(dry, "dry-run");
      assertThat(dry.stdout()).isEqualTo(plan.stdout()).contains("-restore --noflush");
      assertThat(snapshot(net)).as("plan and dry-run write nothing").isEqualTo(empty);
      ok(cfsync(net, "apply", a, "--policy", "restrict"), "apply");
      Result again = cfsync(net, "plan", a, "--detailed-exitcode", "--policy", "restrict");
      assertThat(again.exitCode()).as(again.stderr()).isZero();
      assertThat(again.stdout()).isEmpty();
    }
  }

  /**
   * Docker's path for real: the server DNATs its ports 80/443 to a "container" namespace's
   * 8080 (and 8081 to 8081) and forwards. The jump sits in DOCKER-USER; only the original
   * ports 80/443 are restricted, although the packets there already carry port 8080.
   */
  @Test
  public void dockerUserRestrictsPublishedPortsByTheirOriginalPort() throws Exception {
    try (Netns net = Netns.create(); Container box = Container.attach(net)) {
      ProcessRunner srv = net.server();
      for (String[] fw : new String[][] {{"iptables", box.v4() + ":"}, {"ip6tables",
          box.v6() + ":"}}) {
        sh(srv, fw[0], "-N", "DOCKER-USER");
        sh(srv, fw[0], "-A", "FORWARD", "-j", "DOCKER-USER");
        sh(srv, fw[0], "-A", "DOCKER-USER", "-j", "RETURN");
        for (String[] map : new String[][] {{"80", "8080"}, {"443", "8080"}, {"8081", "8081"}}) {
          sh(srv, fw[0], "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "--dport", map[0], "-j",
              "DNAT", "--to-destination", fw[1] + map[1]);
        }
      }
      // A fresh IPv6 link forwards only once neighbour discovery on it has settled (~2 s).
      for (String other : List.of(Netns.OTHER_V4, Netns.OTHER_V6)) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        Outcome o;
        while ((o = net.connect(other, 80)) != Outcome.CONNECTED
            && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        assertThat(o).as("DNAT works before cfsync, %s", other).isEqualTo(Outcome.CONNECTED);
      }
      ok(cfsync(net, "apply", listFile("a.txt", A), "--hook", "docker-user", "--policy",
          "restrict", "--action", "reject"), "apply");
      for (int port : new int[] {80, 443}) {
        assertThat(net.connect(Netns.CF_V4, port)).isEqualTo(Outcome.CONNECTED);
        assertThat(net.connect(Netns.CF_V6, port)).isEqualTo(Outcome.CONNECTED);
        assertThat(net.connect(Netns.OTHER_V4, port)).isEqualTo(Outcome.REFUSED);
        assertThat(net.connect(Netns.OTHER_V6, port)).isEqualTo(Outcome.REFUSED);
      }
      assertThat(net.connect(Netns.OTHER_V4, 8081)).as("unprotected published port")
          .isEqualTo(Outcome.CONNECTED);
      assertThat(net.connect(Netns.OTHER_V6, 8081)).isEqualTo(Outcome.CONNECTED);
    }
  }
}
