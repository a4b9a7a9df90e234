package io.cfsync.doctor;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's firewall as its own tools print it, read-only: native nftables tables
 * ({@code nft -s list table}), iptables tables through {@code iptables-save} of the flavour
 * that owns them (iptables-nft tables hold {@code xt} matches that nft cannot load back, so
 * they travel as iptables-save text), iptables-legacy tables, and {@code ipset save}.
 */
public record RulesetSnapshot(ImmutableList<NftTable> nftTables, ImmutableList<Xtables> xtables,
    String ipsetSave, String nftJson, ImmutableList<String> notes) {

  /** One native nftables table as {@code nft -s list table} prints it. */
  public record NftTable(String family, String name, String text) {
    public String id() {
      return family + " " + name;
    }
  }

  /**
   * One tool's save output, e.g. {@code iptables-nft-save}, and the restore command of the
   * same flavour that loads it back ({@code iptables-nft-restore}).
   */
  public record Xtables(String saveTool, String restoreTool, String save) {
    public boolean v6() {
      return saveTool.startsWith("ip6");
    }
  }

  /** The table doctor adds in its namespace to trace packets; never copied. */
  static final String TRACE_TABLE = "cfsyncdoctor";

  static final ImmutableSet<String> XT_TABLES =
      ImmutableSet.of("filter", "nat", "mangle", "raw", "security");

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern TABLE_LINE = Pattern.compile("^table (\\S+) (\\S+)\\s*$");
  private static final Pattern INCOMPATIBLE = Pattern.compile(
      "# Table `([^']+)' (?:contains incompatible|is incompatible)");

  public RulesetSnapshot {
    nftTables = ImmutableList.copyOf(nftTables);
    xtables = ImmutableList.copyOf(xtables);
    notes = ImmutableList.copyOf(notes);
  }

  public boolean empty() {
    return nftTables.isEmpty() && xtables.isEmpty() && ipsetSave.isBlank();
  }

  /** Every rule text of the snapshot, for searches that do not care about the tool. */
  public String allText() {
    StringBuilder sb = new StringBuilder();
    nftTables.forEach(t -> sb.append(t.text()).append('\n'));
    xtables.forEach(x -> sb.append(x.save()).append('\n'));
    return sb.toString();
  }

  /** One DNAT rule: where it sends, and which destination ports it matches (may be none). */
  public record Dnat(java.net.InetAddress target, Optional<Integer> targetPort,
      ImmutableList<Integer> dports) {

    /** {@code 172.17.0.2:80}, {@code [fd00::2]:80}. */
    public String describe() {
      String a = com.google.common.net.InetAddresses.toAddrString(target);
      if (targetPort.isEmpty()) {
        return a;
      }
      return (target instanceof java.net.Inet6Address ? "[" + a + "]" : a) + ":"
          + targetPort.get();
    }
  }

  // iptables: --to-destination 172.17.0.2:80 / [fd00::2]:80; nft: dnat [ip|ip6] to ADDR[:PORT]
  // (IPv6 with a port in brackets). A bare IPv6 address never has a port.
  private static final Pattern DNAT_TARGET = Pattern.compile(
      "(?:--to-destination|dnat (?:ip6? )?to) (?:\\[([0-9a-fA-F:.]+)](?::(\\d+))?"
      + "|(\\d+\\.\\d+\\.\\d+\\.\\d+)(?::(\\d+))?|([0-9a-fA-F]*:[0-9a-fA-F:.]*))");
  private static final Pattern XT_DPORTS = Pattern.compile("--dports? ([0-9,]+)");
  private static final Pattern NFT_DPORT = Pattern.compile("\\bdport (\\d+)\\b");
  private static final Pattern NFT_DPORTS = Pattern.compile("\\bdport \\{ ([0-9, ]+) }");

  /** Every DNAT rule of the snapshot, in order. */
  public ImmutableList<Dnat> dnats() {
    ImmutableList.Builder<Dnat> out = ImmutableList.builder();
    for (String line : allText().split("\n")) {
      Matcher t = DNAT_TARGET.matcher(line);
      if (!t.find()) {
        continue;
      }
      String addr = t.group(1) != null ? t.group(1) : t.group(3) != null ? t.group(3)
          : t.group(5);
      String port = t.group(1) != null ? t.group(2) : t.group(4);
      if (!com.google.common.net.InetAddresses.isInetAddress(addr)) {
        continue;
      }
      java.util.Set<Integer> ports = new java.util.TreeSet<>();
      for (Pattern p : List.of(XT_DPORTS, NFT_DPORTS, NFT_DPORT)) {
        Matcher m = p.matcher(line);
        while (m.find()) {
          for (String x : m.group(1).split("[, ]+")) {
            if (!x.isBlank()) {
              ports.add(Integer.parseInt(x.trim()));
            }
          }
        }
      }
      out.add(new Dnat(com.google.common.net.InetAddresses.forString(addr),
          Optional.ofNullable(port).map(Integer::parseInt), ImmutableList.copyOf(ports)));
    }
    return out.build();
  }

  /**
   * Ports the host DNATs elsewhere (Docker's published ports, a load balancer's forwards):
   * port → the DNAT rules. Nothing needs to listen on such a port here.
   */
  public java.util.Map<Integer, List<Dnat>> dnatPorts() {
    java.util.Map<Integer, List<Dnat>> out = new java.util.TreeMap<>();
    for (Dnat d : dnats()) {
      for (int port : d.dports()) {
        out.computeIfAbsent(port, k -> new ArrayList<>()).add(d);
      }
    }
    return out;
  }

  /** Reads the firewall through {@code run}; tools that are missing are skipped and noted. */
  public static RulesetSnapshot read(ProcessRunner run, ProcFs proc) {
    List<String> notes = new ArrayList<>();
    List<String[]> tables = new ArrayList<>();
    boolean nft = false;
    Optional<Result> listed = tryRun(run, "nft", "list", "tables");
    if (listed.isPresent() && listed.get().ok()) {
      nft = true;
      for (String line : listed.get().stdout().split("\n")) {
        Matcher m = TABLE_LINE.matcher(line.trim());
        if (m.matches() && !m.group(2).equals(TRACE_TABLE)) {
          tables.add(new String[] {m.group(1), m.group(2)});
        }
      }
    } else {
      notes.add(listed.isEmpty() ? "nft is not installed: nftables rules (and iptables-nft) "
          + "were not read" : "nft list tables failed: " + listed.get().firstErrorLine());
    }

    List<Xtables> xt = new ArrayList<>();
    java.util.Set<String> viaXtables = new java.util.HashSet<>();
    for (String fam : List.of("ip", "ip6")) {
      boolean any = tables.stream().anyMatch(t -> t[0].equals(fam) && XT_TABLES.contains(t[1]));
      if (!any) {
        continue;
      }
      String tool = fam.equals("ip") ? "iptables" : "ip6tables";
      String save = tool + "-nft-save";
      String restore = tool + "-nft-restore";
      Optional<Result> r = tryRun(run, save);
      if (r.isEmpty()) {
        // Distributions without the -nft names ship an nf_tables iptables-save.
        save = tool + "-save";
        restore = tool + "-restore";
        r = tryRun(run, save).filter(x -> x.stdout().contains("(nf_tables)")
            || x.stdout().isBlank());
      }
      if (r.isEmpty() || !r.get().ok()) {
        notes.add(tool + "-nft-save " + (r.isEmpty() ? "is not installed" : "failed: "
            + r.get().firstErrorLine()) + ": the " + fam + " iptables tables are copied as nft "
            + "text, and rules with xt matches may not load");
        continue;
      }
      java.util.Set<String> incompatible = new java.util.HashSet<>();
      Matcher m = INCOMPATIBLE.matcher(r.get().stdout() + "\n" + r.get().stderr());
      while (m.find()) {
        incompatible.add(m.group(1));
      }
      Map<String, String> sections = sections(r.get().stdout());
      StringBuilder keep = new StringBuilder();
      for (var s : sections.entrySet()) {
        boolean exists = tables.stream().anyMatch(t -> t[0].equals(fam)
            && t[1].equals(s.getKey()));
        if (exists && !incompatible.contains(s.getKey())) {
          keep.append(s.getValue());
          viaXtables.add(fam + " " + s.getKey());
        }
      }
      if (keep.length() > 0) {
        xt.add(new Xtables(save, restore, keep.toString()));
      }
    }
    for (String[] legacy : new String[][] {{"ip_tables_names", "iptables-legacy"},
        {"ip6_tables_names", "ip6tables-legacy"}}) {
      boolean present = proc.read("net/" + legacy[0]).map(s -> !s.isBlank()).orElse(false);
      if (!present) {
        continue;
      }
      Optional<Result> r = tryRun(run, legacy[1] + "-save");
      if (r.isPresent() && r.get().ok() && !r.get().stdout().isBlank()) {
        xt.add(new Xtables(legacy[1] + "-save", legacy[1] + "-restore", r.get().stdout()));
      } else {
        notes.add("iptables-legacy tables exist (/proc/net/" + legacy[0] + ") but "
            + legacy[1] + "-save " + (r.isEmpty() ? "is not installed" : "failed")
            + ": those rules were not evaluated");
      }
    }

    List<NftTable> native_ = new ArrayList<>();
    for (String[] t : tables) {
      if (viaXtables.contains(t[0] + " " + t[1])) {
        continue;
      }
      Optional<Result> r = tryRun(run, "nft", "-s", "list", "table", t[0], t[1]);
      if (r.isPresent() && r.get().ok()) {
        native_.add(new NftTable(t[0], t[1], r.get().stdout()));
      } else {
        notes.add("nft list table " + t[0] + " " + t[1] + " failed"
            + r.map(x -> ": " + x.firstErrorLine()).orElse(""));
      }
    }
    String json = "";
    if (nft) {
      Optional<Result> j = tryRun(run, "nft", "-j", "-s", "list", "ruleset");
      if (j.isPresent() && j.get().ok()) {
        json = j.get().stdout();
      }
    }
    String ipset = tryRun(run, "ipset", "save").filter(Result::ok).map(Result::stdout)
        .orElse("");
    return new RulesetSnapshot(ImmutableList.copyOf(native_), ImmutableList.copyOf(xt), ipset,
        json, ImmutableList.copyOf(notes));
  }

  /** {@code *filter ... COMMIT} sections of a save file by table name, comments dropped. */
  static Map<String, String> sections(String save) {
    Map<String, String> out = new LinkedHashMap<>();
    String table = null;
    StringBuilder cur = new StringBuilder();
    for (String line : save.split("\n")) {
      if (line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("*")) {
        table = line.substring(1).trim();
        cur = new StringBuilder();
      }
      if (table != null) {
        cur.append(line).append('\n');
        if (line.trim().equals("COMMIT")) {
          out.put(table, cur.toString());
          table = null;
        }
      }
    }
    return out;
  }

  private static Optional<Result> tryRun(ProcessRunner run, String... argv) {
    try {
      return Optional.of(run.run(Command.of(argv).withTimeout(TIMEOUT)));
    } catch (BackendFailure e) {
      // Not installed (or hung): the caller notes what it could not read.
      return Optional.empty();
    }
  }
}
