package io.cfsync.doctor;

import com.google.common.collect.ImmutableList;
import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code nft monitor trace}: every packet doctor marks with {@code meta nftrace set 1}
 * reports each base chain it enters ({@code packet:}), each rule that gives a verdict, and
 * chain policies. This covers native nftables and iptables-nft alike (both are nf_tables);
 * iptables-legacy rules are not traced.
 */
public final class Trace {

  /** One event of one traced packet. */
  public record Event(String id, String table, String chain, Kind kind, String text,
      String verdict) {

    /** {@code ip filter INPUT rule tcp dport 80 drop} as an operator would read it. */
    public String describe() {
      return switch (kind) {
        case RULE -> table + " " + chain + " rule " + text;
        case POLICY -> table + " " + chain + " policy " + verdict;
        default -> table + " " + chain;
      };
    }
  }

  public enum Kind { PACKET, RULE, POLICY, OTHER }

  /**
   * A traced packet: where it came from and went (ports are -1 for a packet without them,
   * such as IPv6 neighbour discovery), and what the ruleset did with it.
   */
  public record Packet(String id, InetAddress saddr, InetAddress daddr, int sport, int dport,
      boolean neighbourDiscovery, ImmutableList<Event> events) {

    /** The first drop (a rule or a policy), if the ruleset dropped or rejected it. */
    public Optional<Event> drop() {
      return events.stream().filter(e -> "drop".equals(e.verdict())
          && (e.kind() == Kind.RULE || e.kind() == Kind.POLICY)).findFirst();
    }

    /** The rules that accepted it, in order (one per base chain that accepted explicitly). */
    public ImmutableList<Event> accepts() {
      return events.stream().filter(e -> e.kind() == Kind.RULE && "accept".equals(e.verdict()))
          .collect(ImmutableList.toImmutableList());
    }
  }

  private static final Pattern LINE = Pattern.compile(
      "^trace id (\\S+) (\\S+) (\\S+) (\\S+) (packet: .*|rule .*|policy \\S+.*|verdict .*)$");
  private static final Pattern RULE_VERDICT = Pattern.compile("^rule (.*) \\(verdict (\\S+)[^)]*\\)$");
  private static final Pattern SADDR = Pattern.compile("\\bip6? saddr (\\S+)");
  private static final Pattern DADDR = Pattern.compile("\\bip6? daddr (\\S+)");
  private static final Pattern SPORT = Pattern.compile("\\btcp sport (\\d+)");
  private static final Pattern DPORT = Pattern.compile("\\btcp dport (\\d+)");
  private static final Pattern ND = Pattern.compile("\\bicmpv6 type nd-neighbo(u)?r-");

  private final Map<String, List<Event>> events = new LinkedHashMap<>();
  private final Map<String, String> packetLine = new LinkedHashMap<>();

  /** Feeds one line of monitor output; lines that are not trace events are ignored. */
  public synchronized void accept(String line) {
    Matcher m = LINE.matcher(line.strip());
    if (!m.matches()) {
      return;
    }
    String id = m.group(1);
    String table = m.group(2) + " " + m.group(3);
    String chain = m.group(4);
    String rest = m.group(5);
    Event e;
    if (rest.startsWith("packet: ")) {
      packetLine.putIfAbsent(id, rest);
      e = new Event(id, table, chain, Kind.PACKET, rest.substring(8), "");
    } else if (rest.startsWith("rule ")) {
      Matcher r = RULE_VERDICT.matcher(rest);
      e = r.matches() ? new Event(id, table, chain, Kind.RULE, clean(r.group(1)), r.group(2))
          : new Event(id, table, chain, Kind.RULE, clean(rest.substring(5)), "");
    } else if (rest.startsWith("policy ")) {
      e = new Event(id, table, chain, Kind.POLICY, "", rest.substring(7).trim());
    } else {
      e = new Event(id, table, chain, Kind.OTHER, rest, rest.substring(8).trim());
    }
    events.computeIfAbsent(id, k -> new ArrayList<>()).add(e);
  }

  /** Counters are noise in a rule quoted back to the operator. */
  static String clean(String rule) {
    return rule.replaceAll(" ?counter packets \\d+ bytes \\d+", "").replaceAll("\\s+", " ")
        .trim();
  }

  /** Every packet seen so far whose first {@code packet:} line names addresses and ports. */
  public synchronized ImmutableList<Packet> packets() {
    ImmutableList.Builder<Packet> out = ImmutableList.builder();
    for (var e : events.entrySet()) {
      String p = packetLine.get(e.getKey());
      if (p == null) {
        continue;
      }
      Optional<InetAddress> s = addr(SADDR, p);
      Optional<InetAddress> d = addr(DADDR, p);
      if (s.isPresent() && d.isPresent()) {
        out.add(new Packet(e.getKey(), s.get(), d.get(), num(SPORT, p).orElse(-1),
            num(DPORT, p).orElse(-1), ND.matcher(p).find(), ImmutableList.copyOf(e.getValue())));
      }
    }
    return out.build();
  }

  private static Optional<InetAddress> addr(Pattern p, String s) {
    Matcher m = p.matcher(s);
    return m.find() && InetAddresses.isInetAddress(m.group(1))
        ? Optional.of(InetAddresses.forString(m.group(1))) : Optional.empty();
  }

  private static Optional<Integer> num(Pattern p, String s) {
    Matcher m = p.matcher(s);
    return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
  }
}
