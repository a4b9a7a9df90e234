package io.cfsync.bench;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Backend;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.backend.XtFlavour;
import io.cfsync.backend.ipset.IpsetBackend;
import io.cfsync.backend.iptables.IptablesBackend;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.live.Netns;
import io.cfsync.live.Prober;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.sync.Log;
import io.cfsync.sync.Sync;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Prints figures for the iptables and ipset backends; asserts nothing. Needs root, iptables,
 * ipset and socat; everything runs in throw-away network namespaces. Run from the checkout:
 * <pre>
 *   ./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/test.cp
 *   java -cp target/test-classes:target/classes:$(cat target/test.cp) io.cfsync.bench.XtablesBench
 * </pre>
 * {@code -Dbench.rounds=N} repeats the first / change / no-op runs and prints medians.
 * Arguments pick sections: {@code ipset}, {@code iptables} (nf_tables), {@code legacy},
 * {@code cli}; none runs all (about six minutes, most of it iptables-nft saving 100k rules).
 * For each backend: the raw tool loading 100,000 prefixes from a prepared script (the floor),
 * cfsync applying the same 100,000 (first apply and a list change, in-process after a
 * warm-up, split into read / plan / write / verify), a no-op run, the Cloudflare list's
 * first apply and a no-op through the CLI (a fresh JVM each, against a bare JVM start), peak
 * memory, and a prober connecting from a Cloudflare address every 20 ms throughout the 100k
 * applies (restrict policy, so any gap in the chain would refuse it).
 */
public final class XtablesBench {

  static final int N = 100_000;
  static final int REPEAT = 3;

