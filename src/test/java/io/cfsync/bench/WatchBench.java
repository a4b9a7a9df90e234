package io.cfsync.bench;

import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.live.Netns;
import io.cfsync.live.UfwSandbox;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Heal time of {@code cfsync watch}, in throw-away namespaces (run as root): from a foreign
 * change that takes Cloudflare's access away (or cfsync's restriction) until a client in
 * Cloudflare's range connects again, probing every 20 ms with a 20 ms connect timeout.
 * Several rounds per case; prints median and max next to the hourly timer's worst case.
 * Asserts nothing.
 *
 * <ul>
 *   <li>nftables, allow mode in the operator's {@code inet filter} (input policy drop):
 *       {@code nft -f nftables.conf}, whose first line is {@code flush ruleset} (what
 *       {@code systemctl restart nftables} runs);</li>
 *   <li>nftables, restrict (the default): {@code nft flush ruleset}; here Cloudflare never
 *       loses access, the restriction does: time until a non-Cloudflare client is dropped
 *       again;</li>
 *   <li>iptables (allow, INPUT policy DROP): {@code iptables -F CFSYNC};</li>
 *   <li>UFW: {@code ufw reload} with the ufw backend (UFW restores cfsync's rules from its
 *       own files; the watch checks and writes nothing), and with the iptables backend on a
 *       UFW host whose {@code MANAGE_BUILTINS=yes} makes the reload flush cfsync's chain.</li>
 * </ul>
 *
 * <p>Run: {@code bin/bench watch [ROUNDS]}.
 */
public final class WatchBench {

