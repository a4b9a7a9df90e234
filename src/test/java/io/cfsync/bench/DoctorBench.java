package io.cfsync.bench;

import com.fasterxml.jackson.jr.ob.JSON;
import com.google.common.base.Stopwatch;
import com.google.common.collect.ImmutableList;
import io.cfsync.exec.Command;
import io.cfsync.exec.Result;
import io.cfsync.live.Netns;
import io.cfsync.model.Prefix;
import io.cfsync.source.Fetched;
import io.cfsync.state.ListCache;
import io.cfsync.state.StateDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long {@code cfsync doctor} takes, as a CLI process in a network namespace, per
 * scenario: no firewall at all (no lab needed), a healthy restricted origin (the lab runs,
 * every SYN is answered), and a firewall dropping one Cloudflare prefix (its SYNs wait for
 * the probe timeout). Side by side with a bare JVM start in the same run. With {@code -v}
 * doctor prints its steps; the lab's are reported too. Prints figures; asserts nothing.
 *
 * <p>Run (as root, from the project directory):
 * <pre>
 * ./mvnw -q -B -DskipTests package dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp "$PWD/target/test-classes:$PWD/target/classes:$(cat target/cp.txt)" \
 *     io.cfsync.bench.DoctorBench 3
 * </pre>
 */
public final class DoctorBench {

  private static final Pattern STEP = Pattern.compile("doctor lab: (listener ready|\\d+ probes "
      + "answered|trace complete) \\((\\d+\\.\\d+) s\\)");

  private DoctorBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path work = Files.createTempDirectory("cfsync-doctor-bench");
    Path state = work.resolve("state");
    List<Prefix> cf = new ArrayList<>();
    for (String f : List.of("ips-v4.txt", "ips-v6.txt")) {
      try (var in = DoctorBench.class.getResourceAsStream("/io/cfsync/source/builtin/" + f)) {
        new String(in.readAllBytes()).lines().filter(l -> !l.isBlank()).map(Prefix::parse)
            .forEach(cf::add);
      }
    }
    new ListCache(new StateDir(state)).store(new Fetched("cloudflare", ImmutableList.copyOf(cf),
        ImmutableList.of(), Optional.empty(), false, Optional.empty()), Instant.now());
    String v4 = String.join(", ", cf.stream().filter(p -> p.family().bits() == 32)
        .map(Prefix::toString).toList());
    String v6 = String.join(", ", cf.stream().filter(p -> p.family().bits() == 128)
        .map(Prefix::toString).toList());
    String restricted = "table inet edge {\n set cf4 {\n  type ipv4_addr; flags interval; "
        + "auto-merge;\n  elements = { " + v4 + " }\n }\n set cf6 {\n  type ipv6_addr; flags "
        + "interval; auto-merge;\n  elements = { " + v6 + " }\n }\n chain input {\n  type "
        + "filter hook input priority 0; policy accept;\n  iif lo accept\n  tcp dport { 80, 443 "
        + "} ip saddr @cf4 accept\n  tcp dport { 80, 443 } ip6 saddr @cf6 accept\n  tcp dport "
        + "{ 80, 443 } drop\n }\n}\n";
    String dropOne = "table inet edge {\n chain input {\n  type filter hook input priority 0; "
        + "policy accept;\n  tcp dport { 80, 443 } ip saddr 104.16.0.0/13 drop\n }\n}\n";

    System.out.printf(Locale.ROOT, "cfsync doctor, %d rounds, ports 80,443, %d Cloudflare "
        + "prefixes (2 sample addresses each), probe timeout 2 s%n", rounds, cf.size());
    List<Long> jvm = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      jvm.add(bareJvm());
    }
    System.out.printf(Locale.ROOT, "%-40s median %6d ms  (%s)%n", "bare JVM start (java "
        + "-version)", median(jvm), jvm);
    try (Netns net = Netns.create()) {
      net.listen(80, 443);
      scenario(net, work, state, "no firewall (no lab)", rounds);
      net.server().check(Command.of("nft", "-f", "-").withStdin(restricted));
      scenario(net, work, state, "healthy restricted origin (lab)", rounds);
      net.server().check(Command.of("nft", "flush", "ruleset"));
      net.server().check(Command.of("nft", "-f", "-").withStdin(dropOne));
      scenario(net, work, state, "one prefix dropped (lab, timeouts)", rounds);
    }
  }

  private static void scenario(Netns net, Path work, Path state, String name, int rounds)
      throws Exception {
    List<Long> wall = new ArrayList<>();
    List<Long> inside = new ArrayList<>();
    List<String> steps = new ArrayList<>();
    int rc = -1;
    for (int i = 0; i < rounds; i++) {
      Stopwatch sw = Stopwatch.createStarted();
      Result r = net.cfsyncRun(work, "doctor", "--state-dir", state.toString(), "--skip",
          "services,logs", "--json", "-v");
      wall.add(sw.elapsed().toMillis());
      rc = r.exitCode();
      if (r.stdout().isBlank()) {
        throw new IllegalStateException("doctor printed nothing (exit " + r.exitCode() + "): "
            + r.stderr() + " (run with an absolute -cp: the CLI runs in a temporary directory)");
      }
      Map<String, Object> doc = JSON.std.mapFrom(r.stdout());
      inside.add(((Number) doc.get("durationMs")).longValue());
      StringBuilder sb = new StringBuilder();
      Matcher m = STEP.matcher(r.stderr());
      while (m.find()) {
        sb.append(m.group(1).replaceAll("\\d+ ", "")).append(' ').append(m.group(2)).append("s; ");
      }
      steps.add(sb.toString());
    }
    System.out.printf(Locale.ROOT, "%-40s median %6d ms process, %6d ms inside doctor (exit %d)"
        + "%n    process %s%n    doctor  %s%n    lab steps (last round): %s%n", name,
        median(wall), median(inside), rc, wall, inside, steps.get(steps.size() - 1));
  }

  private static long bareJvm() throws Exception {
    Stopwatch sw = Stopwatch.createStarted();
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-version")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    p.waitFor();
    return sw.elapsed().toMillis();
  }

  private static long median(List<Long> xs) {
    List<Long> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}