  public static void main(String[] args) throws Exception {
    // The CLI runs start in a temporary directory: relative class path entries would break.
    StringBuilder cp = new StringBuilder();
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      cp.append(cp.length() > 0 ? java.io.File.pathSeparator : "")
          .append(Path.of(e).toAbsolutePath());
    }
    System.setProperty("java.class.path", cp.toString());
    Path dir = Files.createTempDirectory("cfsync-bench");
    PrefixSet big = hundredK(0);
    PrefixSet bigB = hundredK(1);
    System.out.printf(Locale.ROOT, "cfsync xtables benchmark: %d IPv4 prefixes (%d after "
        + "collapsing), %s, %d cores%n", N, big.prefixCount(Family.V4),
        firstLine(new io.cfsync.exec.SystemProcessRunner().run(Command.of("iptables", "-V"))),
        Runtime.getRuntime().availableProcessors());
    List<String> only = List.of(args);
    if (only.isEmpty() || only.contains("ipset")) {
      section("ipset", dir, big, bigB, IpsetBackend::new, XtablesBench::rawIpset);
    }
    if (only.isEmpty() || only.contains("iptables")) {
      section("iptables (nf_tables)", dir, big, bigB, IptablesBackend::new,
          XtablesBench::rawIptables);
    }
    if (only.isEmpty() || only.contains("legacy")) {
      section("iptables (legacy)", dir, big, bigB, () -> new IptablesBackend(XtFlavour.LEGACY),
          XtablesBench::rawIptablesLegacy);
    }
    if (only.isEmpty() || only.contains("cli")) {
      cli(dir, big);
    }
  }

  /** 99,999 non-adjacent /24s in 20.0.0.0/6 (so nothing collapses) plus the prober's /20. */
  static PrefixSet hundredK(int shift) {
    List<Prefix> out = new ArrayList<>(N);
    out.add(Prefix.parse("173.245.48.0/20"));
    long base = 20L << 24;
    for (int i = 0; i < N - 1; i++) {
      out.add(Prefix.of(Family.V4, BigInteger.valueOf(base + (2L * i + shift) * 256), 24));
    }
    return PrefixSet.of(out);
  }

  static Desired want(PrefixSet list) {
    return new Desired(list, ImmutableSet.of(Family.V4), PortRange.parseList("80,443"),
        Policy.RESTRICT, Hook.INPUT, Action.DROP, PrefixSet.empty(), Naming.DEFAULT,
        ImmutableMap.of());
  }

  /**
   * Times every command it runs, writes (restore) apart from reads. Reads may overlap (the
   * ipset backend reads its sets while the filter tables are dumped): read time is the wall
   * time during which at least one read ran, so the split stays a split of the total.
   */
  static final class Timing implements ProcessRunner {
    final ProcessRunner real;
    private long readNanos;
    private long writeNanos;
    private int readsRunning;
    private long readsSince;

    Timing(ProcessRunner real) {
      this.real = real;
    }

    @Override
    public Result run(Command c) {
      boolean write = c.argv().contains("restore") || c.tool().endsWith("-restore");
      long t0 = System.nanoTime();
      if (!write) {
        synchronized (this) {
          if (readsRunning++ == 0) {
            readsSince = t0;
          }
        }
      }
      try {
        return real.run(c);
      } finally {
        long t1 = System.nanoTime();
        synchronized (this) {
          if (write) {
            writeNanos += t1 - t0;
          } else if (--readsRunning == 0) {
            readNanos += t1 - readsSince;
          }
        }
      }
    }

    synchronized void reset() {
      readNanos = 0;
      writeNanos = 0;
    }

    synchronized long readNanos() {
      return readNanos;
    }

    synchronized long writeNanos() {
      return writeNanos;
    }
  }

  static void section(String title, Path dir, PrefixSet big, PrefixSet bigB,
      Supplier<Backend> backend, Function<Netns, Double> raw) throws Exception {
    System.out.printf("%n== %s%n", title);
    try (Netns net = Netns.create()) {
      int rounds = Integer.getInteger("bench.rounds", 1);
      // The floor is timed before and after the cfsync runs, so both see the same load.
      double[] rawTimes = new double[2 * REPEAT];
      for (int i = 0; i < REPEAT; i++) {
        rawTimes[i] = raw.apply(net);
      }

      net.listen(80);
      Timing timing = new Timing(net.server());
      Sync sync = new Sync(backend.get(), timing, Log.SILENT);
      Desired one = want(PrefixSet.of(Prefix.parse("173.245.48.0/20")));
      // Warm-up: the JIT has seen every path once before the measured runs.
      sync.apply(sync.prepare(want(bigB), false, 100, true), timing);
      sync.apply(sync.prepare(one, false, 100, true), timing);
      Prober.Handle probe = net.probe(Netns.CF_V4, 80, Duration.ofMillis(20)).awaitFirst();
      resetPeaks();
      double[] firsts = new double[rounds];
      double[] changes = new double[rounds];
      double[] noops = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        if (r > 0) {
          sync.apply(sync.prepare(one, false, 100, true), timing);
        }
        firsts[r] = measured(sync, timing, want(big), "cfsync apply 100k (from 1 prefix):  ");
        changes[r] = measured(sync, timing, want(bigB), "cfsync apply 100k (list change):    ");
        noops[r] = measured(sync, timing, want(bigB), "cfsync no-op run at 100k:           ");
      }
      Prober.Stats s = probe.stop();
      for (int i = REPEAT; i < 2 * REPEAT; i++) {
        rawTimes[i] = raw.apply(net);
      }
      Arrays.sort(rawTimes);
      double floor = median(rawTimes);
      double first = median(firsts);
      double change = median(changes);
      System.out.printf(Locale.ROOT, "raw tool, 100k from a prepared script:    %s (median of"
          + " %d, before and after; min %.3f s)%n", secs(floor), rawTimes.length, rawTimes[0]);
      System.out.printf(Locale.ROOT, "cfsync medians of %d: first %s, change %s, no-op %s%n",
          rounds, secs(first), secs(change), secs(median(noops)));
      System.out.printf(Locale.ROOT, "ratio cfsync/raw: first %.2fx, change %.2fx%n",
          first / floor, change / floor);
      System.out.printf(Locale.ROOT, "prober every 20 ms during the 100k applies: %d probes, "
          + "%d failed (%s)%n", s.total(), s.failed(), s);
      System.out.printf(Locale.ROOT, "peak heap in-process during them: %.0f MiB%n",
          peakHeap() / 1048576.0);
    }
  }

  static double median(double[] xs) {
    double[] c = xs.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }

  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static double measured(Sync sync, Timing timing, Desired d, String label) {
    timing.reset();
    long cpu0 = cpuNanos();
    long t0 = System.nanoTime();
    Sync.Prepared p = sync.prepare(d, false, 100, true);
    long t1 = System.nanoTime();
    long readBefore = timing.readNanos();
    sync.apply(p, timing);
    long t2 = System.nanoTime();
    double total = (t2 - t0) / 1e9;
    double read = readBefore / 1e9;
    double plan = (t1 - t0 - readBefore) / 1e9;
    double write = timing.writeNanos() / 1e9;
    double verify = (t2 - t1 - timing.writeNanos()) / 1e9;
    double cpu = (cpuNanos() - cpu0) / 1e9;
    System.out.printf(Locale.ROOT, "%s%s = read %.3f + plan %.3f + write %.3f + verify "
        + "%.3f (%d commands; cfsync's own CPU %.3f s)%n", label, secs(total), read, plan, write,
        verify, p.plan().commands().size(), cpu);
    return total;
  }

  static double rawIpset(Netns net) {
    StringBuilder sb = new StringBuilder("create rawbench hash:net family inet hashsize 65536 "
        + "maxelem 262144\n");
    for (Prefix p : hundredK(0).prefixes()) {
      sb.append("add rawbench ").append(p).append('\n');
    }
    double t = timed(net.server(), Command.of("ipset", "restore").withStdin(sb.toString()));
    net.server().check(Command.of("ipset", "destroy", "rawbench"));
    return t;
  }

  static double rawIptables(Netns net) {
    return rawXt(net, "iptables-nft-restore", "iptables-nft");
  }

  static double rawIptablesLegacy(Netns net) {
    return rawXt(net, "iptables-legacy-restore", "iptables-legacy");
  }

  static double rawXt(Netns net, String restore, String cli) {
    StringBuilder sb = new StringBuilder("*filter\n:RAWBENCH - [0:0]\n");
    for (Prefix p : hundredK(0).prefixes()) {
      sb.append("-A RAWBENCH -s ").append(p).append(" -j ACCEPT\n");
    }
    sb.append("COMMIT\n");
    double t = timed(net.server(), new Command(ImmutableList.of(restore, "--noflush"),
        java.util.Optional.of(sb.toString()), Duration.ofMinutes(5)));
    net.server().check(Command.of(cli, "-F", "RAWBENCH"));
    net.server().check(Command.of(cli, "-X", "RAWBENCH"));
    return t;
  }

  static double timed(ProcessRunner run, Command c) {
    long t0 = System.nanoTime();
    run.check(c);
    return (System.nanoTime() - t0) / 1e9;
  }

  /** Fresh JVMs, as cron runs them: Cloudflare's list and 100k through the CLI. */
  static void cli(Path dir, PrefixSet big) throws Exception {
    System.out.printf("%n== CLI (one JVM per run, C1, SerialGC, in the server namespace)%n");
    Path bigFile = dir.resolve("100k.txt");
    StringBuilder sb = new StringBuilder();
    for (Prefix p : big.prefixes()) {
      sb.append(p).append('\n');
    }
    Files.writeString(bigFile, sb);
    try (Netns net = Netns.create()) {
      double bare = Double.MAX_VALUE;
      for (int i = 0; i < REPEAT; i++) {
        bare = Math.min(bare, run(net, dir, List.of("-version"), false)[0]);
      }
      System.out.printf(Locale.ROOT, "bare JVM start (java -version):            %s%n",
          secs(bare));
      for (String backend : List.of("iptables", "ipset")) {
        String state = dir.resolve("state-" + backend).toString();
        double[] first = run(net, dir, List.of("apply", "--backend", backend, "--source",
            "builtin", "--policy", "restrict", "--state-dir", state), true);
        double[] noop = run(net, dir, List.of("apply", "--backend", backend, "--source",
            "builtin", "--policy", "restrict", "--state-dir", state), true);
        System.out.printf(Locale.ROOT, "%-8s Cloudflare list, first apply:     %s, peak RSS %.0f "
            + "MiB%n", backend, secs(first[0]), first[1] / 1024);
        System.out.printf(Locale.ROOT, "%-8s Cloudflare list, no-op run:       %s, peak RSS %.0f "
            + "MiB%n", backend, secs(noop[0]), noop[1] / 1024);
      }
      // A fresh namespace: the 100k list replaces Cloudflare's, 100% removal is forced.
    }
    try (Netns net = Netns.create()) {
      String state = dir.resolve("state-100k").toString();
      List<String> apply = List.of("apply", "--backend", "ipset", "--family", "4", "--source",
          "file:" + bigFile, "--min-prefixes", "1,0", "--policy", "restrict", "--state-dir",
          state);
      double[] first = run(net, dir, apply, true);
      double[] noop = run(net, dir, apply, true);
      System.out.printf(Locale.ROOT, "ipset    100k list, first apply:           %s, peak RSS "
          + "%.0f MiB%n", secs(first[0]), first[1] / 1024);
      System.out.printf(Locale.ROOT, "ipset    100k list, no-op run:             %s, peak RSS "
          + "%.0f MiB%n", secs(noop[0]), noop[1] / 1024);
    }
  }

  /** Runs the CLI (or {@code java ARGS} when not cfsync) in the server; seconds and peak KiB. */
  static double[] run(Netns net, Path dir, List<String> args, boolean cfsync)
      throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    Process p;
    if (cfsync) {
      p = net.cfsync(dir, args.toArray(String[]::new));
    } else {
      List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", net.serverName(),
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
      argv.addAll(args);
      p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    }
    p.getOutputStream().close();
    Thread drain = new Thread(() -> {
      try {
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
      } catch (IOException e) {
        // the process ended
      }
    });
    drain.start();
    StringBuilder err = new StringBuilder();
    Thread drainErr = new Thread(() -> {
      try {
        err.append(new String(p.getErrorStream().readAllBytes()));
      } catch (IOException e) {
        // the process ended
      }
    });
    drainErr.start();
    long peak = 0;
    Path status = Path.of("/proc", Long.toString(p.pid()), "status");
    while (p.isAlive()) {
      peak = Math.max(peak, hwm(status));
      p.waitFor(5, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    double t = (System.nanoTime() - t0) / 1e9;
    drain.join();
    drainErr.join();
    if (p.exitValue() != 0) {
      System.out.println("  (exit " + p.exitValue() + ": " + err.toString().strip() + ")");
    }
    return new double[] {t, peak};
  }

  static long hwm(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone between the check and the read
    }
    return 0;
  }

  static void resetPeaks() {
    System.gc();
    for (MemoryPoolMXBean m : ManagementFactory.getMemoryPoolMXBeans()) {
      m.resetPeakUsage();
    }
  }

  static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean m : ManagementFactory.getMemoryPoolMXBeans()) {
      if (m.getType() == MemoryType.HEAP) {
        sum += m.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  static String secs(double s) {
    return String.format(Locale.ROOT, "%.3f s", s);
  }

  static String firstLine(Result r) {
    return r.stdout().strip();
  }
}
