package io.cfsync.bench;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.backend.nftables.NftablesBackend;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.live.Netns;
import io.cfsync.live.Prober;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.source.BuiltinSource;
import io.cfsync.sync.Log;
import io.cfsync.sync.Sync;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The nftables backend against its floor, in a throw-away network namespace (run as root):
 * raw {@code nft -f} of 100,000 interval elements from a prepared file, then cfsync applying
 * the same prefixes (in-process through {@link Sync}, and as the CLI), Cloudflare's list's
 * first apply, a no-op run next to a bare JVM start, peak memory, and a Cloudflare client
 * probing every 20 ms through every 100k apply. Prints figures; asserts nothing.
 *
 * <p>Run: {@code bin/bench nftables} (builds, then runs this class with the test classpath).
 */
public final class NftablesBench {

  static final int N = 100_000;
  static final int RUNS = 3;

  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("cfsync-nft-bench");
    try (Netns net = Netns.create()) {
      new NftablesBench(net, work).run();
    } finally {
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** A JVM that does nothing: the floor under any CLI run. */
  public static final class Hello {
    public static void main(String[] args) {
      System.out.println("hello");
    }
  }

  private final Netns net;
  private final Path work;
  private final ProcessRunner srv;

  NftablesBench(Netns net, Path work) {
    this.net = net;
    this.work = work;
    this.srv = net.server();
  }

  void run() throws Exception {
    PrefixSet cf = builtin();
    List<Prefix> filler = spaced(N - cf.prefixes().size(), 0);
    PrefixSet big = cf.union(PrefixSet.of(filler));
    PrefixSet big2 = cf.union(PrefixSet.of(spaced(N - cf.prefixes().size(), 1)));
    System.out.printf(Locale.ROOT, "load average at start: %s%n", Files.readString(
        Path.of("/proc/loadavg")).strip());
    System.out.printf(Locale.ROOT, "nftables benchmark: nft %s, %d cores, %d prefixes "
        + "(%d IPv4 /24s + Cloudflare's %d)%n", nftVersion(), Runtime.getRuntime()
        .availableProcessors(), big.prefixes().size(), filler.size(), cf.prefixes().size());
    net.listen(80);

    // Floor: raw nft -f of the same elements, one set per family, from a prepared file.
    Path raw = work.resolve("raw.nft");
    Files.writeString(raw, rawScript(big));
    double[] rawTimes = new double[RUNS];
    double[] rawCpu = new double[RUNS];
    // Control: the same prober while raw nft loads a table that does not filter anything. A
    // failure here is the machine (a starved 1 s connect timeout), not a firewall change.
    Prober.Handle control = net.probe(Netns.CF_V4, 80, Duration.ofMillis(20)).awaitFirst();
    for (int i = 0; i < RUNS; i++) {
      rawTimes[i] = timed(() -> srv.check(Command.of("nft", "-f", raw.toString())
          .withTimeout(Duration.ofMinutes(5))));
      rawCpu[i] = lastCpu;
      double list = timed(() -> srv.check(Command.of("nft", "-j", "list", "table", "inet",
          "rawbench")));
      if (i == 0) {
        System.out.printf(Locale.ROOT, "  (one 100k-element set lists in %.2f s: why cfsync "
            + "splits sets at 4096)%n", list);
      }
      srv.check(Command.of("nft", "delete", "table", "inet", "rawbench"));
    }
    Prober.Stats controlStats = control.stop();
    double rawMedian = median(rawTimes);
    double rawCpuMedian = median(rawCpu);
    System.out.printf(Locale.ROOT, "raw nft -f, %d elements from a file:     median %.2f s  %s"
        + "  cpu %.2f s %s%n", N, rawMedian, fmt(rawTimes), rawCpuMedian, fmt(rawCpu));
    System.out.printf(Locale.ROOT, "  control probes during raw loads (no filtering at all): %s%n",
        controlStats);

    // cfsync in-process: read + plan + one nft -f + verifying re-read, CF client probed.
    NftablesBackend backend = new NftablesBackend();
    Desired want = desired(big);
    double[] first = new double[RUNS];
    double[] firstCpu = new double[RUNS];
    double[] read = new double[RUNS];
    double[] readCpu = new double[RUNS];
    List<Prober.Stats> stats = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      srv.run(Command.of("nft", "delete", "table", "inet", "cfsync"));
      // The prober needs the edge let in while the table is absent: it is (no table, no rule).
      Prober.Handle probe = net.probe(Netns.CF_V4, 80, Duration.ofMillis(20)).awaitFirst();
      Sync sync = new Sync(backend, srv, Log.SILENT);
      first[i] = timed(() -> sync.apply(sync.prepare(want, false, 100, true), srv));
      firstCpu[i] = lastCpu;
      stats.add(probe.stop());
      read[i] = timed(() -> backend.read(srv, want));
      readCpu[i] = lastCpu;
    }
    double firstMedian = median(first);
    System.out.printf(Locale.ROOT, "cfsync first apply (read+plan+nft+verify): median %.2f s  "
        + "%s = %.2fx raw;  cpu %.2f s %s = %.2fx raw%n", firstMedian, fmt(first),
        firstMedian / rawMedian, median(firstCpu), fmt(firstCpu), median(firstCpu)
        / rawCpuMedian);
    System.out.printf(Locale.ROOT, "  of which one read of the 100k installed: median %.2f s  "
        + "%s  cpu %.2f s%n", median(read), fmt(read), median(readCpu));

    double[] change = new double[RUNS];
    double[] changeCpu = new double[RUNS];
    for (int i = 0; i < RUNS; i++) {
      Prober.Handle probe = net.probe(Netns.CF_V4, 80, Duration.ofMillis(20)).awaitFirst();
      Sync sync = new Sync(backend, srv, Log.SILENT);
      Desired target = desired(i % 2 == 0 ? big2 : big);
      change[i] = timed(() -> sync.apply(sync.prepare(target, false, 100, true), srv));
      changeCpu[i] = lastCpu;
      stats.add(probe.stop());
    }
    System.out.printf(Locale.ROOT, "cfsync replace all 100k (flush+add):       median %.2f s  "
        + "%s = %.2fx raw;  cpu %.2f s = %.2fx raw%n", median(change), fmt(change),
        median(change) / rawMedian, median(changeCpu), median(changeCpu) / rawCpuMedian);
    double[] noop = new double[RUNS];
    double[] noopCpu = new double[RUNS];
    for (int i = 0; i < RUNS; i++) {
      Sync sync = new Sync(backend, srv, Log.SILENT);
      Desired same = desired(RUNS % 2 == 1 ? big2 : big);
      noop[i] = timed(() -> sync.apply(sync.prepare(same, false, 100, true), srv));
      noopCpu[i] = lastCpu;
    }
    System.out.printf(Locale.ROOT, "cfsync no-op with 100k installed:          median %.2f s  "
        + "%s  cpu %.2f s%n", median(noop), fmt(noop), median(noopCpu));
    System.out.printf(Locale.ROOT, "CF client probes during the 100k applies: %d failed of %d "
        + "%s%n", stats.stream().mapToInt(Prober.Stats::failed).sum(), stats.stream()
        .mapToInt(Prober.Stats::total).sum(), stats);
    System.out.printf(Locale.ROOT, "peak RSS of this benchmark JVM (VmHWM):    %s%n", vmHwm());

    // The CLI as cron runs it: a fresh JVM each time.
    Path bigList = work.resolve("big.txt");
    Files.writeString(bigList, lines(big));
    srv.run(Command.of("nft", "delete", "table", "inet", "cfsync"));
    Prober.Handle probe = net.probe(Netns.CF_V4, 80, Duration.ofMillis(20)).awaitFirst();
    Cli cliBig = cli("apply", "--source", "file:" + bigList, "--force");
    Prober.Stats ps = probe.stop();
    System.out.printf(Locale.ROOT, "CLI apply of 100k (file: source):          %.2f s (cpu "
        + "%.2f s), peak RSS %d MB, probes %d failed of %d %s%n", cliBig.seconds, cliBig.cpu,
        cliBig.peakKb / 1024, ps.failed(), ps.total(), ps);
    Cli cliBigNoop = cli("apply", "--source", "file:" + bigList);
    System.out.printf(Locale.ROOT, "CLI no-op with 100k installed:             %.2f s (cpu "
        + "%.2f s), peak RSS %d MB%n", cliBigNoop.seconds, cliBigNoop.cpu,
        cliBigNoop.peakKb / 1024);

    srv.run(Command.of("nft", "delete", "table", "inet", "cfsync"));
    double[] cfFirst = new double[RUNS];
    double[] cfNoop = new double[RUNS];
    double[] hello = new double[RUNS];
    long cfPeak = 0;
    for (int i = 0; i < RUNS; i++) {
      srv.run(Command.of("nft", "delete", "table", "inet", "cfsync"));
      Cli a = cli("apply", "--source", "builtin");
      cfFirst[i] = a.seconds;
      cfPeak = Math.max(cfPeak, a.peakKb);
      cfNoop[i] = cli("apply", "--source", "builtin").seconds;
      hello[i] = java(Hello.class.getName()).seconds;
    }
    System.out.printf(Locale.ROOT, "CLI first apply of Cloudflare's list:      median %.2f s  "
        + "%s, peak RSS %d MB%n", median(cfFirst), fmt(cfFirst), cfPeak / 1024);
    System.out.printf(Locale.ROOT, "CLI no-op, Cloudflare's list:              median %.2f s  "
        + "%s%n", median(cfNoop), fmt(cfNoop));
    System.out.printf(Locale.ROOT, "bare JVM start (same flags, hello world):  median %.2f s  "
        + "%s%n", median(hello), fmt(hello));
    System.out.printf(Locale.ROOT, "load average at end: %s%n", Files.readString(
        Path.of("/proc/loadavg")).strip());
  }

