package io.cfsync.doctor;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recent OOM kills and crashes: the kernel log ({@code journalctl -k}, or {@code dmesg} where
 * there is no journal) for the OOM killer, segfaults and traps, and the journal for web
 * server units that failed or were restarted. Past events explain intermittent 521s; they
 * are WARN, since the service and listen checks say whether it is down now.
 */
public final class LogCheck {

  static final String KERNEL = "kernel-log";
  static final String JOURNAL = "journal";

  /** One kernel event: who, what, when. */
  public record KernelEvent(Instant at, String kind, String process, long pid, String line) {}

  /** One systemd message about a unit. */
  public record UnitEvent(Instant at, String unit, String what) {}

  private static final Pattern OOM = Pattern.compile(
      "(Out of memory|Memory cgroup out of memory|oom_reaper)?:? ?Kill(?:ed)? process (\\d+) "
      + "\\(([^)]+)\\)");
  private static final Pattern SEGV = Pattern.compile("\\b([^\\s\\[]+)\\[(\\d+)]: segfault at");
  private static final Pattern CONNTRACK_FULL = Pattern.compile("nf_conntrack: table full, "
      + "dropping packet");
  private static final Pattern TRAP = Pattern.compile("traps: ([^\\s\\[]+)\\[(\\d+)] ([^\\n]*)");
  private static final Pattern UNIT_MSG = Pattern.compile(
      "\\b([A-Za-z0-9@_.\\\\:-]+\\.service): (Failed with result '[^']+'|Main process exited, "
      + "code=(?:killed|dumped)[^\\n]*|Scheduled restart job[^\\n]*)");
  private static final Pattern DMESG_REL = Pattern.compile("^\\[\\s*(\\d+)\\.(\\d+)]\\s*(.*)$");
  private static final DateTimeFormatter SHORT_ISO =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssZ");

  private final ProcessRunner run;
  private final ProcFs proc;
  private final Instant now;
  private final Duration since;

  public LogCheck(ProcessRunner run, ProcFs proc, Instant now, Duration since) {
    this.run = run;
    this.proc = proc;
    this.now = now;
    this.since = since;
  }

  /**
   * @param webProcesses process names that serve the site (nginx, …, plus whatever listens)
   * @param units the web server units to look up in the journal
   */
  public ImmutableList<Finding> run(Set<String> webProcesses, List<String> units) {
    return ImmutableList.of(kernel(webProcesses), journal(units));
  }

  private Instant cutoff() {
    return now.minus(since);
  }

  private String window() {
    return "in the last " + human(since);
  }

