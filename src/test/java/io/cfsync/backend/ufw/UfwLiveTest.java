package io.cfsync.backend.ufw;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.backend.Desired;
import io.cfsync.backend.Policy;
import io.cfsync.exec.Command;
import io.cfsync.exec.Result;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import io.cfsync.live.Netns.Outcome;
import io.cfsync.live.Prober;
import io.cfsync.live.UfwSandbox;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.sync.Log;
import io.cfsync.sync.Sync;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cfsync against real UFW 0.36 in a network namespace plus a private mount namespace holding
 * copies of UFW's configuration ({@link UfwSandbox}), with real TCP across a veth.
 */
@Live(tools = {"ufw", "socat", "iptables", "unshare", "nsenter"})
class UfwLiveTest {

  private static final Map<String, String> PROFILES = Map.of(
      "openssh-server", Fixtures.resource("applications.d/openssh-server"),
      "nginx", Fixtures.resource("applications.d/nginx"));

  @TempDir
  Path tmp;

  private Path list(String name, PrefixSet p) throws Exception {
    Path f = tmp.resolve(name);
    Files.writeString(f, p.prefixes().stream().map(Prefix::toString)
        .collect(Collectors.joining("\n", "", "\n")));
    return f;
  }

  /** Cloudflare's lists with one prefix of each family swapped: a one-prefix change. */
  private static PrefixSet changedList() {
    return Fixtures.cloudflare()
        .difference(Fixtures.prefixes("131.0.72.0/22", "2c0f:f248::/32"))
        .union(Fixtures.prefixes("131.0.76.0/22", "2c0f:f249::/32"));
  }

