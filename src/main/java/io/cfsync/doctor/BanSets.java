package io.cfsync.doctor;

import com.fasterxml.jackson.jr.ob.JSON;
import com.google.common.collect.ImmutableList;
import com.google.common.net.InetAddresses;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ban lists of fail2ban and CrowdSec, wherever the host keeps them: ipsets ({@code f2b-*},
 * {@code crowdsec-blacklists*}), iptables chains ({@code f2b-*}, the older
 * {@code fail2ban-*}) with {@code -s ADDR} rules, and nftables sets in tables or sets named
 * after them ({@code inet f2b-table addr-set-*}, {@code ip crowdsec crowdsec-blacklists}).
 * A Cloudflare edge address in one of them is a 521/522 that no allowlist can fix.
 */
public final class BanSets {

  /** One ban list and the addresses it holds. */
  public record BanList(String kind, String name, String tool, PrefixSet addresses) {

    /** {@code fail2ban ipset f2b-nginx}. */
    public String describe() {
      return kind + " " + tool + " " + name;
    }
  }

  private static final Pattern BAN_NAME = Pattern.compile("(?i)(f2b|fail2ban|crowdsec)");
  private static final Pattern XT_RULE = Pattern.compile(
      "^-A (\\S+) (?:.* )?(?<!! )(?:-s|--source) (\\S+)");

  private BanSets() {}

  static String kindOf(String name) {
    return name.toLowerCase(java.util.Locale.ROOT).contains("crowdsec") ? "crowdsec" : "fail2ban";
  }

  /** Every ban list in the snapshot, whether or not it holds a Cloudflare address. */
  public static ImmutableList<BanList> find(RulesetSnapshot snap) {
    ImmutableList.Builder<BanList> out = ImmutableList.builder();
    out.addAll(ipsets(snap.ipsetSave()));
    for (RulesetSnapshot.Xtables x : snap.xtables()) {
      out.addAll(chains(x.save(), x.saveTool().replace("-save", "")));
    }
    out.addAll(nftSets(snap.nftJson()));
    return out.build();
  }

  static List<BanList> ipsets(String save) {
    Map<String, List<Prefix>> sets = new LinkedHashMap<>();
    for (String line : save.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 2 && f[0].equals("create") && BAN_NAME.matcher(f[1]).find()) {
        sets.put(f[1], new ArrayList<>());
      } else if (f.length >= 3 && f[0].equals("add") && sets.containsKey(f[1])) {
        // hash:ip,port elements read "1.2.3.4,tcp:80": the address is what is banned.
        element(f[2].split(",")[0]).ifPresent(sets.get(f[1])::addAll);
      }
    }
    List<BanList> out = new ArrayList<>();
    sets.forEach((n, p) -> out.add(new BanList(kindOf(n), n, "ipset", PrefixSet.of(p))));
    return out;
  }

  static List<BanList> chains(String save, String tool) {
    Map<String, List<Prefix>> chains = new LinkedHashMap<>();
    for (String line : save.split("\n")) {
      if (line.startsWith(":")) {
        String name = line.substring(1).split("\\s+")[0];
        if (BAN_NAME.matcher(name).find()) {
          chains.putIfAbsent(name, new ArrayList<>());
        }
        continue;
      }
      Matcher m = XT_RULE.matcher(line);
      if (m.find() && chains.containsKey(m.group(1))) {
        for (String a : m.group(2).split(",")) {
          element(a).ifPresent(chains.get(m.group(1))::addAll);
        }
      }
    }
    List<BanList> out = new ArrayList<>();
    chains.forEach((n, p) -> out.add(new BanList(kindOf(n), n, tool + " chain", PrefixSet.of(p))));
    return out;
  }

  static List<BanList> nftSets(String json) {
    List<BanList> out = new ArrayList<>();
    if (json.isBlank()) {
      return out;
    }
    try {
      Map<String, Object> doc = JSON.std.mapFrom(json);
      if (!(doc.get("nftables") instanceof List<?> items)) {
        return out;
      }
      for (Object o : items) {
        if (!(o instanceof Map<?, ?> m) || !(m.get("set") instanceof Map<?, ?> set)) {
          continue;
        }
        String table = String.valueOf(set.get("table"));
        String name = String.valueOf(set.get("name"));
        if (!BAN_NAME.matcher(table + " " + name).find()) {
          continue;
        }
        List<Prefix> prefixes = new ArrayList<>();
        if (set.get("elem") instanceof List<?> elems) {
          for (Object e : elems) {
            prefixes.addAll(nftElement(e));
          }
        }
        out.add(new BanList(kindOf(table + " " + name), set.get("family") + " " + table + " "
            + name, "nft set", PrefixSet.of(prefixes)));
      }
    } catch (IOException | RuntimeException e) {
      // Unreadable JSON: the other sources still count; the firewall probe still runs.
    }
    return out;
  }

  /** An element of {@code nft -j}: an address, {@code prefix}, {@code range} or {@code elem}. */
  static List<Prefix> nftElement(Object e) {
    if (e instanceof String s) {
      return element(s).orElse(List.of());
    }
    if (e instanceof Map<?, ?> m) {
      if (m.get("elem") instanceof Map<?, ?> inner) {
        return nftElement(inner.get("val"));
      }
      if (m.get("prefix") instanceof Map<?, ?> p && p.get("addr") instanceof String a
          && p.get("len") instanceof Number n) {
        return element(a + "/" + n.intValue()).orElse(List.of());
      }
      if (m.get("range") instanceof List<?> r && r.size() == 2
          && r.get(0) instanceof String a && r.get(1) instanceof String b) {
        return element(a + "-" + b).orElse(List.of());
      }
    }
    return List.of();
  }

  /** {@code 1.2.3.4}, {@code 1.2.3.0/24}, {@code 1.2.3.4-1.2.3.9}; anything else is empty. */
  static Optional<List<Prefix>> element(String s) {
    try {
      int dash = s.indexOf('-');
      if (dash > 0) {
        InetAddress a = InetAddresses.forString(s.substring(0, dash));
        InetAddress b = InetAddresses.forString(s.substring(dash + 1));
        return Optional.of(PrefixSet.ofInclusiveRange(a, b).prefixes());
      }
      int slash = s.indexOf('/');
      if (slash > 0) {
        InetAddress a = InetAddresses.forString(s.substring(0, slash));
        int len = Integer.parseInt(s.substring(slash + 1));
        // iptables-save prints host bits cleared; a hand-written ban may not: mask it.
        return Optional.of(List.of(Prefix.of(io.cfsync.model.Family.of(a),
            new java.math.BigInteger(1, a.getAddress()).shiftRight(
                io.cfsync.model.Family.of(a).bits() - len).shiftLeft(
                io.cfsync.model.Family.of(a).bits() - len), len)));
      }
      return Optional.of(List.of(Prefix.host(InetAddresses.forString(s))));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
