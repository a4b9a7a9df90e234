package io.cfsync.detect;

import com.fasterxml.jackson.jr.ob.JSON;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Backend;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Installed;
import io.cfsync.backend.XtFlavour;
import io.cfsync.backend.XtTable;
import io.cfsync.error.CfsyncException;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.model.Family;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@link HostFacts} from the host: listings and saves through a {@link ProcessRunner}
 * (so a test points it into a network namespace), files under a root directory (so a test
 * points it at a made-up {@code /etc} and {@code /proc}). Nothing it runs writes: {@code nft
 * -j list}, {@code iptables-*-save} (which loads no module and creates no table), and each
 * backend's own read. A tool that is missing or fails leaves its part empty with a note.
 */
public final class HostReader {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern ENABLED = Pattern.compile("(?m)^\\s*ENABLED\\s*=\\s*(\\S+)");
  private static final Pattern BAN_NAME = Pattern.compile("(?i)(f2b|fail2ban|crowdsec)");
  private static final Pattern TABLE_HEADER = Pattern.compile("(?m)^\\*(\\S+)");
  /** Chains firewalld's iptables backend creates (firewall/core/ipXtables.py). */
  private static final Set<String> FIREWALLD_CHAINS = ImmutableSet.of("INPUT_direct",
      "INPUT_ZONES", "INPUT_ZONES_SOURCE", "IN_public", "FORWARD_direct");
  private static final Set<String> XT_TABLE_NAMES = ImmutableSet.of("filter", "nat", "mangle",
      "raw", "security", "broute");
  /** firewalld's pid file (config.FIREWALLD_PIDFILE), and its /run twin on merged-/run hosts. */
  private static final List<String> FIREWALLD_PID = List.of("var/run/firewalld.pid",
      "run/firewalld.pid");

  private final ProcessRunner run;
  private final Path root;
  private final ImmutableMap<String, Supplier<Backend>> backends;

  /**
   * @param root where {@code etc/ufw/ufw.conf}, {@code run/firewalld.pid} and {@code proc/}
   *     are read from: {@code /} on a host
   * @param backends every backend whose own state counts (the registry)
   */
  public HostReader(ProcessRunner run, Path root, Map<String, Supplier<Backend>> backends) {
    this.run = run;
    this.root = root;
    this.backends = ImmutableMap.copyOf(backends);
  }

  /** Reads everything; {@code probe} names cfsync's objects for the backends' reads. */
  public HostFacts read(Desired probe) {
    List<String> notes = new ArrayList<>();
    List<HostFacts.Xtables> xt = xtables(notes);
    Map<String, List<String>> xtTables = new LinkedHashMap<>();
    for (HostFacts.Xtables x : xt) {
      if (x.flavour() == XtFlavour.NFT) {
        xtTables.computeIfAbsent(x.family() == Family.V4 ? "ip" : "ip6", k -> new ArrayList<>())
            .addAll(x.tables());
      }
    }
    Optional<Result> listed = tryRun(Command.of("nft", "-j", "list", "tables")
        .withTimeout(TIMEOUT));
    List<HostFacts.NftTable> nft = listed.isEmpty() ? List.of()
        : nftTables(listed.get(), probe.naming().table(), xtTables, notes);
    boolean ufwLoaded = xt.stream().anyMatch(HostFacts.Xtables::ufwChains);
    Optional<String> conf = file("etc/ufw/ufw.conf");
    boolean enabled = conf.map(c -> {
      Matcher m = ENABLED.matcher(c);
      return m.find() && m.group(1).replace("\"", "").equalsIgnoreCase("yes");
    }).orElse(false);
    HostFacts.Ufw ufw = new HostFacts.Ufw(conf.isPresent(), enabled, ufwLoaded);
    List<String> fwTables = nft.stream().filter(t -> t.role() == HostFacts.Role.FIREWALLD)
        .map(HostFacts.NftTable::id).toList();
    List<String> fwChains = new ArrayList<>();
    for (HostFacts.Xtables x : xt) {
      fwChains.addAll(x.firewalldChains());
    }
    HostFacts.Firewalld fw = new HostFacts.Firewalld(firewalldPid(),
        ImmutableList.copyOf(fwTables), ImmutableList.copyOf(fwChains.stream().distinct()
            .toList()));
    List<HostFacts.OwnState> own = ownState(probe, notes);
    return new HostFacts(ufw, fw, listed.isPresent(), ImmutableList.copyOf(nft),
        ImmutableList.copyOf(xt),
        ImmutableList.copyOf(own), ImmutableList.copyOf(notes));
  }

