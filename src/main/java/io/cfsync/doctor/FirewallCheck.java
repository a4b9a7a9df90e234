package io.cfsync.doctor;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import com.google.common.net.InetAddresses;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.math.BigInteger;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Would a connection from Cloudflare to each protected port be accepted, refused (521) or
 * dropped (522)? Sends real SYNs from two sample addresses of every Cloudflare prefix (its
 * lowest and highest host) at a copy of the ruleset in a {@link Lab}, and names the rule the
 * trace shows deciding. The same run probes the Cloudflare addresses found in fail2ban and
 * CrowdSec ban lists, to tell whether those bans reach the web ports.
 */
public final class FirewallCheck {

  static final String CHECK = "firewall";
  static final String BANS = "bans";

  /** What the check needs from the host. */
  public record Inputs(HostNet net, ProcFs proc, io.cfsync.exec.ProcessRunner host,
      RulesetSnapshot snapshot, ImmutableList<Prefix> cloudflare, String listName,
      ImmutableList<BanSets.BanList> bans, ImmutableList<Integer> ports, Duration timeout,
      io.cfsync.sync.Log log) {}

  /** A Cloudflare address to probe and why: a prefix's sample, or a ban's member. */
  record Sample(InetAddress address, Prefix prefix, Optional<BanSets.BanList> ban) {}

  private static final int MAX_BAN_SAMPLES = 32;

  private final Inputs in;

  public FirewallCheck(Inputs in) {
    this.in = in;
  }

  public ImmutableList<Finding> run() {
    PrefixSet cf = PrefixSet.of(in.cloudflare());
    List<Sample> samples = samples(in.cloudflare());
    List<Sample> banSamples = banSamples(cf);
    ImmutableList.Builder<Finding> out = ImmutableList.builder();
    if (in.snapshot().empty() && in.snapshot().notes().isEmpty()) {
      for (int port : in.ports()) {
        for (Family f : Family.values()) {
          out.add(Finding.ok(CHECK, port + "/" + f.label(), "no firewall rules at all (no "
              + "nftables table, no iptables rule, no ipset): every Cloudflare address is "
              + "accepted"));
        }
      }
      return out.add(Finding.ok(BANS, "", "no fail2ban/CrowdSec set or chain")).build();
    }
    // With IPv6 off in the kernel (ipv6.disable=1) no namespace can hold an IPv6 address.
    boolean ipv6 = ProcFs.SYSTEM.read("net/if_inet6").isPresent();
    Set<InetAddress> sources = new LinkedHashSet<>();
    samples.stream().filter(s -> ipv6 || s.prefix().family() == Family.V4)
        .forEach(s -> sources.add(s.address()));
    banSamples.stream().filter(s -> ipv6 || s.prefix().family() == Family.V4)
        .forEach(s -> sources.add(s.address()));
    ImmutableList<Lab.Attempt> attempts;
    ImmutableList<String> notes;
    boolean traced;
    try (Lab lab = Lab.open(new Lab.Spec(in.net(), in.proc(), in.host(), in.snapshot(),
        ImmutableSet.copyOf(sources), in.ports(), in.timeout(), ipv6, in.log()))) {
      List<Lab.Probe> probes = new ArrayList<>();
      int n = 0;
      for (InetAddress a : sources) {
        for (int port : in.ports()) {
          probes.add(new Lab.Probe("p" + n++, a, lab.destinations().get(Family.of(a)), port));
        }
      }
      attempts = lab.run(probes);
      notes = ImmutableList.<String>builder().addAll(in.snapshot().notes()).addAll(lab.notes())
          .build();
      traced = lab.traced();
      in.log().debug("doctor lab: removing it");
    } catch (LabException e) {
      String why = e.getMessage();
      out.add(Finding.of(CHECK, "", Status.WARN, "not evaluated: the test namespace could not "
          + "be built (" + why + ")", "run cfsync doctor as root on the host itself (it needs "
          + "ip, nft and CAP_NET_ADMIN/CAP_SYS_ADMIN to build a throw-away namespace)"));
      out.addAll(banFindingsWithoutLab(cf));
      return out.build();
    }

    Map<InetAddress, List<Lab.Attempt>> bySource = attempts.stream().collect(Collectors
        .groupingBy(a -> a.probe().from(), LinkedHashMap::new, Collectors.toList()));
    for (int port : in.ports()) {
      for (Family f : Family.values()) {
        out.add(f == Family.V6 && !ipv6 ? Finding.ok(CHECK, port + "/" + f.label(), "IPv6 is "
            + "disabled in this kernel: Cloudflare reaches this host over IPv4 only")
            : judge(port, f, samples, bySource, traced));
      }
    }
    if (!notes.isEmpty()) {
      out.add(new Finding(CHECK, "lab", Status.WARN, "the copy of the firewall is incomplete: "
          + notes.get(0) + (notes.size() > 1 ? " (+" + (notes.size() - 1) + " more)" : ""),
          Optional.of("judge those rules by hand; docs/doctor.md lists what doctor cannot see"),
          ImmutableMap.of("notes", notes)));
    }
    out.addAll(banFindings(cf, banSamples, bySource));
    return out.build();
  }

