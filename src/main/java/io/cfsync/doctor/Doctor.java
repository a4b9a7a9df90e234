package io.cfsync.doctor;

import com.google.common.base.Stopwatch;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableListMultimap;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Backend;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.state.CachedList;
import io.cfsync.state.StateDir;
import io.cfsync.sync.Log;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs every check in order and collects the findings: listening sockets, the firewall
 * (through a throw-away copy), ban lists, cfsync's own rules, the web server's unit, the
 * logs, and cfsync's own schedule and cache. Reads the host only; the one thing it creates
 * is the lab namespace pair, which it removes again.
 */
public final class Doctor {

  /** The checks by the name {@code --skip} takes. */
  public static final ImmutableList<String> CHECKS = ImmutableList.of("listen", "firewall",
      "own-rules", "services", "logs", "cfsync");

  /** Everything a run depends on, so tests can point each part elsewhere. */
  public record Config(ImmutableList<Integer> ports, ProcFs proc, ProcessRunner host,
      StateDir state, Map<String, Supplier<Backend>> backends, Duration since,
      Duration staleAfter, Duration probeTimeout, ImmutableSet<String> skip, Clock clock,
      Path systemdRunDir, Path cronDir) {

    public Config {
      ports = ImmutableList.copyOf(ports);
      backends = ImmutableMap.copyOf(backends);
      skip = ImmutableSet.copyOf(skip);
    }
  }

  private final Config c;
  private final Log log;

  public Doctor(Config config, Log log) {
    this.c = config;
    this.log = log;
  }

  public Report run() {
    Stopwatch sw = Stopwatch.createStarted();
    ImmutableList.Builder<Finding> out = ImmutableList.builder();
    boolean systemd = java.nio.file.Files.isDirectory(c.systemdRunDir());

    ListenCheck.Sockets sockets = sockets();
    step(sw, "sockets read");
    HostNet net = HostNet.read(c.host());
    step(sw, "interfaces read");
    Optional<RulesetSnapshot> snapshot = c.skip().contains("firewall") ? Optional.empty()
        : Optional.of(RulesetSnapshot.read(c.host(), c.proc()));
    step(sw, "firewall read");
    if (!c.skip().contains("listen")) {
      out.addAll(new ListenCheck(sockets, net, snapshot.map(RulesetSnapshot::dnatPorts)
          .orElse(Map.of())).run(c.ports()));
    }

    SelfCheck self = new SelfCheck(c.state(), c.clock().instant(), c.staleAfter());
    List<String> cacheWarnings = new ArrayList<>();
    List<CachedList> caches = self.caches(cacheWarnings);
    SelfCheck.Reference ref = SelfCheck.reference(caches);
    step(sw, "reference list: " + ref.name());

    // The firewall probe waits on SYN timeouts and JVM starts in its namespaces; the other
    // checks only read, so they run meanwhile.
    CompletableFuture<ImmutableList<Finding>> firewall = CompletableFuture.completedFuture(
        ImmutableList.of());
    if (snapshot.isPresent()) {
      RulesetSnapshot snap = snapshot.get();
      ImmutableList<BanSets.BanList> bans = BanSets.find(snap);
      log.debug("doctor: probing " + ref.prefixes().size() + " Cloudflare prefixes through a "
          + "copy of the ruleset");
      FirewallCheck check = new FirewallCheck(new FirewallCheck.Inputs(net, c.proc(), c.host(),
          snap, ref.prefixes(), ref.name(), bans, c.ports(), c.probeTimeout(), log));
      firewall = CompletableFuture.supplyAsync(check::run, Doctor::daemon);
    }
    ImmutableList.Builder<Finding> rest = ImmutableList.builder();
    if (!c.skip().contains("own-rules")) {
      rest.addAll(new OwnRulesCheck(c.backends(), c.host()).run(ref.set(), ref.name()));
      step(sw, "own rules read");
    }

    List<String> units = new ArrayList<>(ServiceCheck.WEB_UNITS);
    Set<String> webProcesses = new LinkedHashSet<>(LogCheck.WEB_PROCESSES);
    for (ListenSocket s : sockets.sockets()) {
      if (s.listening() && c.ports().contains(s.port())) {
        for (SocketOwners.Owner o : sockets.owners().get(s.inode())) {
          webProcesses.add(o.comm());
          o.unit().filter(u -> !units.contains(u)).ifPresent(units::add);
        }
      }
    }
    if (!c.skip().contains("services")) {
      rest.addAll(new ServiceCheck(c.host(), systemd).run(units));
      step(sw, "services read");
    }
    if (!c.skip().contains("logs")) {
      rest.addAll(new LogCheck(c.host(), c.proc(), c.clock().instant(), c.since())
          .run(webProcesses, units));
      step(sw, "logs read");
    }
    if (!c.skip().contains("cfsync")) {
      rest.addAll(self.run(caches, cacheWarnings, c.host(), systemd, c.cronDir()));
    }
    out.addAll(firewall.join());
    out.addAll(rest.build());
    step(sw, "done");
    return new Report(out.build(), sw.elapsed());
  }

  private static void daemon(Runnable r) {
    Thread t = new Thread(r, "doctor-firewall");
    t.setDaemon(true);
    t.start();
  }

  private void step(Stopwatch sw, String what) {
    log.debug(String.format(java.util.Locale.ROOT, "doctor: %s (%.2f s)", what,
        sw.elapsed().toMillis() / 1000.0));
  }

  /** Listening sockets from /proc, their owners, and IPV6_V6ONLY from ss where it can tell. */
  ListenCheck.Sockets sockets() {
    List<ListenSocket> all = new ArrayList<>();
    c.proc().read("net/tcp").ifPresent(t -> all.addAll(ProcNetTcp.parse(t, false,
        ByteOrder.nativeOrder())));
    c.proc().read("net/tcp6").ifPresent(t -> all.addAll(ProcNetTcp.parse(t, true,
        ByteOrder.nativeOrder())));
    Set<Long> inodes = new LinkedHashSet<>();
    for (ListenSocket s : all) {
      if (s.listening() && c.ports().contains(s.port())) {
        inodes.add(s.inode());
      }
    }
    ImmutableListMultimap<Long, SocketOwners.Owner> owners = SocketOwners.find(c.proc(), inodes);
    ImmutableMap<Long, Boolean> v6only = ImmutableMap.of();
    // ss asks the kernel of the namespace doctor runs in: only meaningful for the real /proc.
    if (c.proc().isSystem()) {
      try {
        Result r = c.host().run(Command.of("ss", "-Hltne").withTimeout(Duration.ofSeconds(10)));
        if (r.ok()) {
          v6only = SsV6Only.parse(r.stdout());
        }
      } catch (BackendFailure e) {
        log.debug("doctor: ss is not available (" + e.getMessage() + "); IPV6_V6ONLY unknown");
      }
    }
    return new ListenCheck.Sockets(ImmutableList.copyOf(all), owners, v6only,
        c.proc().bindV6Only());
  }
}
