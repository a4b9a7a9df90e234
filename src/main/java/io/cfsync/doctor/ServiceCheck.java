package io.cfsync.doctor;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The web server's systemd unit: running, restarting after failures, failed, and whether it
 * restarts on failure at all (a stopped server is the commonest 521). Reads
 * {@code systemctl show}, nothing else.
 */
public final class ServiceCheck {

  static final String CHECK = "service";

  /** The units looked at when no listening process names its own. */
  public static final ImmutableList<String> WEB_UNITS = ImmutableList.of("nginx.service",
      "apache2.service", "httpd.service", "caddy.service", "haproxy.service",
      "traefik.service");

  static final String PROPERTIES =
      "LoadState,ActiveState,SubState,Result,Restart,NRestarts,UnitFileState";

  private final ProcessRunner run;
  private final boolean systemd;

  /** @param systemd whether systemd is PID 1 here ({@code /run/systemd/system} exists) */
  public ServiceCheck(ProcessRunner run, boolean systemd) {
    this.run = run;
    this.systemd = systemd;
  }

  public ImmutableList<Finding> run(List<String> units) {
    if (!systemd) {
      return ImmutableList.of(Finding.of(CHECK, "", Status.WARN, "systemd is not running here "
          + "(no /run/systemd/system): " + String.join(", ", names(units)) + " not checked",
          "check the web server's supervisor by hand (e.g. `service nginx status`, "
          + "`docker ps`)"));
    }
    List<String> argv = new ArrayList<>(List.of("systemctl", "show", "-p", PROPERTIES));
    argv.addAll(units);
    Result r;
    try {
      r = run.run(Command.of(ImmutableList.copyOf(argv)).withTimeout(Duration.ofSeconds(20)));
    } catch (BackendFailure e) {
      return ImmutableList.of(Finding.of(CHECK, "", Status.WARN, "systemctl could not run ("
          + e.getMessage() + "): web server units not checked", "check them by hand: "
          + "`systemctl status nginx`"));
    }
    if (!r.ok() && r.stdout().isBlank()) {
      return ImmutableList.of(Finding.of(CHECK, "", Status.WARN, "systemctl show failed: "
          + r.firstErrorLine(), "check the units by hand: `systemctl status nginx`"));
    }
    List<Map<String, String>> blocks = parse(r.stdout());
    ImmutableList.Builder<Finding> out = ImmutableList.builder();
    boolean any = false;
    for (int i = 0; i < units.size() && i < blocks.size(); i++) {
      Map<String, String> p = blocks.get(i);
      if (!"loaded".equals(p.get("LoadState"))) {
        continue;
      }
      any = true;
      out.add(judge(units.get(i), p));
    }
    if (!any) {
      out.add(Finding.of(CHECK, "", Status.WARN, "none of " + String.join(", ", names(units))
          + " is a systemd unit here", "if the site runs in a container or under another "
          + "supervisor, check that it is up and restarts on failure"));
    }
    return out.build();
  }

  static Finding judge(String unit, Map<String, String> p) {
    String name = unit.replaceFirst("\\.service$", "");
    String active = p.getOrDefault("ActiveState", "?");
    String sub = p.getOrDefault("SubState", "?");
    String restart = p.getOrDefault("Restart", "?");
    int restarts = parseInt(p.get("NRestarts"));
    String state = active + " (" + sub + ")";
    ImmutableMap<String, Object> d = ImmutableMap.copyOf(new LinkedHashMap<String, Object>(p));
    String logs = "`journalctl -u " + unit + " -n 100` shows why";
    if (active.equals("failed")) {
      return Finding.of(CHECK, name, Status.FAIL, unit + " has failed (Result="
          + p.getOrDefault("Result", "?") + "): nothing answers Cloudflare (521)", logs
          + "; fix it, then `systemctl restart " + unit + "`").withDetails(d);
    }
    if (active.equals("activating") && sub.equals("auto-restart")) {
      return Finding.of(CHECK, name, Status.FAIL, unit + " is waiting to restart after a "
          + "failure (" + restarts + " restarts so far): 521 until it is back", logs)
          .withDetails(d);
    }
    if (active.equals("inactive")) {
      if ("enabled".equals(p.get("UnitFileState"))) {
        return Finding.of(CHECK, name, Status.FAIL, unit + " is enabled but not running",
            "`systemctl start " + unit + "`; " + logs).withDetails(d);
      }
      return Finding.ok(CHECK, name, unit + " is installed but not enabled or running (not "
          + "in use)").withDetails(d);
    }
    if (!active.equals("active")) {
      return Finding.of(CHECK, name, Status.WARN, unit + " is " + state, "check it again in a "
          + "moment; `systemctl status " + unit + "`").withDetails(d);
    }
    if (restart.equals("no")) {
      return Finding.of(CHECK, name, Status.WARN, unit + " is " + state + " but does not "
          + "restart on failure (Restart=no): a crash or OOM kill leaves 521 until someone "
          + "starts it", "`systemctl edit " + unit + "` and add `Restart=on-failure` under "
          + "[Service]").withDetails(d);
    }
    if (restarts > 0) {
      return Finding.of(CHECK, name, Status.WARN, unit + " is " + state + " but was restarted "
          + restarts + " time(s) after failures: each one was a 521 window", logs)
          .withDetails(d);
    }
    return Finding.ok(CHECK, name, unit + " is " + state + ", Restart=" + restart)
        .withDetails(d);
  }

  /** {@code systemctl show} of several units: KEY=VALUE lines, a blank line between units. */
  static List<Map<String, String>> parse(String out) {
    List<Map<String, String>> blocks = new ArrayList<>();
    Map<String, String> cur = new LinkedHashMap<>();
    for (String line : out.split("\n", -1)) {
      if (line.isBlank()) {
        if (!cur.isEmpty()) {
          blocks.add(cur);
          cur = new LinkedHashMap<>();
        }
        continue;
      }
      int eq = line.indexOf('=');
      if (eq > 0) {
        cur.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    if (!cur.isEmpty()) {
      blocks.add(cur);
    }
    return blocks;
  }

  private static int parseInt(String s) {
    try {
      return s == null ? 0 : Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static List<String> names(List<String> units) {
    return units.stream().map(u -> u.replaceFirst("\\.service$", "")).toList();
  }
}
