package io.cfsync.cli;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Backend;
import io.cfsync.backend.BackendRegistry;
import io.cfsync.backend.PortRange;
import io.cfsync.doctor.Doctor;
import io.cfsync.doctor.Finding;
import io.cfsync.doctor.ProcFs;
import io.cfsync.doctor.Report;
import io.cfsync.doctor.Status;
import io.cfsync.error.UsageError;
import io.cfsync.exec.SystemProcessRunner;
import io.cfsync.state.StateDir;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cfsync doctor}: why does Cloudflare get 521/522 from this origin, and the fix. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
    description = {"Diagnose why Cloudflare gets 521 (refused) or 522 (timed out) from this "
        + "origin: what listens on the ports and where, whether the firewall lets every "
        + "Cloudflare prefix in (real SYNs through a throw-away copy of the ruleset), "
        + "fail2ban/CrowdSec bans of Cloudflare, cfsync's own rules, the web server's unit, "
        + "OOM kills and crashes, and cfsync's own schedule. One line per check (OK, WARN, "
        + "FAIL) and the fix. Reads the host only. See docs/doctor.md.", "",
        "Exit codes: 0 nothing wrong (WARN alone is 0 unless --strict), 1 doctor itself "
            + "failed, 2 something is wrong, 64 usage."})
final class DoctorCommand implements Callable<Integer> {

  static final String SCHEMA = "cfsync.doctor/v1";
  private static final int MAX_PORTS = 64;

  @Spec
  CommandSpec spec;

  @Mixin
  OutputOptions output;

  @Option(names = "--port", paramLabel = "P",
      description = "A protected TCP port to check (repeatable). Replaces --ports.")
  List<Integer> port = new ArrayList<>();

  @Option(names = "--ports", paramLabel = "LIST", defaultValue = "80,443",
      description = "Protected TCP ports: numbers and ranges. Default: ${DEFAULT-VALUE}.")
  String ports;

