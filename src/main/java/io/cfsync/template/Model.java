package io.cfsync.template;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The variables a template sees (documented in docs/templates.md; the list there and
 * {@link #TOP} / {@link #ITEM} are kept in step by a test). Everything is precomputed here,
 * in each tool's own spelling, so templates stay logic-less: a template never has to join a
 * list or translate a port range.
 */
public final class Model {

  /** Fields of every list item ({@code ipv4}, {@code ipv6}, {@code prefixes}, extras). */
  static final ImmutableSet<String> ITEM = ImmutableSet.of("cidr", "address", "length",
      "family", "index", "first", "last");

  /** Fields of a {@code ports} / {@code otherPorts} item. */
  static final ImmutableSet<String> PORT_ITEM = ImmutableSet.of("port", "low", "high",
      "single", "nft", "iptables", "ufw", "first", "last");

  /** The list-valued top-level names and what their items hold. */
  static final ImmutableMap<String, ImmutableSet<String>> LISTS =
      ImmutableMap.<String, ImmutableSet<String>>builder()
          .put("ipv4", ITEM).put("ipv6", ITEM).put("prefixes", ITEM)
          .put("extraV4", ITEM).put("extraV6", ITEM).put("extras", ITEM)
          .put("ports", PORT_ITEM).put("otherPorts", PORT_ITEM)
          .buildOrThrow();

  /** Every top-level name. */
  static final ImmutableSet<String> TOP = ImmutableSet.<String>builder()
      .addAll(LISTS.keySet())
      .add("version", "kind", "family", "hasIpv4", "hasIpv6", "hasExtra", "hasExtraV4",
          "hasExtraV6", "ipv4Count", "ipv6Count", "portsNft", "portsList", "portsMultiport",
          "portsUfw", "policy", "restrict", "allow", "action", "drop", "reject", "nftVerdict",
          "iptablesVerdict", "ufwVerdict", "hook", "input", "dockerUser", "hookChain",
          "table", "chain", "setV4", "setV6", "setTmpV4", "setTmpV6", "setExtraV4",
          "setExtraV6", "comment", "nftTableFamily", "nftTable", "nftChain")
      .build();

  private Model() {}

  static Map<String, Object> of(Kind kind, Settings s, String version) {
    Map<String, Object> m = new LinkedHashMap<>();
    PrefixSet p = s.prefixes();
    m.put("version", version);
    m.put("kind", kind.word());
    m.put("family", s.families().size() == 2 ? "both"
        : s.families().iterator().next().digit());
    List<Map<String, Object>> v4 = items(s.families().contains(Family.V4)
        ? p.prefixes(Family.V4) : List.of());
    List<Map<String, Object>> v6 = items(s.families().contains(Family.V6)
        ? p.prefixes(Family.V6) : List.of());
    m.put("ipv4", v4);
    m.put("ipv6", v6);
    List<Prefix> all = new ArrayList<>();
    for (Family f : Family.values()) {
      if (s.families().contains(f)) {
        all.addAll(p.prefixes(f));
      }
    }
    m.put("prefixes", items(all));
    m.put("hasIpv4", !v4.isEmpty());
    m.put("hasIpv6", !v6.isEmpty());
    m.put("ipv4Count", v4.size());
    m.put("ipv6Count", v6.size());

    boolean restrict = s.policy() == Policy.RESTRICT;
    // Extra sources only widen a restrict policy; under allow they would mean nothing.
    List<Prefix> x4 = restrict && s.families().contains(Family.V4)
        ? s.allowExtra().prefixes(Family.V4) : List.of();
    List<Prefix> x6 = restrict && s.families().contains(Family.V6)
        ? s.allowExtra().prefixes(Family.V6) : List.of();
    m.put("extraV4", items(x4));
    m.put("extraV6", items(x6));
    List<Prefix> xs = new ArrayList<>(x4);
    xs.addAll(x6);
    m.put("extras", items(xs));
    m.put("hasExtraV4", !x4.isEmpty());
    m.put("hasExtraV6", !x6.isEmpty());
    m.put("hasExtra", !xs.isEmpty());

    m.put("ports", ports(s.ports()));
    m.put("otherPorts", ports(complement(s.ports())));
    m.put("portsNft", s.ports().stream().map(PortRange::toString)
        .collect(Collectors.joining(", ")));
    m.put("portsList", PortRange.join(s.ports(), '-'));
    m.put("portsMultiport", PortRange.join(s.ports(), ':'));
    m.put("portsUfw", PortRange.join(s.ports(), ':'));

    m.put("policy", s.policy().word());
    m.put("restrict", restrict);
    m.put("allow", !restrict);
    m.put("action", s.action().word());
    m.put("drop", s.action() == Action.DROP);
    m.put("reject", s.action() == Action.REJECT);
    m.put("nftVerdict", s.action() == Action.DROP ? "drop" : "reject with tcp reset");
    m.put("iptablesVerdict", s.action() == Action.DROP ? "DROP"
        : "REJECT --reject-with tcp-reset");
    m.put("ufwVerdict", s.action() == Action.DROP ? "deny" : "reject");
    m.put("hook", s.hook().word());
    m.put("input", s.hook() == Hook.INPUT);
    m.put("dockerUser", s.hook() == Hook.DOCKER_USER);
    m.put("hookChain", s.hook().chain());

    m.put("table", s.naming().table());
    m.put("chain", s.naming().chain());
    m.put("setV4", s.naming().set(Family.V4));
    m.put("setV6", s.naming().set(Family.V6));
    m.put("setTmpV4", s.naming().setPrefix() + "-t4");
    m.put("setTmpV6", s.naming().setPrefix() + "-t6");
    m.put("setExtraV4", s.naming().setPrefix() + "-extra-v4");
    m.put("setExtraV6", s.naming().setPrefix() + "-extra-v6");
    m.put("comment", s.naming().tag());
    m.put("nftTableFamily", s.nftTableFamily());
    m.put("nftTable", s.nftTable());
    m.put("nftChain", s.nftChain());
    return m;
  }

  private static List<Map<String, Object>> items(List<Prefix> prefixes) {
    List<Map<String, Object>> out = new ArrayList<>(prefixes.size());
    for (int i = 0; i < prefixes.size(); i++) {
      Prefix p = prefixes.get(i);
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("cidr", p.toString());
      String text = p.toString();
      e.put("address", text.substring(0, text.indexOf('/')));
      e.put("length", p.length());
      e.put("family", p.family().label());
      e.put("index", i + 1);
      e.put("first", i == 0);
      e.put("last", i == prefixes.size() - 1);
      out.add(e);
    }
    return out;
  }

  private static List<Map<String, Object>> ports(List<PortRange> ports) {
    List<Map<String, Object>> out = new ArrayList<>(ports.size());
    for (int i = 0; i < ports.size(); i++) {
      PortRange r = ports.get(i);
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("port", r.toString());
      e.put("low", r.low());
      e.put("high", r.high());
      e.put("single", r.single());
      e.put("nft", r.toString());
      e.put("iptables", r.toString(':'));
      e.put("ufw", r.toString(':'));
      e.put("first", i == 0);
      e.put("last", i == ports.size() - 1);
      out.add(e);
    }
    return out;
  }

  /**
   * The ports not protected: DOCKER-USER sees every forwarded port and iptables' conntrack
   * match takes one range, so the chain returns early for these (as the live backend does).
   */
  static ImmutableList<PortRange> complement(List<PortRange> ports) {
    ImmutableList.Builder<PortRange> out = ImmutableList.builder();
    int next = 1;
    for (PortRange r : ImmutableList.sortedCopyOf(ports)) {
      if (r.low() > next) {
        out.add(new PortRange(next, r.low() - 1));
      }
      next = Math.max(next, r.high() + 1);
    }
    if (next <= 65535) {
      out.add(new PortRange(next, 65535));
    }
    return out.build();
  }
}