  Finding kernel(Set<String> web) {
    Optional<String> source = Optional.empty();
    List<KernelEvent> events = List.of();
    Optional<Result> j = tryRun("journalctl", "-k", "--no-pager", "-o", "short-iso",
        "--since=@" + cutoff().getEpochSecond());
    if (j.isPresent() && j.get().ok() && !j.get().stderr().contains("No journal files")
        && !j.get().stdout().isBlank()) {
      source = Optional.of("journalctl -k");
      events = parseKernel(j.get().stdout(), Optional.empty());
    } else {
      Optional<Result> d = tryRun("dmesg", "--time-format=iso");
      if (d.isPresent() && d.get().ok()) {
        source = Optional.of("dmesg");
        events = parseKernel(d.get().stdout(), Optional.empty());
      } else {
        Optional<Result> plain = tryRun("dmesg");
        if (plain.isPresent() && plain.get().ok()) {
          source = Optional.of("dmesg");
          events = parseKernel(plain.get().stdout(), bootTime());
        }
      }
    }
    if (source.isEmpty()) {
      return Finding.of(KERNEL, "", Status.WARN, "no kernel log readable (journalctl -k, "
          + "dmesg): OOM kills and crashes not checked", "run doctor as root, or read "
          + "`dmesg | grep -i -e 'killed process' -e segfault` by hand");
    }
    List<KernelEvent> recent = events.stream().filter(e -> !e.at().isBefore(cutoff())).toList();
    List<KernelEvent> webEvents = recent.stream().filter(e -> web.contains(e.process())).toList();
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("source", source.get());
    d.put("since", cutoff().toString());
    d.put("events", recent.stream().map(e -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("at", e.at().toString());
      m.put("kind", e.kind());
      m.put("process", e.process());
      m.put("pid", e.pid());
      return m;
    }).toList());
    ImmutableMap<String, Object> details = ImmutableMap.copyOf(d);
    if (!webEvents.isEmpty()) {
      KernelEvent last = webEvents.get(webEvents.size() - 1);
      boolean oom = last.kind().equals("oom-kill");
      return Finding.of(KERNEL, "", Status.WARN, last.process() + " (pid " + last.pid() + ") "
          + (oom ? "was killed by the OOM killer" : "crashed (" + last.kind() + ")") + " at "
          + last.at()
          + (webEvents.size() > 1 ? " (" + webEvents.size() + " such events " + window() + ")"
              : "") + " (" + source.get() + "): a 521 window",
          oom ? "give it memory (swap, fewer workers, MemoryMax= on other services) and make "
              + "sure its unit has Restart=on-failure"
              : "upgrade or reconfigure " + last.process() + " and make sure its unit has "
              + "Restart=on-failure").withDetails(details);
    }
    List<KernelEvent> full = recent.stream().filter(e -> e.kind().equals("conntrack-full"))
        .toList();
    if (!full.isEmpty()) {
      return Finding.of(KERNEL, "", Status.WARN, "the conntrack table was full " + window()
          + " (last at " + full.get(full.size() - 1).at() + "): the kernel dropped new "
          + "connections, Cloudflare's included (522)", "raise net.netfilter.nf_conntrack_max "
          + "(sysctl) or find what fills it (`conntrack -S`)").withDetails(details);
    }
    List<KernelEvent> ooms = recent.stream().filter(e -> e.kind().equals("oom-kill")).toList();
    if (!ooms.isEmpty()) {
      return Finding.of(KERNEL, "", Status.WARN, "the OOM killer killed " + ooms.size()
          + " process(es) " + window() + " (last: " + ooms.get(ooms.size() - 1).process()
          + "): the web server may be next", "add memory or swap, or cap the hungry service "
          + "with MemoryMax=").withDetails(details);
    }
    return Finding.ok(KERNEL, "", "no OOM kill or crash " + window() + " (" + source.get()
        + ")").withDetails(details);
  }

  Finding journal(List<String> units) {
    List<String> argv = new ArrayList<>(List.of("journalctl", "--no-pager", "-o",
        "short-iso", "--since=@" + cutoff().getEpochSecond()));
    for (String u : units) {
      argv.add("-u");
      argv.add(u);
    }
    Optional<Result> r = tryRun(argv.toArray(String[]::new));
    if (r.isEmpty() || !r.get().ok() || r.get().stderr().contains("No journal files")) {
      return Finding.of(JOURNAL, "", Status.WARN, "no systemd journal here: failures of "
          + String.join(", ", units) + " not checked", "read the web server's own error log "
          + "(e.g. /var/log/nginx/error.log)");
    }
    List<UnitEvent> events = parseJournal(r.get().stdout()).stream()
        .filter(e -> !e.at().isBefore(cutoff())).toList();
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("since", cutoff().toString());
    d.put("events", events.stream().map(e -> ImmutableMap.of("at", e.at().toString(), "unit",
        e.unit(), "what", e.what())).toList());
    ImmutableMap<String, Object> details = ImmutableMap.copyOf(d);
    List<UnitEvent> failures = events.stream().filter(e -> !e.what().startsWith("Scheduled"))
        .toList();
    if (failures.isEmpty()) {
      return Finding.ok(JOURNAL, "", "no failure of " + String.join(", ", units) + " "
          + window()).withDetails(details);
    }
    UnitEvent last = failures.get(failures.size() - 1);
    long n = failures.stream().filter(e -> e.unit().equals(last.unit())).count();
    return Finding.of(JOURNAL, "", Status.WARN, last.unit() + ": " + n + " failure(s) "
        + window() + ", last at " + last.at() + ": " + last.what(), "`journalctl -u "
        + last.unit() + " -n 100` shows why; fix it so Cloudflare stops seeing 521 windows")
        .withDetails(details);
  }

  /** Kernel lines with an ISO time first, or dmesg's {@code [secs]} with {@code boot} given. */
  static List<KernelEvent> parseKernel(String text, Optional<Instant> boot) {
    List<KernelEvent> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      Optional<Instant> at;
      String msg;
      Matcher rel = DMESG_REL.matcher(line);
      if (rel.matches()) {
        if (boot.isEmpty()) {
          continue;
        }
        at = Optional.of(boot.get().plusSeconds(Long.parseLong(rel.group(1))));
        msg = rel.group(3);
      } else {
        int sp = line.indexOf(' ');
        if (sp < 0) {
          continue;
        }
        at = time(line.substring(0, sp));
        msg = line.substring(sp + 1);
      }
      if (at.isEmpty()) {
        continue;
      }
      Matcher m = OOM.matcher(msg);
      if (m.find()) {
        out.add(new KernelEvent(at.get(), "oom-kill", m.group(3), Long.parseLong(m.group(2)),
            msg));
        continue;
      }
      m = SEGV.matcher(msg);
      if (m.find()) {
        out.add(new KernelEvent(at.get(), "segfault", m.group(1), Long.parseLong(m.group(2)),
            msg));
        continue;
      }
      m = TRAP.matcher(msg);
      if (m.find()) {
        out.add(new KernelEvent(at.get(), "trap", m.group(1), Long.parseLong(m.group(2)), msg));
        continue;
      }
      if (CONNTRACK_FULL.matcher(msg).find()) {
        out.add(new KernelEvent(at.get(), "conntrack-full", "kernel", 0, msg));
      }
    }
    return dedupe(out);
  }

  /**
   * The OOM killer logs one kill on several lines; keep one event per pid and kind. Each
   * conntrack overflow line is its own event (the kernel rate-limits them already).
   */
  private static List<KernelEvent> dedupe(List<KernelEvent> in) {
    Map<String, KernelEvent> seen = new LinkedHashMap<>();
    for (KernelEvent e : in) {
      seen.putIfAbsent(e.kind() + "/" + e.pid() + "/" + e.process()
          + (e.kind().equals("conntrack-full") ? "/" + e.at() : ""), e);
    }
    return new ArrayList<>(seen.values());
  }

  static List<UnitEvent> parseJournal(String text) {
    List<UnitEvent> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      int sp = line.indexOf(' ');
      if (sp < 0) {
        continue;
      }
      Optional<Instant> at = time(line.substring(0, sp));
      Matcher m = UNIT_MSG.matcher(line);
      if (at.isPresent() && m.find()) {
        out.add(new UnitEvent(at.get(), m.group(1), m.group(2).trim()));
      }
    }
    return out;
  }

  /** {@code 2026-11-26T00:01:02+0000} (journalctl) or {@code ...,123456+00:00} (dmesg). */
  static Optional<Instant> time(String token) {
    try {
      return Optional.of(OffsetDateTime.parse(token.replace(',', '.')).toInstant());
    } catch (DateTimeParseException e) {
      try {
        return Optional.of(OffsetDateTime.parse(token, SHORT_ISO).toInstant());
      } catch (DateTimeParseException e2) {
        return Optional.empty();
      }
    }
  }

  private Optional<Instant> bootTime() {
    return proc.read("uptime").map(s -> s.trim().split("\\s+")[0]).flatMap(s -> {
      try {
        return Optional.of(now.minusMillis((long) (Double.parseDouble(s) * 1000)));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    });
  }

  private Optional<Result> tryRun(String... argv) {
    try {
      return Optional.of(run.run(Command.of(argv).withTimeout(Duration.ofSeconds(30))));
    } catch (BackendFailure e) {
      return Optional.empty();
    }
  }

  static String human(Duration d) {
    if (d.toDays() >= 2) {
      return d.toDays() + " days";
    }
    if (d.toHours() >= 2) {
      return d.toHours() + " h";
    }
    if (d.toMinutes() >= 2) {
      return d.toMinutes() + " min";
    }
    return d.toSeconds() + " s";
  }

  static final ImmutableSet<String> WEB_PROCESSES = ImmutableSet.of("nginx", "apache2", "httpd",
      "caddy", "haproxy", "traefik");
}
