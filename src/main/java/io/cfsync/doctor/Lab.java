package io.cfsync.doctor;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import com.google.common.net.InetAddresses;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.exec.SystemProcessRunner;
import io.cfsync.model.Family;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A throw-away copy of this host's firewall to send real SYNs at. A server namespace gets
 * the ruleset (ipsets, iptables tables through their own restore tool, native nft tables),
 * an interface named like the host's default-route interface holding the host's addresses
 * (rules match on {@code iifname} and {@code daddr}), dummies named like the other
 * interfaces, and a listener on the protected ports; a client namespace across a veth holds
 * the sample source addresses. Ports DNATed to a local bridge (Docker) get an upstream
 * namespace behind an interface of the bridge's name, with a listener at the target. An
 * {@code nft monitor trace} in the server names the rule that dropped each SYN.
 *
 * <p>It never touches the host's own firewall: every write happens with {@code ip -n NS} or
 * {@code ip netns exec NS} inside namespaces created here, and {@link #close()} removes them
 * (a shutdown hook does too; a later run sweeps leftovers of a killed one).
 */
final class Lab implements AutoCloseable {

  enum Outcome { CONNECTED, REFUSED, UNREACHABLE, TIMEOUT, ERROR }

  record Probe(String id, InetAddress from, InetAddress to, int port) {}

  /**
   * How one probe went, with the traced SYN, SYN-ACK and (IPv6) neighbour solicitation from
   * the source when nft saw them.
   */
  record Attempt(Probe probe, Outcome outcome, String detail, Optional<Trace.Packet> syn,
      Optional<Trace.Packet> synAck, Optional<Trace.Packet> nd) {

    /** The rule or policy that dropped the SYN or its answer, if the trace shows one. */
    Optional<Trace.Event> decider() {
      Optional<Trace.Event> d = syn.flatMap(Trace.Packet::drop);
      if (d.isEmpty()) {
        d = synAck.flatMap(Trace.Packet::drop);
      }
      return d.isPresent() ? d : ndDrop();
    }

    /**
     * The drop of the source's neighbour solicitation: without neighbour discovery no SYN
     * ever arrives, so a ruleset that drops ICMPv6 by policy times out every IPv6 client.
     */
    Optional<Trace.Event> ndDrop() {
      return syn.isEmpty() ? nd.flatMap(Trace.Packet::drop) : Optional.empty();
    }
  }

  /** What the lab is built from. */
  record Spec(HostNet net, ProcFs proc, ProcessRunner host, RulesetSnapshot snapshot,
      ImmutableSet<InetAddress> sources, ImmutableList<Integer> ports, Duration probeTimeout,
      boolean ipv6, io.cfsync.sync.Log log) {}

  static final String NAME_PREFIX = "cfsdoc";
  /** {@code cfsdoc<pid><letter>} then {@code s}, {@code c} or {@code k<n>}, as listed. */
  private static final Pattern OWN_NS = Pattern.compile(
      "^(" + NAME_PREFIX + "(\\d+)[a-z](?:s|c|k\\d+))(?:\\s.*)?$");
  private static final Duration STEP = Duration.ofSeconds(20);
  private static final String PEER = "cfspeer";
  static final String SERVER_LL = "fe80::5";
  static final String CLIENT_LL = "fe80::c";
  private static final int MAX_UPSTREAMS = 4;

  private final ProcessRunner host;
  private final String server;
  private final String client;
  private final List<String> namespaces = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final Map<Family, InetAddress> destinations = new LinkedHashMap<>();
  private final Trace trace = new Trace();
  private final Map<String, String> answers = new LinkedHashMap<>();
  private final Object lock = new Object();
  private final String javaCmd;
  private final String classPath;
  private Thread hook;
  private io.cfsync.sync.Log log = io.cfsync.sync.Log.SILENT;
  private final long started = System.nanoTime();
  private OutputStream proberIn;
  private Process prober;
  private Duration probeTimeout = Duration.ofSeconds(3);
  private boolean traceReady;
  private int canaryPort;
  private InetAddress canaryFrom;
  private InetAddress canaryTo;
  private int seq;

  private Lab(ProcessRunner host) {
    this.host = host;
    String id = NAME_PREFIX + ProcessHandle.current().pid()
        + (char) ('a' + ThreadLocalRandom.current().nextInt(26));
    this.server = id + "s";
    this.client = id + "c";
    this.javaCmd = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // Absolute: the agents must find cfsync whatever directory they start in.
    this.classPath = java.util.Arrays.stream(System.getProperty("java.class.path")
        .split(java.io.File.pathSeparator)).map(e -> Path.of(e).toAbsolutePath().toString())
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
  }

  /** Builds the namespaces, loads the copy, starts listener, tracer and prober. */
  static Lab open(Spec spec) {
    Lab lab = new Lab(spec.host());
    sweepStale(spec.host());
    lab.hook = new Thread(lab::close, "cfsync-doctor-lab-cleanup");
    Runtime.getRuntime().addShutdownHook(lab.hook);
    try {
      lab.build(spec);
      return lab;
    } catch (RuntimeException e) {
      lab.close();
      throw e instanceof LabException ? e : new LabException(e.getMessage(), e);
    }
  }

  ImmutableMap<Family, InetAddress> destinations() {
    return ImmutableMap.copyOf(destinations);
  }

  ImmutableList<String> notes() {
    return ImmutableList.copyOf(notes);
  }

  boolean traced() {
    return traceReady;
  }

  // ---- building -------------------------------------------------------------------------

  private void build(Spec spec) {
    log = spec.log();
    HostNet net = spec.net();
    String ifName = net.defaultIface(Family.V4).or(() -> net.defaultIface(Family.V6))
        .orElse("cfsdoc0");
    Map<String, List<InetAddress>> dnatByDev = dnatTargets(spec, ifName);

    addNamespace(server);
    addNamespace(client);
    // The client plays the router in front of the host: IPv6 neighbour discovery between
    // them uses link-local addresses (fixed, no DAD, no autoconfigured ones), as a real
    // upstream router's does, and the sample sources sit behind it on its loopback.
    List<String> batch = new ArrayList<>();
    batch.add("link set lo up");
    batch.add("link add " + ifName + " type veth peer name " + PEER + " netns " + client);
    batch.add("link set " + ifName + " addrgenmode none");
    batch.add("link set " + ifName + " up");
    if (spec.ipv6()) {
      batch.add("addr add " + SERVER_LL + "/64 dev " + ifName + " nodad");
    }
    for (Family f : Family.values()) {
      if (f == Family.V6 && !spec.ipv6()) {
        continue;
      }
      List<InetAddress> mine = serverAddresses(net, f);
      if (mine.isEmpty()) {
        InetAddress doc = InetAddresses.forString(f == Family.V4 ? "192.0.2.1" : "2001:db8::1");
        mine = List.of(doc);
        notes.add("this host has no routable " + f.label() + " address; the lab used "
            + InetAddresses.toAddrString(doc) + ", so rules matching the destination address "
            + "may not apply");
      }
      destinations.put(f, mine.get(0));
      for (InetAddress a : mine) {
        batch.add(addrAdd(a, f.bits(), ifName));
      }
    }
    // Batch mode takes no -6: the ::/0 destination says the family.
    batch.add("route add default dev " + ifName);
    if (spec.ipv6()) {
      batch.add("route add ::/0 via " + CLIENT_LL + " dev " + ifName);
    }
    ipBatch(server, batch, false);

    List<String> cbatch = new ArrayList<>();
    cbatch.add("link set lo up");
    cbatch.add("link set " + PEER + " addrgenmode none");
    cbatch.add("link set " + PEER + " up");
    if (spec.ipv6()) {
      cbatch.add("addr add " + CLIENT_LL + "/64 dev " + PEER + " nodad");
    }
    for (InetAddress a : spec.sources()) {
      cbatch.add(addrAdd(a, Family.of(a).bits(), "lo"));
    }
    cbatch.add("route add default dev " + PEER);
    if (spec.ipv6()) {
      cbatch.add("route add ::/0 via " + SERVER_LL + " dev " + PEER);
    }
    ipBatch(client, cbatch, false);

    // Dummies named like the host's other interfaces, holding its addresses: rules that name
    // an interface or match "fib daddr type local" then load and behave as on the host.
    List<String> dummies = new ArrayList<>();
    String kind = dummyKind();
    for (HostNet.Iface i : net.ifaces()) {
      if (i.name().equals("lo") || i.name().equals(ifName) || dnatByDev.containsKey(i.name())) {
        continue;
      }
      dummies.add("link add " + i.name() + " type " + kind);
      dummies.add("link set " + i.name() + " up");
      for (HostNet.IfAddr a : i.addresses()) {
        if (a.kind().routable()) {
          dummies.add(addrAdd(a.address(), a.family().bits(), i.name()));
        }
      }
    }
    if (!dummies.isEmpty()) {
      ipBatch(server, dummies, true);
    }
    List<String> upstreamDevs = buildUpstreams(spec, dnatByDev);
    step("namespaces " + server + ", " + client + " built");
    load(spec.snapshot());
    boolean nft = installTrace(ifName, upstreamDevs);
    step("ruleset copied");
    startProber(spec.probeTimeout());
    if (nft) {
      startMonitor();
    }
    startListener(server, spec.ports());
    step("listener ready");
    canaryPort = List.of(9, 7, 19, 13, 37).stream().filter(p -> !spec.ports().contains(p))
        .findFirst().orElse(65000);
    if (nft) {
      // IPv4 first: an IPv6 canary needs neighbour discovery, which the ruleset may drop.
      canaryFrom = spec.sources().stream().filter(a -> Family.of(a) == Family.V4).findFirst()
          .orElse(spec.sources().iterator().next());
      canaryTo = destinations.get(Family.of(canaryFrom));
      traceReady = canary(canaryFrom, canaryTo, Duration.ofSeconds(10));
      step("tracer " + (traceReady ? "ready" : "silent"));
      if (!traceReady) {
        notes.add("nft monitor trace reported nothing in the lab: the deciding rules are not "
            + "named");
      }
    }
  }

  private void step(String what) {
    log.debug(String.format(java.util.Locale.ROOT, "doctor lab: %s (%.2f s)", what,
        (System.nanoTime() - started) / 1e9));
  }

  /** dummy where the kernel has it; an empty bridge (also inert) where it does not. */
  private String dummyKind() {
    Result r = host.run(Command.of("ip", "-n", server, "link", "add", "cfsdprobe", "type",
        "dummy").withTimeout(STEP));
    if (r.ok()) {
      host.run(Command.of("ip", "-n", server, "link", "del", "cfsdprobe").withTimeout(STEP));
      return "dummy";
    }
    return "bridge";
  }

  private static List<InetAddress> serverAddresses(HostNet net, Family f) {
    Optional<String> dev = net.defaultIface(f);
    List<InetAddress> out = new ArrayList<>();
    dev.flatMap(net::iface).ifPresent(i -> i.addresses().stream()
        .filter(a -> a.family() == f && a.kind().routable())
        .forEach(a -> out.add(a.address())));
    if (out.isEmpty()) {
      net.routable(f).forEach(a -> out.add(a.address()));
    }
    return out;
  }

  private static String addrAdd(InetAddress a, int len, String dev) {
    String s = "addr add " + InetAddresses.toAddrString(a) + "/" + len + " dev " + dev;
    // Without nodad an IPv6 address stays tentative for a second and cannot be bound.
    return Family.of(a) == Family.V6 ? s + " nodad" : s;
  }

  /**
   * DNAT targets on local networks (Docker's published ports), by the host interface that
   * routes to them. Targets routed out of the default interface are other hosts: not built.
   */
  private Map<String, List<InetAddress>> dnatTargets(Spec spec, String ifName) {
    Map<String, List<InetAddress>> out = new LinkedHashMap<>();
    Set<InetAddress> local = new LinkedHashSet<>();
    spec.net().ifaces().forEach(i -> i.addresses().forEach(a -> local.add(a.address())));
    Set<InetAddress> seen = new LinkedHashSet<>();
    for (RulesetSnapshot.Dnat d : spec.snapshot().dnats()) {
      InetAddress addr = d.target();
      String a = InetAddresses.toAddrString(addr);
      if (local.contains(addr) || !seen.add(addr)) {
        continue;
      }
      Optional<String> dev = routeDev(addr);
      if (dev.isEmpty() || dev.get().equals(ifName) || dev.get().equals("lo")) {
        notes.add("DNAT to " + a + " leaves this host: the lab does not follow it");
        continue;
      }
      if (!out.containsKey(dev.get()) && out.size() >= MAX_UPSTREAMS) {
        notes.add("DNAT to " + a + " via " + dev.get() + " not built (more than "
            + MAX_UPSTREAMS + " networks)");
        continue;
      }
      out.computeIfAbsent(dev.get(), k -> new ArrayList<>()).add(addr);
    }
    return out;
  }

  private Optional<String> routeDev(InetAddress a) {
    Result r = host.run(Command.of("ip", "-j", "route", "get", InetAddresses.toAddrString(a))
        .withTimeout(STEP));
    return r.ok() ? HostNet.defaultDev(r.stdout()) : Optional.empty();
  }

  private List<String> buildUpstreams(Spec spec, Map<String, List<InetAddress>> byDev) {
    List<String> devs = new ArrayList<>();
    int n = 0;
    for (var e : byDev.entrySet()) {
      String dev = e.getKey();
      String ns = server.substring(0, server.length() - 1) + "k" + n++;
      Optional<HostNet.Iface> hostIf = spec.net().iface(dev);
      if (hostIf.isEmpty()) {
        continue;
      }
      addNamespace(ns);
      List<String> s = new ArrayList<>();
      s.add("link add " + dev + " type veth peer name eth0 netns " + ns);
      s.add("link set " + dev + " up");
      List<String> k = new ArrayList<>(List.of("link set lo up", "link set eth0 up"));
      for (HostNet.IfAddr a : hostIf.get().addresses()) {
        if (!a.kind().routable() && a.kind() != AddressKind.LINK_LOCAL) {
          continue;
        }
        String cidr = InetAddresses.toAddrString(a.address()) + "/" + a.prefixLength();
        s.add("addr add " + cidr + " dev " + dev + (a.family() == Family.V6 ? " nodad" : ""));
      }
      for (InetAddress t : e.getValue()) {
        int len = hostIf.get().addresses().stream().filter(a -> a.family() == Family.of(t))
            .map(HostNet.IfAddr::prefixLength).findFirst().orElse(Family.of(t).bits());
        k.add("addr add " + InetAddresses.toAddrString(t) + "/" + len + " dev eth0"
            + (Family.of(t) == Family.V6 ? " nodad" : ""));
      }
      // Routes after the addresses: a gateway must be on a connected network when added.
      for (HostNet.IfAddr a : hostIf.get().addresses()) {
        boolean hasTarget = e.getValue().stream().anyMatch(t -> Family.of(t) == a.family());
        if (hasTarget && a.kind().routable()) {
          k.add("route add " + (a.family() == Family.V6 ? "::/0" : "default") + " via "
              + InetAddresses.toAddrString(a.address()));
        }
      }
      ipBatch(server, s, false);
      ipBatch(ns, k, true);
      Set<Integer> ports = new LinkedHashSet<>(spec.ports());
      spec.snapshot().dnats().forEach(d -> d.targetPort().ifPresent(ports::add));
      startListener(ns, ImmutableList.copyOf(ports));
      devs.add(dev);
    }
    if (!devs.isEmpty()) {
      // Forwarding is what Docker's DNAT relies on; copy the host's switch, not ours.
      copySysctl(spec.proc(), "sys/net/ipv4/ip_forward");
      copySysctl(spec.proc(), "sys/net/ipv6/conf/all/forwarding");
    }
    return devs;
  }

  private void copySysctl(ProcFs proc, String path) {
    proc.read(path).map(String::trim).filter(v -> v.matches("[01]")).ifPresent(v ->
        ns(server).run(Command.of("tee", "/proc/" + path).withStdin(v + "\n")
            .withTimeout(STEP)));
  }

  private void load(RulesetSnapshot snap) {
    if (!snap.ipsetSave().isBlank()) {
      Result r = ns(server).run(Command.of("ipset", "restore").withStdin(snap.ipsetSave())
          .withTimeout(STEP));
      if (!r.ok()) {
        notes.add("ipsets could not be copied (ipset restore: " + r.firstErrorLine()
            + "): rules using them may not load");
      }
    }
    for (RulesetSnapshot.Xtables x : snap.xtables()) {
      Result r = ns(server).run(Command.of(x.restoreTool()).withStdin(x.save())
          .withTimeout(STEP));
      if (!r.ok()) {
        notes.add(x.saveTool() + " rules could not be copied (" + x.restoreTool() + ": "
            + r.firstErrorLine() + "): they were not evaluated");
      }
    }
    for (RulesetSnapshot.NftTable t : snap.nftTables()) {
      Result r = ns(server).run(Command.of("nft", "-f", "-").withStdin(t.text())
          .withTimeout(STEP));
      if (!r.ok()) {
        notes.add("nft table " + t.id() + " could not be copied (" + r.firstErrorLine()
            + "): its rules were not evaluated");
      }
    }
  }

  private boolean installTrace(String ifName, List<String> upstreamDevs) {
    StringBuilder sb = new StringBuilder();
    sb.append("table netdev ").append(RulesetSnapshot.TRACE_TABLE).append(" {\n");
    sb.append("  chain in {\n    type filter hook ingress device \"").append(ifName)
        .append("\" priority -1000; policy accept;\n")
        .append("    tcp flags & (syn | ack) == syn meta nftrace set 1\n")
        .append("    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } meta nftrace set 1\n")
        .append("  }\n");
    int i = 0;
    for (String dev : upstreamDevs) {
      sb.append("  chain up").append(i++).append(" {\n    type filter hook ingress device \"")
          .append(dev).append("\" priority -1000; policy accept;\n")
          .append("    tcp flags & (syn | ack) == syn | ack meta nftrace set 1\n  }\n");
    }
    sb.append("}\n");
    sb.append("table inet ").append(RulesetSnapshot.TRACE_TABLE).append(" {\n")
        .append("  chain out {\n    type filter hook output priority -1000; policy accept;\n")
        .append("    tcp flags & (syn | ack) == syn | ack meta nftrace set 1\n  }\n}\n");
    try {
      Result r = ns(server).run(Command.of("nft", "-f", "-").withStdin(sb.toString())
          .withTimeout(STEP));
      if (!r.ok()) {
        notes.add("could not add the trace table in the lab (nft: " + r.firstErrorLine()
            + "): the deciding rules are not named");
      }
      return r.ok();
    } catch (BackendFailure e) {
      notes.add("nft is not installed: the deciding rules are not named");
      return false;
    }
  }

  // ---- processes ------------------------------------------------------------------------

  private Process start(String ns, List<String> args) {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    argv.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(false);
    pb.environment().put("LC_ALL", "C");
    try {
      Process p = pb.start();
      synchronized (processes) {
        processes.add(p);
      }
      drain(p.getErrorStream(), line -> { });
      return p;
    } catch (IOException e) {
      throw new LabException("cannot start " + args.get(0) + " in the lab: " + e.getMessage(), e);
    }
  }

  private List<String> agent(String... args) {
    List<String> a = new ArrayList<>(List.of(javaCmd, "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-Xss512k", "-Xmx64m", "-cp", classPath, LabAgent.class.getName()));
    a.addAll(List.of(args));
    return a;
  }

  private void startListener(String ns, List<Integer> ports) {
    List<String> args = new ArrayList<>(List.of("listen"));
    ports.forEach(p -> args.add(Integer.toString(p)));
    Process p = start(ns, agent(args.toArray(String[]::new)));
    Object ready = new Object();
    boolean[] ok = {false};
    drain(p.getInputStream(), line -> {
      if (line.equals("ready")) {
        synchronized (ready) {
          ok[0] = true;
          ready.notifyAll();
        }
      }
    });
    long deadline = System.nanoTime() + STEP.toNanos();
    synchronized (ready) {
      while (!ok[0] && p.isAlive() && System.nanoTime() < deadline) {
        waitOn(ready, deadline);
      }
    }
    if (!ok[0]) {
      throw new LabException("the lab listener on " + ports + " did not start"
          + (p.isAlive() ? " within " + STEP.toSeconds() + " s" : " (exit " + exit(p) + ")"));
    }
  }

  private void startMonitor() {
    Process p = start(server, List.of("nft", "monitor", "trace"));
    drain(p.getInputStream(), line -> {
      trace.accept(line);
      synchronized (lock) {
        lock.notifyAll();
      }
    });
  }

  private void startProber(Duration timeout) {
    probeTimeout = timeout;
    Process p = start(client, agent("probe", Long.toString(timeout.toMillis())));
    proberIn = p.getOutputStream();
    drain(p.getInputStream(), line -> {
      int sp = line.indexOf(' ');
      if (sp > 0) {
        synchronized (lock) {
          answers.put(line.substring(0, sp), line.substring(sp + 1));
          lock.notifyAll();
        }
      }
    });
    prober = p;
  }

  private static void drain(java.io.InputStream in, java.util.function.Consumer<String> each) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in,
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          each.accept(line);
        }
      } catch (IOException e) {
        // The process was stopped: nothing more to read.
      }
    }, "lab-drain");
    t.setDaemon(true);
    t.start();
  }

  private static void waitOn(Object o, long deadlineNanos) {
    long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    if (ms <= 0) {
      return;
    }
    try {
      o.wait(Math.min(ms, 200));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LabException("interrupted while waiting for the lab", e);
    }
  }

  private static String exit(Process p) {
    try {
      return Integer.toString(p.exitValue());
    } catch (IllegalThreadStateException e) {
      return "running";
    }
  }

  // ---- probing --------------------------------------------------------------------------

  private void send(String line) {
    try {
      proberIn.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      proberIn.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("the lab prober is gone", e);
    }
  }

  /**
   * Sends SYNs from {@code from} to the canary port until the tracer reports one more than it
   * had: the first proves it is subscribed, a later one that every earlier event was read.
   */
  private boolean canary(InetAddress from, InetAddress to, Duration max) {
    long before = canaries(from, to);
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      send("k" + seq++ + " " + InetAddresses.toAddrString(from) + " "
          + InetAddresses.toAddrString(to) + " " + canaryPort);
      long step = Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300));
      synchronized (lock) {
        while (System.nanoTime() < step) {
          if (canaries(from, to) > before) {
            return true;
          }
          waitOn(lock, step);
        }
      }
    }
    return false;
  }

  private long canaries(InetAddress from, InetAddress to) {
    return trace.packets().stream().filter(p -> p.saddr().equals(from) && p.daddr().equals(to)
        && p.dport() == canaryPort).count();
  }

  /** Runs the probes concurrently and matches each with its traced packets. */
  ImmutableList<Attempt> run(List<Probe> probes) {
    Process p = prober;
    for (Probe pr : probes) {
      send(pr.id() + " " + InetAddresses.toAddrString(pr.from()) + " "
          + InetAddresses.toAddrString(pr.to()) + " " + pr.port());
    }
    long deadline = System.nanoTime() + probeTimeout.plus(STEP).toNanos();
    synchronized (lock) {
      while (System.nanoTime() < deadline && !probes.stream().allMatch(pr ->
          answers.containsKey(pr.id()))) {
        if (!p.isAlive()) {
          break;
        }
        waitOn(lock, deadline);
      }
    }
    step(probes.size() + " probes answered");
    if (traceReady && !probes.isEmpty()) {
      // A traced SYN sent after every probe finished: its events come after theirs.
      canary(canaryFrom, canaryTo, Duration.ofSeconds(5));
    }
    step("trace complete");
    ImmutableList<Trace.Packet> packets = trace.packets();
    ImmutableList.Builder<Attempt> out = ImmutableList.builder();
    synchronized (lock) {
      for (Probe pr : probes) {
        String a = answers.getOrDefault(pr.id(), "ERROR no answer from the lab prober");
        int sp = a.indexOf(' ');
        String word = sp < 0 ? a : a.substring(0, sp);
        String detail = sp < 0 ? "" : a.substring(sp + 1);
        Outcome o;
        try {
          o = Outcome.valueOf(word);
        } catch (IllegalArgumentException e) {
          o = Outcome.ERROR;
        }
        Optional<Trace.Packet> syn = packets.stream().filter(x -> x.saddr().equals(pr.from())
            && x.daddr().equals(pr.to()) && x.dport() == pr.port()).findFirst();
        Optional<Trace.Packet> synAck = packets.stream().filter(x -> x.daddr().equals(pr.from())
            && x.sport() == pr.port()).findFirst();
        // One solicitation resolves the server for every source on the link: any dropped
        // one explains them all.
        Optional<Trace.Packet> nd = Family.of(pr.to()) != Family.V6 ? Optional.empty()
            : packets.stream().filter(x -> x.neighbourDiscovery() && x.drop().isPresent()
                && x.saddr().equals(InetAddresses.forString(CLIENT_LL))).findFirst();
        out.add(new Attempt(pr, o, detail, syn, synAck, nd));
      }
    }
    return out.build();
  }

  // ---- namespaces -----------------------------------------------------------------------

  private ProcessRunner ns(String name) {
    return new SystemProcessRunner(List.of("ip", "netns", "exec", name), Map.of());
  }

  private void addNamespace(String name) {
    host.check(Command.of("ip", "netns", "add", name).withTimeout(STEP));
    namespaces.add(name);
  }

  private void ipBatch(String ns, List<String> lines, boolean force) {
    List<String> argv = new ArrayList<>(List.of("ip", "-n", ns));
    if (force) {
      argv.add("-force");
    }
    argv.addAll(List.of("-batch", "-"));
    Result r = host.run(Command.of(ImmutableList.copyOf(argv))
        .withStdin(String.join("\n", lines) + "\n").withTimeout(STEP));
    if (!r.ok() && !force) {
      throw new LabException("setting up the lab namespace failed (ip: " + r.firstErrorLine()
          + ")");
    }
  }

  /** Removes namespaces left by a doctor that was killed before it could clean up. */
  static void sweepStale(ProcessRunner host) {
    Result r = host.run(Command.of("ip", "netns", "list").withTimeout(STEP));
    if (!r.ok()) {
      return;
    }
    for (String line : r.stdout().split("\n")) {
      staleName(line).ifPresent(name -> {
        killInside(host, name);
        host.run(Command.of("ip", "netns", "del", name).withTimeout(STEP));
      });
    }
  }

  /** The namespace named on a line of {@code ip netns list}, if a dead doctor made it. */
  static Optional<String> staleName(String line) {
    Matcher m = OWN_NS.matcher(line.trim());
    if (!m.matches() || ProcessHandle.of(Long.parseLong(m.group(2))).isPresent()) {
      return Optional.empty();
    }
    return Optional.of(m.group(1));
  }

  private static void killInside(ProcessRunner host, String ns) {
    Result pids = host.run(Command.of("ip", "netns", "pids", ns).withTimeout(STEP));
    for (String pid : pids.stdout().split("\\s+")) {
      if (pid.matches("\\d+")) {
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  @Override
  public void close() {
    synchronized (processes) {
      for (Process p : processes) {
        try {
          p.getOutputStream().close();
        } catch (IOException e) {
          // Already gone.
        }
        p.destroyForcibly();
      }
      for (Process p : processes) {
        try {
          p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      processes.clear();
    }
    synchronized (namespaces) {
      for (String ns : namespaces) {
        try {
          killInside(host, ns);
          host.run(Command.of("ip", "netns", "del", ns).withTimeout(STEP));
        } catch (RuntimeException e) {
          // Keep removing the others; a later doctor sweeps what is left.
        }
      }
      namespaces.clear();
    }
    if (hook != null && Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down and runs this hook itself.
      }
    }
  }
}