  record Cli(double seconds, long peakKb, double cpu, Result result) {}

  /** The CLI in the namespace under GNU time, with the flags bin/cfsync uses. */
  Cli cli(String... args) {
    List<String> a = new ArrayList<>(List.of("io.cfsync.cli.Main"));
    a.addAll(List.of(args));
    a.addAll(List.of("--state-dir", work.resolve("state").toString(), "-q"));
    Cli c = java(a.toArray(String[]::new));
    if (!c.result.ok()) {
      throw new IllegalStateException("cfsync " + String.join(" ", args) + " exited "
          + c.result.exitCode() + ": " + c.result.stderr());
    }
    return c;
  }

  Cli java(String... mainAndArgs) {
    Path timeOut = work.resolve("time.txt");
    List<String> argv = new ArrayList<>(List.of("/usr/bin/time", "-o", timeOut.toString(), "-f",
        "%e %M %U %S", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-cp",
        System.getProperty("java.class.path")));
    argv.addAll(Arrays.asList(mainAndArgs));
    Result r = srv.run(new Command(ImmutableList.copyOf(argv), java.util.Optional.empty(),
        Duration.ofMinutes(5)));
    try {
      String[] t = Files.readString(timeOut).strip().split("\\s+");
      int n = t.length;
      return new Cli(Double.parseDouble(t[n - 4]), Long.parseLong(t[n - 3]),
          Double.parseDouble(t[n - 2]) + Double.parseDouble(t[n - 1]), r);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Desired desired(PrefixSet p) {
    return new Desired(p, ImmutableSet.of(Family.V4, Family.V6), PortRange.parseList("80,443"),
        Policy.RESTRICT, Hook.INPUT, Action.DROP, PrefixSet.empty(), Naming.DEFAULT,
        ImmutableMap.of());
  }

  static PrefixSet builtin() throws IOException {
    List<Prefix> out = new ArrayList<>();
    for (String f : List.of("ips-v4.txt", "ips-v6.txt")) {
      try (var in = BuiltinSource.class.getResourceAsStream("/io/cfsync/source/builtin/" + f)) {
        new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
            .filter(l -> !l.isEmpty()).map(Prefix::parse).forEach(out::add);
      }
    }
    return PrefixSet.of(out);
  }

  /** Public /24s from 11.0.0.0 that never touch, so they do not collapse. */
  static List<Prefix> spaced(int n, int offset) {
    BigInteger base = new BigInteger(1, Prefix.parse("11.0.0.0/8").network().getAddress());
    List<Prefix> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(Prefix.of(Family.V4, base.add(BigInteger.valueOf((2L * i + offset) * 256)), 24));
    }
    return out;
  }

  static String rawScript(PrefixSet p) {
    StringBuilder sb = new StringBuilder("table inet rawbench {\n"
        + "\tset s4 { type ipv4_addr; flags interval; }\n"
        + "\tset s6 { type ipv6_addr; flags interval; }\n}\n");
    for (Family f : Family.values()) {
      List<Prefix> all = p.prefixes(f);
      for (int i = 0; i < all.size(); i += 1024) {
        sb.append("add element inet rawbench s").append(f.digit()).append(" { ");
        List<Prefix> chunk = all.subList(i, Math.min(all.size(), i + 1024));
        for (int j = 0; j < chunk.size(); j++) {
          sb.append(j == 0 ? "" : ", ").append(chunk.get(j));
        }
        sb.append(" }\n");
      }
    }
    return sb.toString();
  }

  static String lines(PrefixSet p) {
    StringBuilder sb = new StringBuilder();
    for (Prefix x : p.prefixes()) {
      sb.append(x).append('\n');
    }
    return sb.toString();
  }

  String nftVersion() {
    return srv.check(Command.of("nft", "--version")).stdout().strip().split(" ")[1];
  }

  static String vmHwm() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(l -> l.startsWith("VmHWM")).findFirst().orElse("?").replaceAll("\\s+", " ");
  }

  interface Step {
    void run() throws Exception;
  }

  /** CPU seconds of the last {@link #timed} step: this JVM plus the tools it waited for. */
  static double lastCpu;

  /**
   * Wall seconds of {@code s}; its CPU time goes to {@link #lastCpu}. This machine's cores are
   * shared, so wall time swings with the neighbours' load and CPU time is the steadier figure.
   */
  static double timed(Step s) throws Exception {
    double c0 = cpu();
    long t0 = System.nanoTime();
    s.run();
    double wall = (System.nanoTime() - t0) / 1e9;
    lastCpu = cpu() - c0;
    return wall;
  }

  /** utime + stime + cutime + cstime of this process, from /proc/self/stat, in seconds. */
  static double cpu() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // fields 14-17 of stat(5), counted from the state field (3) here
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13])
        + Long.parseLong(f[14]);
    return ticks / 100.0;
  }

  static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }

  static String fmt(double[] v) {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < v.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", v[i]));
    }
    return sb.append(')').toString();
  }
}