  private static final long INTERVAL_MS = 20;
  private static final double TIMER_WORST_S = 3600;

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("probe")) {
      probe(args[1]);
      return;
    }
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    Path work = Files.createTempDirectory("cfsync-watch-bench");
    List<String> report = new ArrayList<>();
    try {
      report.add(nftReload(work, rounds));
      report.add(nftFlushRestrict(work, rounds));
      report.add(iptablesFlush(work, rounds));
      report.add(ufwReload(work, Math.max(3, rounds / 2), "ufw"));
      report.add(ufwReload(work, Math.max(3, rounds / 2), "iptables"));
    } finally {
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    System.out.println();
    System.out.println("heal time (change -> Cloudflare client connects again), probes every "
        + INTERVAL_MS + " ms:");
    report.forEach(System.out::println);
    System.out.printf(Locale.ROOT, "%-58s worst %8.0f s (OnCalendar=hourly, plus up to 900 s "
        + "RandomizedDelaySec)%n", "hourly timer (cfsync.timer), any of these", TIMER_WORST_S);
  }

  // ---- cases ----

  private static final String NFT_CONF = "flush ruleset\n"
      + "table inet filter {\n"
      + "  chain input {\n"
      + "    type filter hook input priority 0; policy drop;\n"
      + "    iif lo accept\n"
      + "    ct state established,related accept\n"
      + "    meta l4proto ipv6-icmp accept\n"
      + "    tcp dport 22 accept\n"
      + "  }\n"
      + "}\n";

  private static String nftReload(Path work, int rounds) throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(443);
      Path conf = work.resolve("nftables.conf");
      Files.writeString(conf, NFT_CONF);
      net.server().check(Command.of("nft", "-f", conf.toString()));
      try (Watch w = Watch.start(net.cfsync(work, watchArgs(work, "--policy", "allow",
          "--nft-table", "inet filter", "--nft-chain", "input")))) {
        List<double[]> s = rounds(net, w, rounds, Netns.CF_V4, true,
            () -> net.server().check(Command.of("nft", "-f", conf.toString())));
        return line("nftables allow: nft -f nftables.conf (flush ruleset)", s);
      }
    }
  }

  private static String nftFlushRestrict(Path work, int rounds) throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(443);
      try (Watch w = Watch.start(net.cfsync(work, watchArgs(work)))) {
        List<double[]> s = rounds(net, w, rounds, Netns.OTHER_V4, false,
            () -> net.server().check(Command.of("nft", "flush", "ruleset")));
        return line("nftables restrict: nft flush ruleset (until others dropped)", s);
      }
    }
  }

  private static String iptablesFlush(Path work, int rounds) throws Exception {
    try (Netns net = Netns.create()) {
      net.listen(443);
      ProcessRunner srv = net.server();
      srv.check(Command.of("iptables", "-P", "INPUT", "DROP"));
      srv.check(Command.of("ip6tables", "-A", "INPUT", "-p", "ipv6-icmp", "-j", "ACCEPT"));
      srv.check(Command.of("ip6tables", "-P", "INPUT", "DROP"));
      try (Watch w = Watch.start(net.cfsync(work, watchArgs(work, "--backend", "iptables")))) {
        List<double[]> s = rounds(net, w, rounds, Netns.CF_V4, true,
            () -> srv.check(Command.of("iptables", "-F", "CFSYNC")));
        return line("iptables (allow, policy DROP): iptables -F CFSYNC", s);
      }
    }
  }

  private static String ufwReload(Path work, int rounds, String backend) throws Exception {
    Path box = Files.createDirectories(work.resolve("ufw-" + backend));
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, box)) {
      if (backend.equals("iptables")) {
        Path defaults = box.resolve("default-ufw");
        Files.writeString(defaults, Files.readString(defaults).replace("MANAGE_BUILTINS=no",
            "MANAGE_BUILTINS=yes"));
      }
      ufw.baseline();
      net.listen(443);
      try (Watch w = Watch.start(ufw.cfsync(watchArgs(work, "--backend", backend)))) {
        List<double[]> s = rounds(net, w, rounds, Netns.CF_V4, true,
            () -> ufw.ufwCheck("reload"));
        return line(backend.equals("ufw") ? "ufw backend: ufw reload (UFW restores it itself)"
            : "iptables on UFW, MANAGE_BUILTINS=yes: ufw reload", s);
      }
    }
  }

  private static String[] watchArgs(Path work, String... extra) {
    List<String> a = new ArrayList<>(List.of("watch", "--source", "builtin", "--state-dir",
        work.resolve("state").toString(), "-v"));
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  /**
   * Runs {@code change} {@code rounds} times. {@code wantConnect}: the probe from
   * {@code from} is expected to connect when healed (Cloudflare); otherwise to be dropped
   * (restrict restored). Returns, per round, seconds from the start of the change until the
   * first probe of the state that then lasted (15 probes in a row, 300 ms), when a probe
   * after the start showed otherwise; 0 when none did (never lost). Measuring to the end of
   * the last bad stretch, not the first good probe, matters for reloads that leave the
   * firewall open for a moment (UFW's stop) before closing it again.
   */
  private static List<double[]> rounds(Netns net, Watch w, int rounds, String from,
      boolean wantConnect, Runnable change) throws Exception {
    List<double[]> out = new ArrayList<>();
    try (Probe p = Probe.start(net, from, 443)) {
      for (int i = 0; i < rounds; i++) {
        p.stableSince(System.nanoTime(), wantConnect, 30);
        int mark = w.mark();
        long t0 = System.nanoTime();
        change.run();
        long took = System.nanoTime() - t0;
        // Let the loop settle (its heal logged, or its check that found nothing to do).
        w.awaitAfter(mark, l -> l.contains("healed ") || l.contains("in sync"), 30);
        long stable = p.stableSince(t0, wantConnect, 30);
        double s = p.anyBetween(t0, stable, !wantConnect) ? (stable - t0) / 1e9 : 0;
        out.add(new double[] {s, took / 1e9});
        System.out.printf(Locale.ROOT, "  round %d: %.3f s (the change itself took %.3f s)%n",
            i + 1, s, took / 1e9);
      }
    }
    return out;
  }

  private static String line(String what, List<double[]> rounds) {
    List<Double> s = new ArrayList<>();
    List<Double> took = new ArrayList<>();
    for (double[] r : rounds) {
      s.add(r[0]);
      took.add(r[1]);
    }
    Collections.sort(s);
    Collections.sort(took);
    return String.format(Locale.ROOT, "%-58s median %.3f s, max %.3f s (%d rounds; the "
        + "change command itself: median %.3f s)", what, s.get(s.size() / 2),
        s.get(s.size() - 1), s.size(), took.get(took.size() / 2));
  }

  // ---- the prober, in the client namespace ----

  /** Connects every 20 ms (20 ms timeout); prints {@code C|F <System.nanoTime()>}. */
  static void probe(String spec) throws IOException {
    String[] a = spec.split(",");
    InetAddress from = InetAddress.getByName(a[0]);
    InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(a[1]),
        Integer.parseInt(a[2]));
    long next = System.nanoTime();
    while (true) {
      boolean ok;
      try (Socket s = new Socket()) {
        s.bind(new InetSocketAddress(from, 0));
        s.connect(to, (int) INTERVAL_MS);
        ok = true;
      } catch (IOException e) {
        ok = false;
      }
      // nanoTime is CLOCK_MONOTONIC on Linux: comparable across processes.
      System.out.println((ok ? "C " : "F ") + System.nanoTime());
      System.out.flush();
      next += TimeUnit.MILLISECONDS.toNanos(INTERVAL_MS);
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      } else {
        next = System.nanoTime();
      }
    }
  }

  /** The bench's side of a prober process: the outcomes with their times. */
  private static final class Probe implements AutoCloseable {
    /** Probes in a row that count as settled: 300 ms at one probe per 20 ms. */
    static final int STABLE = 15;
    private final Process process;
    private final List<long[]> seen = new ArrayList<>();

    private Probe(Process p) {
      this.process = p;
      Thread t = new Thread(() -> read(p.getInputStream()), "probe-reader");
      t.setDaemon(true);
      t.start();
    }

    static Probe start(Netns net, String from, int port) throws IOException {
      String to = from.contains(":") ? Netns.SERVER_V6 : Netns.SERVER_V4;
      Process p = new ProcessBuilder("ip", "netns", "exec", net.clientName(),
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
          WatchBench.class.getName(), "probe", from + "," + to + "," + port)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      return new Probe(p);
    }

    private void read(InputStream in) {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in,
          StandardCharsets.US_ASCII))) {
        String l;
        while ((l = r.readLine()) != null) {
          String[] f = l.split(" ");
          synchronized (seen) {
            seen.add(new long[] {f[0].equals("C") ? 1 : 0, Long.parseLong(f[1])});
            seen.notifyAll();
          }
        }
      } catch (IOException | RuntimeException e) {
        // stopped
      }
    }

    /**
     * The time of the first of {@link #STABLE} probes in a row at or after {@code t} with
     * outcome {@code ok}.
     */
    long stableSince(long t, boolean ok, int seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      synchronized (seen) {
        while (true) {
          int run = 0;
          long first = -1;
          for (long[] s : seen) {
            if (s[1] < t) {
              continue;
            }
            if ((s[0] == 1) == ok) {
              if (run++ == 0) {
                first = s[1];
              }
              if (run >= STABLE) {
                return first;
              }
            } else {
              run = 0;
            }
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new IllegalStateException("the probe never settled on "
                + (ok ? "connecting" : "failing"));
          }
          seen.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
      }
    }

    /** Whether a probe in [from, to) had outcome {@code ok}. */
    boolean anyBetween(long from, long to, boolean ok) {
      synchronized (seen) {
        for (long[] s : seen) {
          if (s[1] >= from && s[1] < to && (s[0] == 1) == ok) {
            return true;
          }
        }
        return false;
      }
    }

    @Override
    public void close() {
      process.destroy();
    }
  }

  /** The watch process: its stderr lines, waited on. */
  private static final class Watch implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new ArrayList<>();

    private Watch(Process p) {
      this.process = p;
      drain(p.getInputStream(), l -> { });
      drain(p.getErrorStream(), l -> {
        synchronized (lines) {
          lines.add(l);
          lines.notifyAll();
        }
      });
    }

    static Watch start(Process p) throws InterruptedException {
      Watch w = new Watch(p);
      w.awaitAfter(0, l -> l.contains("cfsync: watching "), 60);
      return w;
    }

    private static void drain(InputStream in, java.util.function.Consumer<String> sink) {
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in,
            StandardCharsets.UTF_8))) {
          String l;
          while ((l = r.readLine()) != null) {
            sink.accept(l);
          }
        } catch (IOException e) {
          // gone
        }
      }, "watch-reader");
      t.setDaemon(true);
      t.start();
    }

    int mark() {
      synchronized (lines) {
        return lines.size();
      }
    }

    void awaitAfter(int mark, Predicate<String> what, int seconds)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      synchronized (lines) {
        while (true) {
          for (int i = mark; i < lines.size(); i++) {
            if (what.test(lines.get(i))) {
              if (lines.get(i).contains("healed ")) {
                System.out.println("  " + lines.get(i));
              }
              return;
            }
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new IllegalStateException("watch printed nothing expected:\n"
                + String.join("\n", lines));
          }
          lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
      }
    }

    @Override
    public void close() {
      process.destroy();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