  /** The lowest and highest host of each prefix (one address for /31, /32, /127, /128). */
  static List<Sample> samples(List<Prefix> prefixes) {
    List<Sample> out = new ArrayList<>();
    for (Prefix p : prefixes) {
      BigInteger size = p.size();
      if (size.compareTo(BigInteger.valueOf(4)) < 0) {
        out.add(new Sample(p.addressAt(BigInteger.ZERO), p, Optional.empty()));
      } else {
        out.add(new Sample(p.addressAt(BigInteger.ONE), p, Optional.empty()));
        out.add(new Sample(p.addressAt(size.subtract(BigInteger.TWO)), p, Optional.empty()));
      }
    }
    return out;
  }

  private List<Sample> banSamples(PrefixSet cf) {
    List<Sample> out = new ArrayList<>();
    for (BanSets.BanList b : in.bans()) {
      for (Prefix p : b.addresses().intersection(cf).prefixes()) {
        if (out.size() >= MAX_BAN_SAMPLES) {
          return out;
        }
        out.add(new Sample(p.addressAt(BigInteger.ZERO), p, Optional.of(b)));
      }
    }
    return out;
  }

  private Finding judge(int port, Family f, List<Sample> samples,
      Map<InetAddress, List<Lab.Attempt>> bySource, boolean traced) {
    String subject = port + "/" + f.label();
    List<Prefix> prefixes = in.cloudflare().stream().filter(p -> p.family() == f).toList();
    // Per prefix, the worst attempt of its samples on this port.
    Map<Prefix, Lab.Attempt> worst = new LinkedHashMap<>();
    for (Sample s : samples) {
      if (s.prefix().family() != f) {
        continue;
      }
      for (Lab.Attempt a : bySource.getOrDefault(s.address(), List.of())) {
        if (a.probe().port() != port) {
          continue;
        }
        Lab.Attempt prev = worst.get(s.prefix());
        if (prev == null || rank(a.outcome()) > rank(prev.outcome())) {
          worst.put(s.prefix(), a);
        }
      }
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    worst.forEach((p, a) -> rows.add(row(p, a)));
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("port", port);
    d.put("family", f.label());
    d.put("list", in.listName());
    InetAddress dest = lastDestination(bySource, f);
    if (dest != null) {
      d.put("destination", a(dest));
    }
    d.put("traced", traced);
    d.put("prefixes", rows);
    ImmutableMap<String, Object> details = ImmutableMap.copyOf(d);

    List<Prefix> bad = worst.entrySet().stream()
        .filter(e -> e.getValue().outcome() != Lab.Outcome.CONNECTED).map(Map.Entry::getKey)
        .toList();
    if (prefixes.isEmpty()) {
      return Finding.ok(CHECK, subject, "no Cloudflare " + f.label() + " prefix in "
          + in.listName()).withDetails(details);
    }
    if (bad.isEmpty()) {
      return Finding.ok(CHECK, subject, "all " + prefixes.size() + " Cloudflare "
          + f.label() + " prefixes connect to port " + port + " (" + 2 * prefixes.size()
          + " sample addresses through a copy of the ruleset)").withDetails(details);
    }
    List<Lab.Attempt> failed = bad.stream().map(worst::get).toList();
    if (failed.stream().allMatch(x -> x.outcome() == Lab.Outcome.ERROR)) {
      return Finding.of(CHECK, subject, Status.WARN, "could not probe " + bad.size()
          + " Cloudflare prefixes in the lab (" + failed.get(0).detail() + ")",
          "run doctor again; if it persists, report it with `cfsync doctor -v --json`")
          .withDetails(details);
    }
    Lab.Attempt first = failed.stream().filter(x -> x.outcome() != Lab.Outcome.ERROR)
        .findFirst().orElseThrow();
    String what = verdict(failed);
    Optional<BanSets.BanList> ban = in.bans().stream()
        .filter(b -> b.addresses().contains(first.probe().from())).findFirst();
    String by = first.decider().map(e -> "; decided by " + e.describe()
        + (first.ndDrop().isPresent() ? " (it drops IPv6 neighbour discovery, so no SYN "
            + "arrives)" : ""))
        .orElse(traced ? "; no nftables rule dropped it (iptables-legacy, the reply path or "
            + "routing)" : "") + ban.map(b -> "; " + a(first.probe().from()) + " is in "
            + b.describe()).orElse("");
    String msg = bad.size() + " of " + prefixes.size() + " Cloudflare " + f.label()
        + " prefixes " + what + " on port " + port + ": " + list(bad) + by;
    String fix = ban.map(b -> banFix(b, PrefixSet.of(Prefix.host(first.probe().from()))))
        .orElseGet(() -> fix(first, port, f));
    return Finding.of(CHECK, subject, Status.FAIL, msg, fix).withDetails(details);
  }

  private static InetAddress lastDestination(Map<InetAddress, List<Lab.Attempt>> bySource,
      Family f) {
    return bySource.values().stream().flatMap(List::stream).map(x -> x.probe().to())
        .filter(x -> Family.of(x) == f).findFirst().orElse(null);
  }

  private static int rank(Lab.Outcome o) {
    return switch (o) {
      case CONNECTED -> 0;
      case ERROR -> 1;
      case REFUSED, UNREACHABLE -> 2;
      case TIMEOUT -> 3;
    };
  }

  /** "dropped (522)", "refused (521)", or both. */
  private static String verdict(List<Lab.Attempt> failed) {
    boolean drop = failed.stream().anyMatch(x -> x.outcome() == Lab.Outcome.TIMEOUT);
    boolean refuse = failed.stream().anyMatch(x -> x.outcome() == Lab.Outcome.REFUSED
        || x.outcome() == Lab.Outcome.UNREACHABLE);
    if (drop && refuse) {
      return "are dropped (522) or refused (521)";
    }
    return drop ? "are dropped (522)" : "are refused (521)";
  }

  static String list(List<Prefix> ps) {
    String head = ps.stream().limit(4).map(Prefix::toString).collect(Collectors.joining(", "));
    return ps.size() > 4 ? head + " (+" + (ps.size() - 4) + " more)" : head;
  }

  /** The files cfsync renders so the ban tools never ban the edge again (docs/templates.md). */
  static final String F2B_IGNORE = "`cfsync render --backend fail2ban -o "
      + "/etc/fail2ban/jail.d/cfsync.local` and `fail2ban-client reload`";
  static final String CROWDSEC_WHITELIST = "`cfsync render --backend crowdsec -o "
      + "/etc/crowdsec/parsers/s02-enrich/cfsync-cloudflare.yaml` and `systemctl reload "
      + "crowdsec`";

  /** The one-line fix, from who decided: a ban tool, cfsync itself, UFW, Docker, or the operator. */
  String fix(Lab.Attempt a, int port, Family f) {
    Optional<Trace.Event> d = a.decider();
    if (d.isEmpty()) {
      return a.outcome() == Lab.Outcome.TIMEOUT
          ? "find the drop outside nftables: `iptables-legacy-save`, the OUTPUT chain, "
              + "rp_filter, or a provider firewall; then allow Cloudflare's ranges on port " + port
          : "find what refuses port " + port + " (`iptables-legacy-save`, a REJECT in OUTPUT) "
              + "and allow Cloudflare's ranges there";
    }
    if (a.ndDrop().isPresent()) {
      return "accept ICMPv6 neighbour discovery before that drop: `icmpv6 type { "
          + "nd-neighbor-solicit, nd-neighbor-advert } accept` (ip6tables: `-p icmpv6 -j ACCEPT`)";
    }
    String table = d.get().table();
    String chain = d.get().chain();
    String where = (table + " " + chain).toLowerCase(Locale.ROOT);
    if (where.contains("f2b") || where.contains("fail2ban")) {
      return "fail2ban bans Cloudflare's edge: `fail2ban-client unban --all`, then keep "
          + "Cloudflare's ranges in ignoreip: " + F2B_IGNORE;
    }
    if (where.contains("crowdsec")) {
      return "CrowdSec bans Cloudflare's edge: `cscli decisions delete --range PREFIX`, then "
          + "whitelist Cloudflare's ranges: " + CROWDSEC_WHITELIST;
    }
    if (table.endsWith(" cfsync") || chain.equals("CFSYNC") || chain.startsWith("CFSYNC")) {
      return "cfsync's own rules refuse them (stale sets): run `cfsync apply`";
    }
    if (chain.startsWith("ufw")) {
      return "allow Cloudflare in UFW: `cfsync apply --backend ufw`";
    }
    if (chain.startsWith("DOCKER") || chain.equals("FORWARD")) {
      return "allow Cloudflare where Docker's published ports pass: `cfsync apply --backend "
          + "iptables --hook docker-user --policy allow`";
    }
    // UFW's default policy drops in INPUT itself, after the packet went through its chains.
    boolean viaUfw = a.syn().map(p -> p.events().stream()
        .anyMatch(e -> e.chain().startsWith("ufw"))).orElse(false);
    if (viaUfw) {
      return "allow Cloudflare in UFW: `cfsync apply --backend ufw`";
    }
    boolean nativeTable = in.snapshot().nftTables().stream().anyMatch(t -> t.id().equals(table));
    if (nativeTable) {
      return "let Cloudflare in before that rule: `cfsync apply --policy allow --nft-table '"
          + table + "' --nft-chain " + chain + "`";
    }
    return "let Cloudflare in before that rule: `cfsync apply --backend iptables --policy "
        + "allow`" + (f == Family.V6 ? " (ip6tables)" : "");
  }

  private static Map<String, Object> row(Prefix p, Lab.Attempt a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("prefix", p.toString());
    m.put("sample", a(a.probe().from()));
    m.put("outcome", outcomeWord(a.outcome()));
    m.put("cloudflareError", switch (a.outcome()) {
      case TIMEOUT -> 522;
      case REFUSED, UNREACHABLE -> 521;
      default -> null;
    });
    m.put("rule", a.decider().map(Trace.Event::describe).orElse(null));
    m.put("detail", a.detail().isEmpty() ? null : a.detail());
    return m;
  }

  static String outcomeWord(Lab.Outcome o) {
    return switch (o) {
      case CONNECTED -> "accepted";
      case REFUSED -> "refused";
      case UNREACHABLE -> "unreachable";
      case TIMEOUT -> "dropped";
      case ERROR -> "error";
    };
  }

  private static String a(InetAddress x) {
    return x == null ? null : InetAddresses.toAddrString(x);
  }

  // ---- bans -----------------------------------------------------------------------------

  private List<Finding> banFindings(PrefixSet cf, List<Sample> banSamples,
      Map<InetAddress, List<Lab.Attempt>> bySource) {
    List<Finding> out = new ArrayList<>();
    Map<BanSets.BanList, List<Sample>> byBan = banSamples.stream().collect(Collectors
        .groupingBy(s -> s.ban().orElseThrow(), LinkedHashMap::new, Collectors.toList()));
    for (var e : byBan.entrySet()) {
      BanSets.BanList b = e.getKey();
      List<Lab.Attempt> blocked = new ArrayList<>();
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Sample s : e.getValue()) {
        for (Lab.Attempt a : bySource.getOrDefault(s.address(), List.of())) {
          rows.add(row(s.prefix(), a));
          if (a.outcome() != Lab.Outcome.CONNECTED && a.outcome() != Lab.Outcome.ERROR) {
            blocked.add(a);
          }
        }
      }
      PrefixSet hit = b.addresses().intersection(cf);
      String addrs = hosts(hit);
      ImmutableMap<String, Object> details = ImmutableMap.of("list", b.describe(),
          "cloudflareAddresses", hit.prefixes().stream().map(Prefix::toString).toList(),
          "probes", rows);
      if (!blocked.isEmpty()) {
        Lab.Attempt x = blocked.get(0);
        out.add(Finding.of(BANS, b.name(), Status.FAIL, b.describe() + " bans Cloudflare's "
            + addrs + ": " + outcomeWord(x.outcome()) + " on port " + x.probe().port() + " ("
            + (x.outcome() == Lab.Outcome.TIMEOUT ? 522 : 521) + ")", banFix(b, hit))
            .withDetails(details));
      } else {
        out.add(Finding.of(BANS, b.name(), Status.WARN, b.describe() + " bans Cloudflare's "
            + addrs + ", though " + portWords() + " still accept" + (in.ports().size() == 1
            ? "s" : "") + " it (the ban covers other ports)", banFix(b, hit))
            .withDetails(details));
      }
    }
    if (out.isEmpty()) {
      out.add(noBans());
    }
    return out;
  }

