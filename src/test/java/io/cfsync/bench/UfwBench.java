package io.cfsync.bench;

import com.google.common.collect.ImmutableList;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.live.Netns;
import io.cfsync.live.Prober;
import io.cfsync.live.UfwSandbox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * UFW side by side, in one run, on one UFW (a {@link UfwSandbox}: network namespace plus
 * private mount namespace with copies of UFW's configuration; UFW enabled, default deny,
 * {@code allow 22/tcp}). Contenders:
 * <ol type="a">
 *   <li>peer-style script: {@code ufw allow} per prefix, then {@code ufw reload};</li>
 *   <li>best peer: {@code ufw allow}/{@code ufw delete} per changed prefix, no reload, after
 *       reading which rules it added with {@code ufw show added} (a cron script has no other
 *       memory of them); and (b') the same with its state kept in memory, for reference;</li>
 *   <li>cfsync {@code --ufw-mode file} (default), as a CLI process;</li>
 *   <li>cfsync {@code --ufw-mode cli}, as a CLI process.</li>
 * </ol>
 * Each runs the first converge of Cloudflare's whole list, a one-prefix change and a no-op,
 * from the same starting state, while a Cloudflare client probes port 443 and a
 * non-Cloudflare client probes port 8080 (open to nobody) every 20 ms. Peer scripts are run
 * as argv sequences from Java (no shell). Prints figures; asserts nothing.
 *
 * <p>Run (as root, from the project directory):
 * <pre>
 * ./mvnw -q -B -DskipTests package dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" io.cfsync.bench.UfwBench 3
 * </pre>
 * The argument is the number of rounds (default 3); figures are per round, then medians.
 */
public final class UfwBench {

  private static final int CF_PORT = 443;
  private static final int CLOSED_PORT = 8080;
  private static final ProcessRunner HOST = new io.cfsync.exec.SystemProcessRunner();

  enum Contender {
    PEER_RELOAD("(a) peer: ufw allow per prefix + ufw reload"),
    PEER_BEST("(b) best peer: ufw allow/delete per change"),
    PEER_BEST_MEMORY("(b') best peer, its state kept in memory"),
    CFSYNC_FILE("(c) cfsync --ufw-mode file"),
    CFSYNC_CLI("(d) cfsync --ufw-mode cli"),
    CFSYNC_FILE_PLAIN("(c') cfsync file, jar without AppCDS");

    final String label;

    Contender(String label) {
      this.label = label;
    }
  }

  enum Step { FIRST, CHANGE, NOOP }

  /** One measured step: wall time, what was written, what the probes saw. */
  /**
   * @param work for cfsync, the time its own summary line reports (lists, read, plan, apply,
   *     verify), that is without JVM and command-line start; -1 for peers
   */
  record Figure(double seconds, double work, int processes, int filesWritten,
      int tablesChanged, int cfFailed, int cfProbes, int otherLetIn, int otherProbes) {}

  private final Netns net;
  private final UfwSandbox ufw;
  private final Path work;
  private final List<String> listA;
  private final List<String> listB;
  private final String baselineV4;
  private final String baselineV6;
  /** {@code java} and the package launcher's flags, before the archive flag and the jar. */
  private final List<String> jvm;
  private final Path archive;
  private final Path jar;
  /** What cfsync's last summary line said it took (see {@link Figure#work()}). */
  private double lastWork = -1;
  /** The best peer's memory of what it applied last (its state file). */
  private Set<String> peerState = new LinkedHashSet<>();

  private UfwBench(Netns net, UfwSandbox ufw, Path work) throws IOException {
    this.net = net;
    this.ufw = ufw;
    this.work = work;
    this.listA = cloudflareList();
    List<String> b = new ArrayList<>(listA);
    b.set(b.indexOf("131.0.72.0/22"), "131.0.76.0/22");
    this.listB = List.copyOf(b);
    Files.write(work.resolve("a.txt"), listA);
    Files.write(work.resolve("b.txt"), listB);
    this.baselineV4 = Files.readString(ufw.rules(false), StandardCharsets.ISO_8859_1);
    this.baselineV6 = Files.readString(ufw.rules(true), StandardCharsets.ISO_8859_1);
    this.jar = Path.of("target/cfsync.jar").toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: ./mvnw -B -DskipTests package first");
    }
    this.archive = work.resolve("cfsync.jsa");
    // The package launcher's flags; the AppCDS archive is added per contender (see java()).
    this.jvm = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData");
  }

  /** Cloudflare's lists in their published order (what peer scripts loop over). */
  private static List<String> cloudflareList() throws IOException {
    List<String> out = new ArrayList<>();
    for (String f : List.of("ips-v4.txt", "ips-v6.txt")) {
      try (var in = UfwBench.class.getResourceAsStream("/io/cfsync/source/builtin/" + f)) {
        for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
          if (!l.isBlank()) {
            out.add(l.strip());
          }
        }
      }
    }
    return List.copyOf(out);
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path work = Files.createTempDirectory("cfsync-ufw-bench");
    try (Netns net = Netns.create(); UfwSandbox ufw = UfwSandbox.create(net, work)) {
      ufw.baseline();
      net.listen(80, CF_PORT, CLOSED_PORT);
      UfwBench b = new UfwBench(net, ufw, work);
      b.train();
      System.out.println("ufw " + ufw.ufwCheck("version").stdout().lines().findFirst()
          .orElse("?") + "; " + b.listA.size() + " Cloudflare prefixes; probes every 20 ms: "
          + "Cloudflare client " + Netns.CF_V4 + " -> " + CF_PORT + ", other "
          + Netns.OTHER_V4 + " -> " + CLOSED_PORT + " (allowed to nobody)");
      System.out.println("cfsync: java " + String.join(" ", b.java(true).subList(1,
          b.java(true).size())) + "; " + Runtime.getRuntime().availableProcessors()
          + " CPUs, load " + Files.readString(Path.of("/proc/loadavg")).strip());
      List<Figure[][]> all = new ArrayList<>();
      for (int r = 1; r <= rounds; r++) {
        Figure[][] round = new Figure[Contender.values().length][];
        for (Contender c : Contender.values()) {
          round[c.ordinal()] = b.run(c);
        }
        all.add(round);
        System.out.println();
        System.out.printf(Locale.ROOT, "round %d (start-up floors, best of 3: cfsync --version "
            + "%.2f s, ufw version %.2f s; load %s)%n", r, b.floor(true), b.floor(false),
            Files.readString(Path.of("/proc/loadavg")).strip());
        print(round);
      }
      System.out.println();
      System.out.println("median of " + rounds + " round(s)");
      Figure[][] med = median(all);
      print(med);
      summary(med, all);
    } finally {
      HOST.run(Command.of("rm", "-rf", work.toString()));
    }
  }

  /**
   * The AppCDS archive the package makes at install, made the same way: the package's own
   * {@code make-cds-archive}, run inside the sandbox, where UFW is enabled, so that it trains
   * in a UFW box of its own (download, apply, one-prefix change, no-op) as it does on a UFW
   * host. Class loading, not the work, is most of a short JVM run.
   */
  private void train() throws IOException {
    List<String> argv = new ArrayList<>(ufw.prefix());
    argv.addAll(List.of("env", "JAVA_HOME=" + System.getProperty("java.home"),
        "CFSYNC_JAR=" + jar, "sh",
        Path.of("src/deb/share/make-cds-archive").toAbsolutePath().toString(),
        archive.toString()));
    Result r = HOST.run(Command.of(ImmutableList.copyOf(argv)).withTimeout(Duration.ofMinutes(5)));
    if (!r.ok() || !Files.isRegularFile(archive)) {
      throw new IllegalStateException("make-cds-archive failed: " + r.stderr());
    }
    reset();
  }

  private List<String> java(boolean appCds) {
    List<String> j = new ArrayList<>(jvm);
    j.add(appCds ? "-XX:SharedArchiveFile=" + archive : "-Xshare:auto");
    j.addAll(List.of("-cp", jar.toString(), "io.cfsync.cli.Main"));
    return j;
  }

  /** The cheapest run of each tool: {@code cfsync --version} (AppCDS) or {@code ufw version}. */
  private double floor(boolean cfsync) {
    List<String> argv = new ArrayList<>(ufw.prefix());
    if (cfsync) {
      argv.addAll(java(true));
      argv.add("--version");
    } else {
      argv.addAll(List.of("ufw", "version"));
    }
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      HOST.check(Command.of(ImmutableList.copyOf(argv)));
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    return best;
  }

  /** Back to UFW's baseline (untimed, no probes): the operator's rules only. */
  private void reset() throws IOException {
    Files.writeString(ufw.rules(false), baselineV4, StandardCharsets.ISO_8859_1);
    Files.writeString(ufw.rules(true), baselineV6, StandardCharsets.ISO_8859_1);
    ufw.ufwCheck("reload");
    peerState = new LinkedHashSet<>();
  }

  private Figure[] run(Contender c) throws Exception {
    reset();
    Path state = work.resolve("state-" + c.name().toLowerCase(Locale.ROOT));
    ufw.runner().check(Command.of("rm", "-rf", state.toString()));
    Figure[] out = new Figure[3];
    out[0] = measure(c, Step.FIRST, listA, state);
    out[1] = measure(c, Step.CHANGE, listB, state);
    out[2] = measure(c, Step.NOOP, listB, state);
    return out;
  }

  private Figure measure(Contender c, Step step, List<String> list, Path state)
      throws Exception {
    FileStamp v4 = FileStamp.of(ufw.rules(false));
    FileStamp v6 = FileStamp.of(ufw.rules(true));
    String t4 = handles("ip");
    String t6 = handles("ip6");
    Prober.Handle cf = net.probe(Netns.CF_V4, CF_PORT, Duration.ofMillis(20));
    Prober.Handle other = net.probe(Netns.OTHER_V4, CLOSED_PORT, Duration.ofMillis(20));
    cf.awaitFirst();
    other.awaitFirst();
    long t0 = System.nanoTime();
    lastWork = -1;
    int processes = switch (c) {
      case PEER_RELOAD -> peerReload(list);
      case PEER_BEST -> peerBest(list, true);
      case PEER_BEST_MEMORY -> peerBest(list, false);
      case CFSYNC_FILE -> cfsync(list, state, "file", true);
      case CFSYNC_CLI -> cfsync(list, state, "cli", true);
      case CFSYNC_FILE_PLAIN -> cfsync(list, state, "file", false);
    };
    double seconds = (System.nanoTime() - t0) / 1e9;
    int cfAfter = cf.failedAfterConnect();
    Prober.Stats cs = cf.stop();
    Prober.Stats os = other.stop();
    int files = (v4.equals(FileStamp.of(ufw.rules(false))) ? 0 : 1)
        + (v6.equals(FileStamp.of(ufw.rules(true))) ? 0 : 1);
    int tables = (t4.equals(handles("ip")) ? 0 : 1) + (t6.equals(handles("ip6")) ? 0 : 1);
    // Before the first converge the client is not allowed yet: count what failed after it
    // was let in. In the later steps it was allowed all along: every failure counts.
    int cfFailed = step == Step.FIRST ? cfAfter : cs.failed();
    return new Figure(seconds, lastWork, processes, files, tables, cfFailed, cs.total(),
        os.connected(), os.total());
  }

  /** (a) What most published scripts do: allow every prefix, then reload. */
  private int peerReload(List<String> list) {
    int n = 0;
    for (String p : list) {
      ufw.ufwCheck("allow", "proto", "tcp", "from", p, "to", "any", "port", "80,443",
          "comment", "cloudflare");
      n++;
    }
    ufw.ufwCheck("reload");
    return n + 1;
  }

  /**
   * (b) The best peer: adds and deletes only the difference. A cron script keeps nothing in
   * memory between runs, so it first reads which rules it added: {@code ufw show added}, its
   * lines with its comment (the measured best peer: no-op 0.08 s, no writes, which is
   * one such read). (b') is the same with the state handed over in memory, which no script
   * can do: shown for reference, so that no ratio rests on the read alone.
   */
  private int peerBest(List<String> list, boolean readsState) {
    int n = 0;
    Set<String> have = peerState;
    if (readsState) {
      have = new LinkedHashSet<>();
      Matcher m = PEER_RULE.matcher(ufw.ufwCheck("show", "added").stdout());
      while (m.find()) {
        have.add(m.group(1));
      }
      n++;
    }
    Set<String> want = new LinkedHashSet<>(list);
    for (String p : want) {
      if (!have.contains(p)) {
        ufw.ufwCheck("allow", "proto", "tcp", "from", p, "to", "any", "port", "80,443",
            "comment", "cloudflare");
        n++;
      }
    }
    for (String p : have) {
      if (!want.contains(p)) {
        ufw.ufwCheck("delete", "allow", "proto", "tcp", "from", p, "to", "any", "port",
            "80,443");
        n++;
      }
    }
    peerState = want;
    return n;
  }

  /** A rule of the peer's as {@code ufw show added} prints it. */
  private static final Pattern PEER_RULE = Pattern.compile(
      "^ufw allow from (\\S+) to any port 80,443 proto tcp comment 'cloudflare'$",
      Pattern.MULTILINE);

  private int cfsync(List<String> list, Path state, String mode, boolean appCds) {
    List<String> argv = new ArrayList<>(ufw.prefix());
    argv.addAll(java(appCds));
    argv.addAll(List.of("apply", "--backend", "ufw", "--ufw-mode", mode, "--source", "file:"
        + work.resolve(list == listA ? "a.txt" : "b.txt"), "--state-dir", state.toString()));
    Result r = HOST.run(Command.of(
        ImmutableList.copyOf(argv)).withTimeout(Duration.ofMinutes(5)));
    if (!r.ok()) {
      throw new IllegalStateException("cfsync failed: " + r.stderr());
    }
    Matcher m = Pattern.compile("; (\\d+\\.\\d+) s\\s*$").matcher(r.stderr().strip());
    if (m.find()) {
      lastWork = Double.parseDouble(m.group(1));
    }
    return 1;
  }

  /** The rule handles of one nft table: a reloaded or rewritten rule gets a new one. */
  private String handles(String family) {
    Result r = ufw.runner().check(Command.of("nft", "-a", "list", "table", family, "filter"));
    Set<String> out = new TreeSet<>();
    Matcher m = Pattern.compile("# handle (\\d+)").matcher(r.stdout());
    while (m.find()) {
      out.add(m.group(1));
    }
    return String.join(",", out);
  }

  private record FileStamp(Object inode, long mtimeNanos, long size) {
    static FileStamp of(Path p) throws IOException {
      var a = Files.readAttributes(p, "unix:ino,lastModifiedTime,size");
      return new FileStamp(a.get("ino"), ((java.nio.file.attribute.FileTime)
          a.get("lastModifiedTime")).to(java.util.concurrent.TimeUnit.NANOSECONDS),
          (Long) a.get("size"));
    }
  }

  private static void print(Figure[][] figs) {
    System.out.printf(Locale.ROOT, "%-46s %-8s %7s %7s %5s %6s %7s %12s %12s%n", "contender",
        "step", "time s", "work s", "procs", "files", "tables", "CF failed", "other in");
    for (Contender c : Contender.values()) {
      for (Step s : Step.values()) {
        Figure f = figs[c.ordinal()][s.ordinal()];
        System.out.printf(Locale.ROOT, "%-46s %-8s %7.2f %7s %5d %6d %7d %5d / %-5d %5d / %-5d%n",
            s == Step.FIRST ? c.label : "", s.name().toLowerCase(Locale.ROOT), f.seconds(),
            f.work() < 0 ? "-" : String.format(Locale.ROOT, "%.2f", f.work()), f.processes(), f.filesWritten(), f.tablesChanged(), f.cfFailed(), f.cfProbes(),
            f.otherLetIn(), f.otherProbes());
      }
    }
  }

  private static Figure[][] median(List<Figure[][]> all) {
    int nc = Contender.values().length;
    Figure[][] out = new Figure[nc][3];
    for (int c = 0; c < nc; c++) {
      for (int s = 0; s < 3; s++) {
        List<Figure> xs = new ArrayList<>();
        for (Figure[][] r : all) {
          xs.add(r[c][s]);
        }
        xs.sort(Comparator.comparingDouble(Figure::seconds));
        Figure mid = xs.get(xs.size() / 2);
        // Times are medians; probe failures and writes are the worst round, not the median.
        out[c][s] = new Figure(mid.seconds(), mid.work(), mid.processes(),
            xs.stream().mapToInt(Figure::filesWritten).max().orElse(0),
            xs.stream().mapToInt(Figure::tablesChanged).max().orElse(0),
            xs.stream().mapToInt(Figure::cfFailed).max().orElse(0),
            xs.stream().mapToInt(Figure::cfProbes).sum(),
            xs.stream().mapToInt(Figure::otherLetIn).max().orElse(0),
            xs.stream().mapToInt(Figure::otherProbes).sum());
      }
    }
    return out;
  }

  private static void summary(Figure[][] m, List<Figure[][]> rounds) {
    Figure best = m[Contender.PEER_BEST.ordinal()][Step.FIRST.ordinal()];
    Figure bestChange = m[Contender.PEER_BEST.ordinal()][Step.CHANGE.ordinal()];
    Figure memChange = m[Contender.PEER_BEST_MEMORY.ordinal()][Step.CHANGE.ordinal()];
    System.out.println();
    System.out.println("(probe columns in the median table: worst round's failures / all "
        + "rounds' probes)");
    for (Contender c : List.of(Contender.CFSYNC_FILE, Contender.CFSYNC_CLI,
        Contender.CFSYNC_FILE_PLAIN)) {
      Figure first = m[c.ordinal()][Step.FIRST.ordinal()];
      Figure change = m[c.ordinal()][Step.CHANGE.ordinal()];
      Figure noop = m[c.ordinal()][Step.NOOP.ordinal()];
      System.out.printf(Locale.ROOT, "%s: first converge %.2fx faster than the best peer "
          + "(target >= 5x), one-prefix change %.2fx (target >= 2x; %.2fx against (b')), "
          + "no-op writes %d files / %d tables (target 0)%n", c.label,
          best.seconds() / first.seconds(), bestChange.seconds() / change.seconds(),
          memChange.seconds() / change.seconds(), noop.filesWritten(), noop.tablesChanged());
      // The ratio of the medians above can pair a slow round of one with a fast round of the
      // other; each round's own ratio compares the two under the same load.
      List<Double> perRound = new ArrayList<>();
      for (Figure[][] r : rounds) {
        perRound.add(r[Contender.PEER_BEST.ordinal()][Step.CHANGE.ordinal()].seconds()
            / r[c.ordinal()][Step.CHANGE.ordinal()].seconds());
      }
      List<String> shown = new ArrayList<>();
      for (double x : perRound) {
        shown.add(String.format(Locale.ROOT, "%.2f", x));
      }
      List<Double> sorted = new ArrayList<>(perRound);
      sorted.sort(Comparator.naturalOrder());
      System.out.printf(Locale.ROOT, "  one-prefix change against (b), round by round: %s "
          + "(median %.2fx)%n", String.join(", ", shown), sorted.get(sorted.size() / 2));
    }
  }
}