  // ---- iptables ---------------------------------------------------------------------------

  private List<HostFacts.Xtables> xtables(List<String> notes) {
    List<HostFacts.Xtables> out = new ArrayList<>();
    boolean any = false;
    for (XtFlavour fl : List.of(XtFlavour.NFT, XtFlavour.LEGACY)) {
      for (Family f : Family.values()) {
        Optional<HostFacts.Xtables> x = xtables(fl, f, notes);
        x.ifPresent(out::add);
        any |= x.isPresent();
      }
    }
    if (!any) {
      // Before iptables 1.8 there were no -nft/-legacy names: plain iptables-save is legacy.
      for (Family f : Family.values()) {
        xtables(XtFlavour.PLAIN, f, notes).ifPresent(out::add);
      }
    }
    return out;
  }

  private Optional<HostFacts.Xtables> xtables(XtFlavour fl, Family f, List<String> notes) {
    String tool = fl.save(f);
    Optional<Result> r = tryRun(Command.of(tool).withTimeout(TIMEOUT));
    if (r.isEmpty()) {
      return Optional.empty();
    }
    if (!r.get().ok()) {
      notes.add(tool + " exited " + r.get().exitCode() + ": " + r.get().firstErrorLine());
      return Optional.empty();
    }
    String dump = r.get().stdout();
    List<String> tables = new ArrayList<>();
    Matcher m = TABLE_HEADER.matcher(dump);
    while (m.find()) {
      tables.add(m.group(1));
    }
    boolean rules = false;
    for (String line : dump.split("\n")) {
      String l = line.strip();
      if (l.startsWith("-A ") || l.matches(":(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) "
          + "(DROP|REJECT)\\b.*")) {
        rules = true;
        break;
      }
    }
    XtTable filter = XtTable.parse(dump, "filter");
    List<String> fw = new ArrayList<>();
    for (String c : filter.policies().keySet()) {
      if (FIREWALLD_CHAINS.contains(c)) {
        fw.add(c);
      }
    }
    return Optional.of(new HostFacts.Xtables(fl, f, ImmutableList.copyOf(tables), rules,
        inputDrops(filter), filter.hasChain(f == Family.V4 ? "ufw-user-input"
            : "ufw6-user-input"), filter.hasChain("DOCKER-USER"), ImmutableList.copyOf(fw)));
  }

  /**
   * Why INPUT drops what nothing accepted: its policy, a last rule that drops or rejects
   * without a match, or a last unconditional jump to a chain that ends so (the usual
   * {@code -j LOGDROP}).
   */
  static Optional<String> inputDrops(XtTable filter) {
    String policy = filter.policies().getOrDefault("INPUT", "ACCEPT");
    if (policy.equals("DROP") || policy.equals("REJECT")) {
      return Optional.of("INPUT policy " + policy);
    }
    Optional<String> last = terminal(filter.rules("INPUT"));
    if (last.isEmpty()) {
      return Optional.empty();
    }
    if (last.get().equals("DROP") || last.get().equals("REJECT")) {
      return Optional.of("INPUT ends in -j " + last.get());
    }
    Optional<String> inner = terminal(filter.rules(last.get()));
    if (inner.isPresent() && (inner.get().equals("DROP") || inner.get().equals("REJECT"))) {
      return Optional.of("INPUT ends in -j " + last.get() + ", which ends in -j " + inner.get());
    }
    return Optional.empty();
  }