  private String[] apply(Path list, String... extra) {
    List<String> a = new ArrayList<>(List.of("apply", "--backend", "ufw", "--source",
        "file:" + list, "--state-dir", tmp.resolve("state").toString()));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  private static String read(Path p) throws Exception {
    return Files.readString(p, StandardCharsets.ISO_8859_1);
  }

  private record FileId(Object inode, Object mtime, String content) {}

  private static FileId id(Path p) throws Exception {
    return new FileId(Files.readAttributes(p, "unix:ino").get("ino"),
        Files.getLastModifiedTime(p), read(p));
  }

  @Test
  void cloudflareConnectsOthersDoNotAndUfwTreatsTheRulesAsItsOwn() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, tmp)) {
      ufw.baseline();
      net.listen(80, 443);
      assertThat(net.connect(Netns.CF_V4, 443)).isEqualTo(Outcome.TIMEOUT);

      Result r = ufw.cfsyncRun(apply(list("cf.txt", Fixtures.cloudflare())));
      assertThat(r.exitCode()).as(r.stderr()).isZero();

      for (String from : List.of(Netns.CF_V4, Netns.CF_V4_B, Netns.CF_V6)) {
        for (int port : new int[] {80, 443}) {
          assertThat(net.connect(from, port)).as(from + " " + port).isEqualTo(Outcome.CONNECTED);
        }
      }
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(Outcome.TIMEOUT);
      assertThat(net.connect(Netns.OTHER_V6, 443)).isEqualTo(Outcome.TIMEOUT);

      // UFW lists them, comments included.
      String status = ufw.ufwCheck("status").stdout();
      for (Prefix p : Fixtures.cloudflare().prefixes()) {
        assertThat(status).containsPattern("80,443/tcp +ALLOW +" + java.util.regex.Pattern
            .quote(p.toString()) + " +# cfsync");
      }
      // A reload of UFW rebuilds exactly the chains cfsync loaded.
      String loaded = ufw.chains();
      ufw.ufwCheck("reload");
      assertThat(ufw.chains()).isEqualTo(loaded);
      // ufw delete works on them, and the next run puts the rule back.
      assertThat(ufw.ufwCheck("delete", "allow", "proto", "tcp", "from", "173.245.48.0/20",
          "to", "any", "port", "80,443").stdout()).contains("Rule deleted");
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Outcome.TIMEOUT);
      assertThat(ufw.cfsyncRun(apply(tmp.resolve("cf.txt"))).exitCode()).isZero();
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Outcome.CONNECTED);
      assertThat(UfwSandbox.hostUfwHashes()).isEqualTo(ufw.hostHashesAtStart());
    }
  }

  @Test
  void fileModeWritesTheVeryFilesThatUfwsOwnCommandsWrite() throws Exception {
    Path a = Files.createDirectories(tmp.resolve("a"));
    Path b = Files.createDirectories(tmp.resolve("b"));
    try (Netns netA = Netns.create(); UfwSandbox file = UfwSandbox.create(netA, a);
        Netns netB = Netns.create(); UfwSandbox cli = UfwSandbox.create(netB, b)) {
      for (UfwSandbox s : List.of(file, cli)) {
        s.install(Fixtures.nutratech(Family.V4), Fixtures.nutratech(Family.V6), PROFILES);
        s.enable();
      }
      Path cf = list("cf.txt", Fixtures.cloudflare());
      Path changed = list("changed.txt", changedList());
      for (Path l : List.of(cf, changed)) {
        Result rf = file.cfsyncRun(apply(l));
        Result rc = cli.cfsyncRun(apply(l, "--ufw-mode", "cli"));
        assertThat(rf.exitCode()).as(rf.stderr()).isZero();
        assertThat(rc.exitCode()).as(rc.stderr()).isZero();
        for (boolean v6 : new boolean[] {false, true}) {
          assertThat(read(file.rules(v6))).isEqualTo(read(cli.rules(v6)));
        }
        assertThat(file.chains()).isEqualTo(cli.chains());
      }
      assertThat(read(file.rules(false))).isEqualTo(
          Fixtures.golden("nutratech-cf-change.user.rules"));
      assertThat(read(file.rules(true))).isEqualTo(
          Fixtures.golden("nutratech-cf-change.user6.rules"));
      // The previous file is kept as a backup.
      assertThat(read(file.etcUfw().resolve("user.rules.cfsync-bak"))).isEqualTo(
          Fixtures.golden("nutratech-cf.user.rules"));
    }
  }

  @Test
  void operatorRulesAndAppProfilesSurviveByteIdentical() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, tmp)) {
      ufw.install(Fixtures.nutratech(Family.V4), Fixtures.nutratech(Family.V6), PROFILES);
      ufw.enable();
      ufw.ufwCheck("allow", "Nginx Full");
      ufw.ufwCheck("allow", "proto", "tcp", "from", "173.245.48.0/20", "to", "any", "port",
          "8443");
      String[] before = {read(ufw.rules(false)), read(ufw.rules(true))};
      String chainsBefore = ufw.chains();
      net.listen(80);

      Result r = ufw.cfsyncRun(apply(list("cf.txt", Fixtures.cloudflare()), "--policy",
          "restrict"));
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      // restrict reports the operator's broader allows, and leaves them.
      assertThat(r.stderr()).contains("\"allow tcp 80 from anywhere\"",
          "\"allow app 'Nginx Full' (tcp 80,443) from anywhere\"",
          "\"allow tcp+udp 443 from anywhere\"",
          "\"allow tcp 8443 from 173.245.48.0/20\" names a Cloudflare address but is not "
              + "tagged cfsync");
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(Outcome.CONNECTED);

      for (int i = 0; i < 2; i++) {
        String after = read(ufw.rules(i == 1));
        assertThat(withoutCfsyncBlocks(after)).isEqualTo(before[i]);
      }
      assertThat(withoutCfsyncRules(ufw.chains())).isEqualTo(chainsBefore);
      assertThat(ufw.ufwCheck("status").stdout()).contains("Nginx Full", "OpenSSH");
    }
  }

  /** The file with every block tagged cfsync cut out (with the blank line before it). */
  private static String withoutCfsyncBlocks(String content) {
    return content.replaceAll("\n### tuple ### [^\n]* comment=636673796e63\n(-A [^\n]*\n)+",
        "");
  }

  private static String withoutCfsyncRules(String chains) {
    StringBuilder sb = new StringBuilder();
    for (String line : chains.split("\n")) {
      boolean ours = Fixtures.cloudflare().prefixes().stream()
          .anyMatch(p -> line.contains("-s " + p + " -p tcp -m multiport --dports 80,443 -j "
              + "ACCEPT"));
      if (!ours) {
        sb.append(line).append('\n');
      }
    }
    return sb.toString();
  }

  @Test
  void aFailingRestoreLeavesFilesAndChainsAsTheyWere() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, tmp)) {
      ufw.baseline();
      // A hand edit UFW has not loaded: ip6tables-restore will refuse the file.
      String v6 = read(ufw.rules(true)).replace("### END RULES ###",
          "-A ufw6-user-input -j no-such-chain\n\n### END RULES ###");
      Files.writeString(ufw.rules(true), v6, StandardCharsets.ISO_8859_1);
      FileId v4Before = id(ufw.rules(false));
      FileId v6Before = id(ufw.rules(true));
      String chains = ufw.chains();

      Result r = ufw.cfsyncRun(apply(list("cf.txt", Fixtures.cloudflare())));

      assertThat(r.exitCode()).as(r.stderr()).isEqualTo(1);
      assertThat(r.stderr()).contains("ip6tables-restore exited 2",
          "UFW's rule files and chains are as before");
      assertThat(id(ufw.rules(false))).isEqualTo(v4Before);
      assertThat(id(ufw.rules(true))).isEqualTo(v6Before);
      assertThat(ufw.chains()).isEqualTo(chains);
      assertThat(ufw.etcUfw().resolve("user.rules.cfsync-new")).doesNotExist();
    }
  }

  @Test
  void aBadListLeavesFilesAndChainsAsTheyWere() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, tmp)) {
      ufw.baseline();
      assertThat(ufw.cfsyncRun(apply(list("cf.txt", Fixtures.cloudflare()))).exitCode())
          .isZero();
      FileId v4 = id(ufw.rules(false));
      FileId v6 = id(ufw.rules(true));
      String chains = ufw.chains();
      Path bad = tmp.resolve("bad.txt");
      Files.writeString(bad, read(tmp.resolve("cf.txt")) + "0.0.0.0/0\n");

      Result r = ufw.cfsyncRun(apply(bad));

      assertThat(r.exitCode()).as(r.stderr()).isEqualTo(3);
      assertThat(id(ufw.rules(false))).isEqualTo(v4);
      assertThat(id(ufw.rules(true))).isEqualTo(v6);
      assertThat(ufw.chains()).isEqualTo(chains);
    }
  }

  @Test
  void aSecondRunWithTheSameListWritesNothing() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, tmp)) {
      ufw.baseline();
      net.listen(80);
      Path cf = list("cf.txt", Fixtures.cloudflare());
      assertThat(ufw.cfsyncRun(apply(cf)).exitCode()).isZero();
      // Traffic through cfsync's rule, so that a reload (counters back to 0) would show.
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Outcome.CONNECTED);
      FileId v4 = id(ufw.rules(false));
      FileId v6 = id(ufw.rules(true));
      String counted = counters(ufw);
      assertThat(counted).contains("-s 173.245.48.0/20").doesNotContain(
          "[0:0] -A ufw-user-input -s 173.245.48.0/20");

      for (String mode : List.of("file", "cli")) {
        Result r = ufw.cfsyncRun(apply(cf, "--ufw-mode", mode));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stderr()).contains("in sync");
        assertThat(id(ufw.rules(false))).isEqualTo(v4);
        assertThat(id(ufw.rules(true))).isEqualTo(v6);
        assertThat(counters(ufw)).isEqualTo(counted);
      }
    }
  }

  private static String counters(UfwSandbox ufw) {
    return ufw.runner().check(Command.of("iptables-save", "-c", "-t", "filter")).stdout()
        .lines().filter(l -> l.contains("ufw-user-input")).collect(Collectors.joining("\n"));
  }

  @Test
  void convergesWhenAFileWasWrittenButNeverLoaded() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, tmp)) {
      ufw.baseline();
      net.listen(80);
      Path cf = list("cf.txt", Fixtures.cloudflare());
      assertThat(ufw.cfsyncRun(apply(cf)).exitCode()).isZero();
      // What a kill between rename and load leaves: the new file, the old chain.
      String v4 = read(ufw.rules(false));
      String withoutCfV4 = v4.replaceAll(
          "\n### tuple ### allow tcp 80,443 0.0.0.0/0 any 173.245.48.0/20 [^\n]*\n-A [^\n]*\n",
          "");
      Files.writeString(ufw.rules(false), withoutCfV4, StandardCharsets.ISO_8859_1);
      ufw.runner().check(Command.of("iptables-restore", "-n", "/etc/ufw/user.rules"));
      Files.writeString(ufw.rules(false), v4, StandardCharsets.ISO_8859_1);
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Outcome.TIMEOUT);

      Result plan = ufw.cfsyncRun("plan", "--backend", "ufw", "--source", "file:" + cf,
          "--state-dir", tmp.resolve("state").toString());
      assertThat(plan.stdout()).contains("iptables-restore -n /etc/ufw/user.rules")
          .doesNotContain("patch");
      assertThat(ufw.cfsyncRun(apply(cf)).exitCode()).isZero();
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Outcome.CONNECTED);
    }
  }

  @Test
  void killedMidApplyLeavesOldOrNewAndTheNextRunConverges() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, tmp)) {
      ufw.baseline();
      Path oldList = list("old.txt", Fixtures.cloudflare());
      Path newList = list("new.txt", changedList());
      // old, new, old: from then on both states are fixed (cfsync appends what it adds).
      assertThat(ufw.cfsyncRun(apply(oldList)).exitCode()).isZero();
      long t0 = System.nanoTime();
      assertThat(ufw.cfsyncRun(apply(newList)).exitCode()).isZero();
      long full = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      String[] newFiles = {read(ufw.rules(false)), read(ufw.rules(true))};
      String[] newChains = {ufw.chains(false), ufw.chains(true)};
      assertThat(ufw.cfsyncRun(apply(oldList)).exitCode()).isZero();
      String[] oldFiles = {read(ufw.rules(false)), read(ufw.rules(true))};
      String[] oldChains = {ufw.chains(false), ufw.chains(true)};
      Random rnd = new Random(7);
      Map<String, Integer> states = new java.util.TreeMap<>();
      int killed = 0;
      for (int round = 0; round < 10; round++) {
        Process p = ufw.cfsync(apply(newList));
        // Kill at a random point of the run's second half, where it reads, writes, loads
        // and verifies (the first half is mostly the JVM starting).
        p.waitFor(full / 2 + rnd.nextInt((int) Math.max(1, full / 2)), TimeUnit.MILLISECONDS);
        if (p.isAlive()) {
          killed++;
        }
        p.destroyForcibly();
        p.waitFor();
        // Each family is one transaction: its file and its chain are each old or new.
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < 2; i++) {
          String file = read(ufw.rules(i == 1));
          String chain = ufw.chains(i == 1);
          assertThat(file).isIn(oldFiles[i], newFiles[i]);
          assertThat(chain).isIn(oldChains[i], newChains[i]);
          seen.append(i == 0 ? "v4 file " : ", v6 file ").append(file.equals(newFiles[i])
              ? "new" : "old").append(" chain ").append(chain.equals(newChains[i]) ? "new"
              : "old");
        }
        states.merge(seen.toString(), 1, Integer::sum);
        Result next = ufw.cfsyncRun(apply(newList));
        assertThat(next.exitCode()).as(next.stderr()).isZero();
        assertThat(read(ufw.rules(false))).isEqualTo(newFiles[0]);
        assertThat(read(ufw.rules(true))).isEqualTo(newFiles[1]);
        assertThat(ufw.chains(false)).isEqualTo(newChains[0]);
        assertThat(ufw.chains(true)).isEqualTo(newChains[1]);
        assertThat(ufw.cfsyncRun(apply(oldList)).exitCode()).isZero();
      }
      assertThat(killed).as("runs killed before they finished").isPositive();
      System.out.println("kill -9 mid-apply: " + killed + " of 10 runs killed; states seen: "
          + states);
    }
  }

  @Test
  void killedBetweenLoadingIpv4AndIpv6LeavesEachFamilyWholeAndTheNextRunConverges()
      throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, tmp)) {
      ufw.baseline();
      net.listen(80);
      Path cf = list("cf.txt", Fixtures.cloudflare());
      String[] oldFiles = {read(ufw.rules(false)), read(ufw.rules(true))};
      String oldV6Chain = ufw.chains(true);
      // An ip6tables-restore that reports in and then hangs: cfsync has written both files
      // and loaded IPv4 when it runs, so the kill lands at the worst point there is.
      Path bin = Files.createDirectories(tmp.resolve("bin"));
      Path mark = tmp.resolve("ip6-restore-started");
      Path fake = bin.resolve("ip6tables-restore");
      Files.writeString(fake, "#!/bin/sh\ntouch '" + mark + "'\nexec sleep 600\n");
      fake.toFile().setExecutable(true);
      List<String> argv = new ArrayList<>(ufw.prefix());
      argv.addAll(List.of("env", "PATH=" + bin + ":/usr/sbin:/usr/bin:/sbin:/bin"));
      argv.addAll(ufw.cfsyncCommand(apply(cf)));
      Process p = new ProcessBuilder(argv).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(mark) && System.nanoTime() < deadline) {
        if (p.waitFor(10, TimeUnit.MILLISECONDS)) {
          break;
        }
      }
      assertThat(mark).as("cfsync reached ip6tables-restore").exists();
      List<ProcessHandle> children = p.descendants().toList();
      p.destroyForcibly();
      p.waitFor();
      children.forEach(ProcessHandle::destroyForcibly);

      assertThat(read(ufw.rules(false))).isNotEqualTo(oldFiles[0]).contains("173.245.48.0/20");
      assertThat(read(ufw.rules(true))).isNotEqualTo(oldFiles[1]).contains("2606:4700::/32");
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Outcome.CONNECTED);
      assertThat(ufw.chains(true)).isEqualTo(oldV6Chain);
      assertThat(net.connect(Netns.CF_V6, 80)).isEqualTo(Outcome.TIMEOUT);

      Result next = ufw.cfsyncRun(apply(cf));
      assertThat(next.exitCode()).as(next.stderr()).isZero();
      assertThat(net.connect(Netns.CF_V6, 80)).isEqualTo(Outcome.CONNECTED);
      assertThat(ufw.cfsyncRun(apply(cf)).stderr()).contains("in sync");
    }
  }

  @Test
  void waitsForARunningUfwAsUfwItselfDoes() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, tmp)) {
      ufw.baseline();
      List<String> holder = new ArrayList<>(ufw.prefix());
      // UFW's own locking call, by a process standing in for a long ufw run.
      holder.addAll(List.of("python3", "-c", "import fcntl,sys; f=open('/run/ufw.lock','w'); "
          + "fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()"));
      Process lock = new ProcessBuilder(holder).start();
      try {
        assertThat(new BufferedReader(new InputStreamReader(lock.getInputStream(),
            StandardCharsets.UTF_8)).readLine()).isEqualTo("locked");
        String before = read(ufw.rules(false));
        Process run = ufw.cfsync(apply(list("cf.txt", Fixtures.cloudflare())));
        assertThat(run.waitFor(8, TimeUnit.SECONDS)).as("cfsync finished while UFW's lock was "
            + "held").isFalse();
        assertThat(read(ufw.rules(false))).isEqualTo(before);
        lock.getOutputStream().close();
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).isZero();
        assertThat(read(ufw.rules(false))).contains("173.245.48.0/20 in comment=");
      } finally {
        lock.destroyForcibly();
      }
    }
  }

  @Test
  void hundredReappliesAlternatingListsNeverRefuseCloudflare() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, tmp)) {
      ufw.baseline();
      net.listen(80);
      UfwBackend backend = new UfwBackend(sandboxPaths(ufw));
      Sync sync = new Sync(backend, ufw.runner(), Log.SILENT);
      Desired a = Fixtures.desired(Fixtures.cloudflare(), "file");
      Desired b = Fixtures.desired(changedList(), "file");
      sync.apply(sync.prepare(a, false, 25, false), ufw.runner());
      Prober.Handle v4 = net.probe(Netns.CF_V4, 80, Duration.ofMillis(20)).awaitFirst();
      Prober.Handle v6 = net.probe(Netns.CF_V6, 80, Duration.ofMillis(20)).awaitFirst();
      Prober.Handle other = net.probe(Netns.OTHER_V4, 80, Duration.ofMillis(20)).awaitFirst();
      int changes = 0;
      for (int i = 0; i < 100; i++) {
        Sync.Prepared p = sync.prepare(i % 2 == 0 ? b : a, false, 25, false);
        changes += p.plan().isEmpty() ? 0 : 1;
        sync.apply(p, ufw.runner());
      }
      Prober.Stats s4 = v4.stop();
      Prober.Stats s6 = v6.stop();
      Prober.Stats so = other.stop();
      assertThat(changes).isEqualTo(100);
      assertThat(s4.connected()).as("%s", s4).isPositive();
      assertThat(s4.refused() + s4.timeouts() + s4.errors()).as("%s", s4).isZero();
      assertThat(s6.refused() + s6.timeouts() + s6.errors()).as("%s", s6).isZero();
      assertThat(so.connected()).as("%s", so).isZero();
    }
  }

  @Test
  void cliModeChangesNeverRefuseCloudflareEither() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, tmp)) {
      ufw.baseline();
      net.listen(80);
      Sync sync = new Sync(new UfwBackend(sandboxPaths(ufw)), ufw.runner(), Log.SILENT);
      Desired a = Fixtures.desired(Fixtures.cloudflare(), "cli");
      Desired b = Fixtures.desired(changedList(), "cli");
      sync.apply(sync.prepare(a, false, 25, false), ufw.runner());
      Prober.Handle v4 = net.probe(Netns.CF_V4, 80, Duration.ofMillis(20)).awaitFirst();
      Prober.Handle other = net.probe(Netns.OTHER_V4, 80, Duration.ofMillis(20)).awaitFirst();
      for (int i = 0; i < 6; i++) {
        Sync.Prepared p = sync.prepare(i % 2 == 0 ? b : a, false, 25, false);
        assertThat(p.plan().commands()).hasSize(4);
        sync.apply(p, ufw.runner());
      }
      Prober.Stats s4 = v4.stop();
      Prober.Stats so = other.stop();
      assertThat(s4.connected()).as("%s", s4).isPositive();
      assertThat(s4.refused() + s4.timeouts() + s4.errors()).as("%s", s4).isZero();
      assertThat(so.connected()).as("%s", so).isZero();
    }
  }

  @Test
  void restrictCanSetUfwsDefaultToDenyWhenAskedTo() throws Exception {
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, tmp)) {
      ufw.ufwCheck("default", "allow", "incoming");
      ufw.ufwCheck("allow", "22/tcp");
      ufw.enable();
      net.listen(80);
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(Outcome.CONNECTED);
      Path cf = list("cf.txt", Fixtures.cloudflare());

      Result report = ufw.cfsyncRun(apply(cf, "--policy", "restrict"));
      assertThat(report.exitCode()).as(report.stderr()).isZero();
      assertThat(report.stderr()).contains("UFW's default incoming policy is allow");
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(Outcome.CONNECTED);

      Result change = ufw.cfsyncRun(apply(cf, "--policy", "restrict", "--ufw-default-deny"));
      assertThat(change.exitCode()).as(change.stderr()).isZero();
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(Outcome.TIMEOUT);
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(Outcome.CONNECTED);
      assertThat(ufw.ufwCheck("status", "verbose").stdout()).contains("deny (incoming)");
    }
  }

  /** The sandbox's copies, seen from the host: for in-process runs of the backend. */
  static UfwPaths sandboxPaths(UfwSandbox ufw) {
    Path etc = ufw.etcUfw();
    return new UfwPaths(etc.resolve("user.rules"), etc.resolve("user6.rules"),
        etc.resolve("ufw.conf"), etc.getParent().resolve("default-ufw"),
        etc.getParent().resolve("ufw.lock"));
  }
}