  @Option(names = "--backend", paramLabel = "B",
      description = "Read only this backend's rules for the own-rules check. Default: every "
          + "backend.")
  String backend;

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "cfsync's state directory (cached lists, last run). Default: "
          + "/var/lib/cfsync as root, else $XDG_STATE_HOME/cfsync.")
  Path stateDir;

  @Option(names = "--since", paramLabel = "DURATION", defaultValue = "24h",
      converter = Durations.class,
      description = "How far back the kernel log and journal are searched. Default: "
          + "${DEFAULT-VALUE}.")
  Duration since;

  @Option(names = "--stale-after", paramLabel = "DURATION", defaultValue = "2d",
      converter = Durations.class,
      description = "Warn when cfsync's lists were last fetched longer ago. Default: "
          + "${DEFAULT-VALUE}.")
  Duration staleAfter;

  @Option(names = "--probe-timeout", paramLabel = "DURATION", defaultValue = "2s",
      converter = Durations.class,
      description = "How long a test SYN waits before it counts as dropped (522). Default: "
          + "${DEFAULT-VALUE}.")
  Duration probeTimeout;

  @Option(names = "--skip", paramLabel = "CHECK", split = ",",
      description = "Skip checks: listen, firewall, own-rules, services, logs, cfsync.")
  List<String> skip = new ArrayList<>();

  @Option(names = "--strict", description = "Exit 2 on WARN too (for monitoring).")
  boolean strict;

  @Option(names = "--proc", paramLabel = "DIR", defaultValue = "/proc",
      description = "Read sockets and processes from DIR instead of /proc. Default: "
          + "${DEFAULT-VALUE}.")
  Path proc;

  @Override
  public Integer call() {
    Console log = output.console();
    for (String s : skip) {
      if (!Doctor.CHECKS.contains(s)) {
        throw new UsageError("--skip \"" + s + "\": use " + String.join(", ", Doctor.CHECKS));
      }
    }
    if (probeTimeout.isZero() || probeTimeout.isNegative()) {
      throw new UsageError("--probe-timeout must be positive");
    }
    Doctor.Config config = new Doctor.Config(portList(), new ProcFs(proc),
        new SystemProcessRunner(), new StateDir(stateDir != null ? stateDir
            : ListOptions.defaultStateDir()), backends(), since, staleAfter, probeTimeout,
        ImmutableSet.copyOf(skip), Clock.systemUTC(), Path.of("/run/systemd/system"),
        Path.of("/etc/cron.d"));
    Report report = new Doctor(config, log).run();
    PrintWriter out = spec.commandLine().getOut();
    int code = report.exitCode(strict);
    if (output.json) {
      out.print(Json.write(json(report, config, code)));
    } else {
      out.print(human(report));
    }
    out.flush();
    return code;
  }

  private ImmutableList<Integer> portList() {
    List<PortRange> ranges = new ArrayList<>();
    if (!port.isEmpty()) {
      for (int p : port) {
        if (p < 1 || p > 65535) {
          throw new UsageError("--port " + p + " is not a port (1-65535)");
        }
        ranges.add(PortRange.of(p));
      }
      if (spec.commandLine().getParseResult().hasMatchedOption("--ports")) {
        ranges.addAll(PortRange.parseList(ports));
      }
    } else {
      ranges.addAll(PortRange.parseList(ports));
    }
    Set<Integer> out = new LinkedHashSet<>();
    for (PortRange r : ranges) {
      for (int p = r.low(); p <= r.high(); p++) {
        out.add(p);
        if (out.size() > MAX_PORTS) {
          throw new UsageError("doctor checks at most " + MAX_PORTS + " ports: name them with "
              + "--port or a shorter --ports");
        }
      }
    }
    return ImmutableList.sortedCopyOf(out);
  }

  private Map<String, Supplier<Backend>> backends() {
    if (backend == null) {
      return BackendRegistry.all();
    }
    BackendRegistry.get(backend);
    return ImmutableMap.of(backend, BackendRegistry.all().get(backend));
  }

  /** One line per finding ({@code STATUS  name  message}), the fix under WARN and FAIL. */
  static String human(Report r) {
    int width = 0;
    for (Finding f : r.findings()) {
      width = Math.max(width, Math.min(22, f.name().length()));
    }
    StringBuilder sb = new StringBuilder();
    String line = "%-4s  %-" + width + "s  %s%n";
    for (Finding f : r.findings()) {
      sb.append(String.format(Locale.ROOT, line, f.status(), f.name(), f.message()));
      f.fix().ifPresent(fix -> sb.append(String.format(Locale.ROOT, line, "", "",
          "fix: " + fix)));
    }
    sb.append(String.format(Locale.ROOT, "%s: %d FAIL, %d WARN, %d OK (%.1f s)%n",
        r.worst() == Status.OK ? "healthy" : r.worst() == Status.WARN ? "no 521/522 cause "
            + "found, but see the warnings" : "521/522 causes found", r.count(Status.FAIL),
        r.count(Status.WARN), r.count(Status.OK), r.took().toMillis() / 1000.0));
    return sb.toString();
  }

  static Map<String, Object> json(Report r, Doctor.Config c, int code) {
    Map<String, Object> doc = Json.doc(SCHEMA);
    doc.put("status", r.worst().name());
    doc.put("exitCode", code);
    Map<String, Object> counts = new LinkedHashMap<>();
    for (Status s : Status.values()) {
      counts.put(s.name(), r.count(s));
    }
    doc.put("counts", counts);
    doc.put("ports", c.ports());
    doc.put("durationMs", r.took().toMillis());
    List<Object> checks = new ArrayList<>();
    for (Finding f : r.findings()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("check", f.check());
      m.put("subject", f.subject());
      m.put("name", f.name());
      m.put("status", f.status().name());
      m.put("message", f.message());
      m.put("fix", f.fix().orElse(null));
      m.put("details", f.details());
      checks.add(m);
    }
    doc.put("checks", checks);
    return doc;
  }
}
