package io.cfsync.doctor;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.cfsync.backend.Backend;
import io.cfsync.backend.Installed;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Are cfsync's own rules current? Reads what every backend owns through
 * {@link Backend#read} (the same read {@code plan} uses) and compares it, by the addresses
 * covered, with the reference list: missing Cloudflare prefixes are refused or fall through
 * to the host's own rules (521/522); stale ones let in addresses that are no longer
 * Cloudflare's.
 */
public final class OwnRulesCheck {

  static final String CHECK = "own-rules";

  private final Map<String, Supplier<Backend>> backends;
  private final ProcessRunner run;

  public OwnRulesCheck(Map<String, Supplier<Backend>> backends, ProcessRunner run) {
    this.backends = backends;
    this.run = run;
  }

  public ImmutableList<Finding> run(PrefixSet reference, String referenceName) {
    ImmutableList.Builder<Finding> out = ImmutableList.builder();
    if (backends.isEmpty()) {
      return out.add(Finding.of(CHECK, "", Status.WARN, "this cfsync has no firewall backend: "
          + "its own rules were not read", "use a cfsync build with its backends (nftables, "
          + "iptables, ipset, ufw)")).build();
    }
    List<String> absent = new ArrayList<>();
    Map<String, String> unreadable = new LinkedHashMap<>();
    boolean any = false;
    for (var e : backends.entrySet()) {
      Installed now;
      try {
        now = e.getValue().get().read(run);
      } catch (RuntimeException ex) {
        // A backend whose tool is not installed simply is not in use here.
        unreadable.put(e.getKey(), String.valueOf(ex.getMessage()));
        continue;
      }
      if (!now.present()) {
        absent.add(e.getKey());
        continue;
      }
      any = true;
      out.add(judge(e.getKey(), now.prefixes(), reference, referenceName));
    }
    if (!any) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("absent", absent);
      d.put("unreadable", unreadable);
      out.add(Finding.of(CHECK, "", Status.WARN, "cfsync's rules are not installed (looked in "
          + String.join(", ", backends.keySet()) + ")", "run `cfsync apply` (or check "
          + "--backend and the names in /etc/cfsync/cfsync.conf)")
          .withDetails(ImmutableMap.copyOf(d)));
    }
    return out.build();
  }

  static Finding judge(String backend, PrefixSet installed, PrefixSet reference,
      String referenceName) {
    PrefixSet missing = PrefixSet.empty();
    PrefixSet stale = PrefixSet.empty();
    List<String> unmanaged = new ArrayList<>();
    for (Family f : Family.values()) {
      if (installed.isEmpty(f)) {
        if (!reference.isEmpty(f)) {
          unmanaged.add(f.label());
        }
        continue;
      }
      missing = missing.union(reference.only(f).difference(installed.only(f)));
      stale = stale.union(installed.only(f).difference(reference.only(f)));
    }
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("backend", backend);
    d.put("reference", referenceName);
    d.put("missing", strings(missing.prefixes()));
    d.put("stale", strings(stale.prefixes()));
    d.put("unmanagedFamilies", unmanaged);
    ImmutableMap<String, Object> details = ImmutableMap.copyOf(d);
    String fix = "run `cfsync apply --backend " + backend + "`";
    String unmanagedNote = unmanaged.isEmpty() ? ""
        : "; no " + String.join("/", unmanaged) + " prefixes at all (--family?)";
    if (!missing.isEmpty()) {
      String msg = "cfsync's " + backend + " rules lack " + missing.prefixes().size()
          + " Cloudflare prefix(es) of " + referenceName + ": "
          + FirewallCheck.list(missing.prefixes()) + " (521/522 for those edges)"
          + (stale.isEmpty() ? "" : "; and still hold " + stale.prefixes().size()
              + " stale: " + FirewallCheck.list(stale.prefixes())) + unmanagedNote;
      return Finding.of(CHECK, backend, Status.FAIL, msg, fix).withDetails(details);
    }
    if (!stale.isEmpty()) {
      return Finding.of(CHECK, backend, Status.WARN, "cfsync's " + backend + " rules still let "
          + "in " + stale.prefixes().size() + " prefix(es) that are not in " + referenceName
          + ": " + FirewallCheck.list(stale.prefixes()) + " (stale, or --allow-extra)"
          + unmanagedNote, fix + " (a sync with a fresh list removes them)")
          .withDetails(details);
    }
    int v4 = installed.prefixCount(Family.V4);
    int v6 = installed.prefixCount(Family.V6);
    return Finding.ok(CHECK, backend, "cfsync's " + backend + " rules cover exactly "
        + referenceName + " (" + v4 + " IPv4 + " + v6 + " IPv6 prefixes)" + unmanagedNote)
        .withDetails(details);
  }

  private static List<String> strings(List<Prefix> ps) {
    return ps.stream().map(Prefix::toString).toList();
  }
}