  /** The target of the last rule when it matches everything (comments aside). */
  private static Optional<String> terminal(List<XtTable.Rule> rules) {
    if (rules.isEmpty()) {
      return Optional.empty();
    }
    List<String> a = new ArrayList<>(rules.get(rules.size() - 1).args());
    for (int i = 0; i + 3 < a.size(); ) {
      if (a.get(i).equals("-m") && a.get(i + 1).equals("comment")
          && a.get(i + 2).equals("--comment")) {
        a.subList(i, i + 4).clear();
      } else {
        i++;
      }
    }
    boolean jump = a.size() >= 2 && (a.get(0).equals("-j") || a.get(0).equals("-g"));
    if (jump && (a.size() == 2 || a.get(1).equals("REJECT") && a.size() == 4
        && a.get(2).equals("--reject-with"))) {
      return Optional.of(a.get(1));
    }
    return Optional.empty();
  }

  // ---- nftables ---------------------------------------------------------------------------

  private List<HostFacts.NftTable> nftTables(Result tables, String ownTable,
      Map<String, List<String>> xtTables, List<String> notes) {
    if (!tables.ok()) {
      notes.add("nft exited " + tables.exitCode() + ": " + tables.firstErrorLine());
      return List.of();
    }
    Result chains = run.run(Command.of("nft", "-j", "list", "chains").withTimeout(TIMEOUT));
    Map<String, List<Map<?, ?>>> inputChains = new LinkedHashMap<>();
    for (Map<?, ?> c : items(chains.ok() ? chains.stdout() : "", "chain", notes)) {
      if ("input".equals(c.get("hook")) && "filter".equals(c.get("type"))) {
        inputChains.computeIfAbsent(c.get("family") + " " + c.get("table"),
            k -> new ArrayList<>()).add(c);
      }
    }
    List<HostFacts.NftTable> out = new ArrayList<>();
    for (Map<?, ?> t : items(tables.stdout(), "table", notes)) {
      String family = String.valueOf(t.get("family"));
      String name = String.valueOf(t.get("name"));
      String id = family + " " + name;
      HostFacts.Role role = role(family, name, ownTable, xtTables);
      List<HostFacts.InputChain> ics = new ArrayList<>();
      for (Map<?, ?> c : inputChains.getOrDefault(id, List.of())) {
        String chain = String.valueOf(c.get("name"));
        String policy = c.get("policy") == null ? "accept" : String.valueOf(c.get("policy"));
        int prio = c.get("prio") instanceof Number n ? n.intValue() : 0;
        boolean drops = policy.equals("drop");
        if (!drops && role == HostFacts.Role.OPERATOR) {
          drops = endsInDrop(family, name, chain, notes);
        }
        ics.add(new HostFacts.InputChain(chain, prio, policy, drops));
      }
      out.add(new HostFacts.NftTable(family, name, role, ImmutableList.copyOf(ics)));
    }
    return out;
  }

  static HostFacts.Role role(String family, String name, String ownTable,
      Map<String, List<String>> xtTables) {
    if (name.equals(ownTable) && family.equals("inet")) {
      return HostFacts.Role.CFSYNC;
    }
    if (name.equals("cfsyncdoctor")) {
      return HostFacts.Role.TOOL;
    }
    if (name.equals("firewalld") || name.startsWith("firewalld_")) {
      return HostFacts.Role.FIREWALLD;
    }
    if (xtTables.getOrDefault(family, List.of()).contains(name)
        || (family.equals("arp") || family.equals("bridge")) && XT_TABLE_NAMES.contains(name)) {
      return HostFacts.Role.IPTABLES;
    }
    if (BAN_NAME.matcher(name).find()) {
      return HostFacts.Role.BANS;
    }
    return HostFacts.Role.OPERATOR;
  }