  private List<Finding> banFindingsWithoutLab(PrefixSet cf) {
    List<Finding> out = new ArrayList<>();
    for (BanSets.BanList b : in.bans()) {
      PrefixSet hit = b.addresses().intersection(cf);
      if (!hit.isEmpty()) {
        out.add(Finding.of(BANS, b.name(), Status.WARN, b.describe() + " bans Cloudflare's "
            + hosts(hit) + " (not probed: whether it reaches " + portWords()
            + " is unknown)", banFix(b, hit)));
      }
    }
    if (out.isEmpty()) {
      out.add(noBans());
    }
    return out;
  }

  /** Nothing banned, as far as doctor could read: a read that failed makes that a WARN. */
  private Finding noBans() {
    String what = in.bans().isEmpty() ? "no fail2ban/CrowdSec set or chain"
        : "no Cloudflare address in " + in.bans().stream().map(BanSets.BanList::describe)
            .collect(Collectors.joining(", "));
    Optional<String> failed = in.snapshot().notes().stream().filter(n -> n.contains("failed"))
        .findFirst();
    if (failed.isPresent()) {
      return Finding.of(BANS, "", Status.WARN, what + " found, but " + failed.get(),
          "run cfsync doctor as root so it can read every table and set");
    }
    return Finding.ok(BANS, "", what);
  }

  private String portWords() {
    return (in.ports().size() == 1 ? "port " : "ports ")
        + in.ports().stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  /** Prefixes as an operator writes them: single hosts without /32 or /128. */
  static String hosts(PrefixSet s) {
    List<String> xs = s.prefixes().stream().map(p -> p.length() == p.family().bits()
        ? InetAddresses.toAddrString(p.network()) : p.toString()).toList();
    String head = xs.stream().limit(4).collect(Collectors.joining(", "));
    return xs.size() > 4 ? head + " (+" + (xs.size() - 4) + " more)" : head;
  }

  private static String banFix(BanSets.BanList b, PrefixSet hit) {
    String one = hit.prefixes().get(0).toString().replaceAll("/(32|128)$", "");
    if (b.kind().equals("crowdsec")) {
      return "`cscli decisions delete --range " + hit.prefixes().get(0) + "`, then whitelist "
          + "Cloudflare's ranges: " + CROWDSEC_WHITELIST;
    }
    return "`fail2ban-client unban " + one + "`, then keep Cloudflare's ranges in ignoreip: "
        + F2B_IGNORE;
  }
}