  /** True when the chain's last rule is a bare drop or reject (counters and logs aside). */
  private boolean endsInDrop(String family, String table, String chain, List<String> notes) {
    Result r = run.run(Command.of("nft", "-j", "list", "chain", family, table, chain)
        .withTimeout(TIMEOUT));
    if (!r.ok()) {
      notes.add("nft list chain " + family + " " + table + " " + chain + " exited "
          + r.exitCode() + ": " + r.firstErrorLine());
      return false;
    }
    List<Map<?, ?>> rules = items(r.stdout(), "rule", notes);
    if (rules.isEmpty() || !(rules.get(rules.size() - 1).get("expr") instanceof List<?> expr)) {
      return false;
    }
    String verdict = null;
    for (Object e : expr) {
      if (!(e instanceof Map<?, ?> m) || m.size() != 1) {
        return false;
      }
      String key = String.valueOf(m.keySet().iterator().next());
      switch (key) {
        case "counter", "log", "limit" -> {
          if (key.equals("limit")) {
            return false;
          }
        }
        case "drop", "reject" -> verdict = key;
        default -> {
          return false;
        }
      }
    }
    return verdict != null;
  }

  private static List<Map<?, ?>> items(String json, String kind, List<String> notes) {
    List<Map<?, ?>> out = new ArrayList<>();
    if (json.isBlank()) {
      return out;
    }
    try {
      Map<String, Object> doc = JSON.std.mapFrom(json);
      if (doc.get("nftables") instanceof List<?> list) {
        for (Object o : list) {
          if (o instanceof Map<?, ?> m && m.get(kind) instanceof Map<?, ?> inner) {
            out.add(inner);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      notes.add("nft -j printed JSON cfsync cannot read (" + e.getMessage() + ")");
    }
    return out;
  }

  // ---- files, processes, backends ---------------------------------------------------------

  private Optional<String> file(String relative) {
    try {
      return Optional.of(Files.readString(root.resolve(relative), StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * A live firewalld process: the pid in its pid file, else any process named firewalld
   * (systemd starts it with {@code --nopid}; as a Python script its comm is the script's name).
   */
  private Optional<Long> firewalldPid() {
    for (String f : FIREWALLD_PID) {
      Optional<Long> pid = file(f).map(String::strip).filter(s -> s.matches("\\d{1,10}"))
          .map(Long::parseLong);
      if (pid.isPresent() && isFirewalld(pid.get())) {
        return pid;
      }
    }
    try (var dirs = Files.newDirectoryStream(root.resolve("proc"), "[0-9]*")) {
      for (Path d : dirs) {
        long pid = Long.parseLong(d.getFileName().toString());
        if (isFirewalld(pid)) {
          return Optional.of(pid);
        }
      }
    } catch (IOException | RuntimeException e) {
      // No readable /proc: the tables and chains still speak for firewalld.
    }
    return Optional.empty();
  }

  private boolean isFirewalld(long pid) {
    return file("proc/" + pid + "/comm").map(String::strip).filter("firewalld"::equals)
        .isPresent();
  }

  private List<HostFacts.OwnState> ownState(Desired probe, List<String> notes) {
    List<HostFacts.OwnState> out = new ArrayList<>();
    for (var e : backends.entrySet()) {
      try {
        Installed in = e.getValue().get().read(run, probe);
        if (in.present()) {
          out.add(new HostFacts.OwnState(e.getKey(), !in.prefixes().isEmpty()));
        }
      } catch (RuntimeException ex) {
        // Best effort: a backend whose tool is missing or whose files are odd has no state
        // to keep; the note says why (with -v).
        notes.add(e.getKey() + ": cfsync's own state could not be read (" + ex.getMessage()
            + ")");
      }
    }
    return out;
  }

  /** Runs a read; empty when the tool is not installed (it could not be started). */
  private Optional<Result> tryRun(Command c) {
    try {
      Result r = run.run(c);
      // "ip netns exec" reports a missing program itself, with its own exit code.
      if (r.exitCode() == 255 && r.stderr().contains("No such file or directory")
          || r.exitCode() == 127) {
        return Optional.empty();
      }
      return Optional.of(r);
    } catch (CfsyncException e) {
      return Optional.empty();
    }
  }

}
