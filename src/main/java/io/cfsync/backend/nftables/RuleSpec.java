package io.cfsync.backend.nftables;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import io.cfsync.backend.Action;
import io.cfsync.backend.PortRange;
import io.cfsync.model.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One rule cfsync writes, as meaning rather than text: rendered to nft syntax for scripts and
 * recognised back from {@code nft -j} expressions. Comparing meanings keeps cfsync in sync on
 * nft versions that print the same rule differently (nft 1.0.6 prints a set of
 * {@code ct original proto-dst} ports as {@code 0x50 [invalid type]}).
 *
 * <p>{@code forward} is the form for DNATed (Docker-published) ports on the forward hook:
 * after DNAT the TCP header carries the container's port, so the published port is matched
 * as conntrack's original destination port, and only on DNATed flows ({@code ct status
 * dnat}) so a container's own outgoing connections to port 80/443 are never caught.
 */
record RuleSpec(boolean loopback, Optional<Family> family, boolean forward,
    ImmutableList<PortRange> ports, boolean ctNew, ImmutableList<String> sets, boolean negated,
    Verdict verdict, Optional<String> comment) {

  enum Verdict { ACCEPT, DROP, REJECT }

  RuleSpec {
    ports = normalise(ports);
    sets = ImmutableList.copyOf(sets);
    checkArgument(loopback || (family.isPresent() && !ports.isEmpty() && !sets.isEmpty()),
        "a filter rule needs a family, ports and sets");
  }

  static final RuleSpec LOOPBACK = new RuleSpec(true, Optional.empty(), false,
      ImmutableList.of(), false, ImmutableList.of(), false, Verdict.ACCEPT, Optional.empty());

  /** Restrict: new connections to the ports from outside every one of {@code sets}. */
  static RuleSpec restrict(Family f, boolean forward, List<PortRange> ports, List<String> sets,
      Action action) {
    return new RuleSpec(false, Optional.of(f), forward, ImmutableList.copyOf(ports), true,
        ImmutableList.copyOf(sets), true, action == Action.REJECT ? Verdict.REJECT : Verdict.DROP,
        Optional.empty());
  }

  /** Allow: the ports from inside {@code set}, tagged so cfsync finds it in a shared chain. */
  static RuleSpec allow(Family f, boolean forward, List<PortRange> ports, String set,
      String tag) {
    return new RuleSpec(false, Optional.of(f), forward, ImmutableList.copyOf(ports), false,
        ImmutableList.of(set), false, Verdict.ACCEPT, Optional.of(tag));
  }

  /*
   * equals and hashCode written out: a record's generated ones link through ObjectMethods'
   * method-handle bootstrap on first use (LambdaForms spun at run time, not in the CDS
   * archive), and comparing the rules is the first such call of every no-op nftables run,
   * several per cent of its start-up. Ports compare by their bounds for the same reason.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof RuleSpec r && loopback == r.loopback && forward == r.forward
        && ctNew == r.ctNew && negated == r.negated && verdict == r.verdict
        && family.equals(r.family) && samePorts(ports, r.ports) && sets.equals(r.sets)
        && comment.equals(r.comment);
  }

  private static boolean samePorts(List<PortRange> a, List<PortRange> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i).low() != b.get(i).low() || a.get(i).high() != b.get(i).high()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = Boolean.hashCode(loopback);
    h = 31 * h + family.hashCode();
    h = 31 * h + Boolean.hashCode(forward);
    for (PortRange p : ports) {
      h = 31 * h + p.low() * 65537 + p.high();
    }
    h = 31 * h + Boolean.hashCode(ctNew);
    h = 31 * h + sets.hashCode();
    h = 31 * h + Boolean.hashCode(negated);
    h = 31 * h + verdict.hashCode();
    return 31 * h + comment.hashCode();
  }

  /** The rule in nft syntax, as {@code nft list} prints it. */
  String render() {
    if (loopback) {
      return "iif \"lo\" accept";
    }
    StringBuilder sb = new StringBuilder(forward
        ? "meta l4proto tcp ct status dnat ct original proto-dst " : "tcp dport ");
    sb.append(renderPorts(ports));
    if (ctNew) {
      sb.append(" ct state new");
    }
    String kw = family.orElseThrow().nftKeyword();
    for (String s : sets) {
      sb.append(' ').append(kw).append(" saddr ").append(negated ? "!= @" : "@").append(s);
    }
    sb.append(switch (verdict) {
      case ACCEPT -> " accept";
      case DROP -> " drop";
      case REJECT -> " reject with tcp reset";
    });
    comment.ifPresent(c -> sb.append(" comment \"").append(c).append('"'));
    return sb.toString();
  }

  static String renderPorts(List<PortRange> ports) {
    if (ports.size() == 1) {
      return ports.get(0).toString();
    }
    return ports.stream().map(PortRange::toString).collect(Collectors.joining(", ", "{ ", " }"));
  }

  /** Sorted, with overlapping and adjacent ranges merged: nft may list {80, 81} as 80-81. */
  static ImmutableList<PortRange> normalise(List<PortRange> in) {
    List<PortRange> sorted = new ArrayList<>(in);
    sorted.sort(null);
    List<PortRange> out = new ArrayList<>();
    for (PortRange p : sorted) {
      if (!out.isEmpty() && out.get(out.size() - 1).high() + 1 >= p.low()) {
        PortRange last = out.remove(out.size() - 1);
        out.add(new PortRange(last.low(), Math.max(last.high(), p.high())));
      } else {
        out.add(p);
      }
    }
    return ImmutableList.copyOf(out);
  }

  /**
   * Recognises a rule from its {@code nft -j} expression list; empty when it is not a rule
   * of a shape cfsync writes (someone edited it, or it is not cfsync's).
   */
  static Optional<RuleSpec> fromJson(List<?> expr, Optional<String> comment) {
    boolean iifLo = false;
    boolean l4tcp = false;
    boolean dnat = false;
    boolean ctNew = false;
    List<PortRange> dport = null;
    List<PortRange> origDport = null;
    String proto = null;
    Boolean negated = null;
    List<String> sets = new ArrayList<>();
    Verdict verdict = null;
    for (Object e : expr) {
      if (!(e instanceof Map<?, ?> m) || m.size() != 1 || verdict != null) {
        return Optional.empty();
      }
      var entry = m.entrySet().iterator().next();
      String key = String.valueOf(entry.getKey());
      Object body = entry.getValue();
      switch (key) {
        case "accept" -> verdict = Verdict.ACCEPT;
        case "drop" -> verdict = Verdict.DROP;
        case "reject" -> {
          if (!"tcp reset".equals(Json.path(body, "type").orElse(null))) {
            return Optional.empty();
          }
          verdict = Verdict.REJECT;
        }
        case "match" -> {
          String op = Json.str(body, "op").orElse("");
          Object left = Json.path(body, "left").orElse(null);
          Object right = Json.path(body, "right").orElse(null);
          String meta = Json.str(left, "meta", "key").orElse(null);
          String ct = Json.str(left, "ct", "key").orElse(null);
          String pProto = Json.str(left, "payload", "protocol").orElse(null);
          String pField = Json.str(left, "payload", "field").orElse(null);
          boolean eq = op.equals("==");
          boolean flag = eq || op.equals("in");
          if ("iif".equals(meta) && eq && "lo".equals(right)) {
            iifLo = true;
          } else if ("l4proto".equals(meta) && eq && ("tcp".equals(right)
              || Long.valueOf(6).equals(right))) {
            l4tcp = true;
          } else if ("status".equals(ct) && flag && oneWord(right, "dnat")) {
            dnat = true;
          } else if ("state".equals(ct) && flag && oneWord(right, "new")) {
            ctNew = true;
          } else if ("proto-dst".equals(ct) && eq
              && "original".equals(Json.str(left, "ct", "dir").orElse(null))) {
            origDport = ports(right);
            if (origDport == null) {
              return Optional.empty();
            }
          } else if ("tcp".equals(pProto) && "dport".equals(pField) && eq) {
            dport = ports(right);
            if (dport == null) {
              return Optional.empty();
            }
          } else if (("ip".equals(pProto) || "ip6".equals(pProto)) && "saddr".equals(pField)
              && (eq || op.equals("!=")) && right instanceof String s && s.startsWith("@")) {
            if ((proto != null && !proto.equals(pProto))
                || (negated != null && negated != op.equals("!="))) {
              return Optional.empty();
            }
            proto = pProto;
            negated = op.equals("!=");
            sets.add(s.substring(1));
          } else {
            return Optional.empty();
          }
        }
        default -> {
          return Optional.empty();
        }
      }
    }
    if (verdict == null) {
      return Optional.empty();
    }
    if (iifLo) {
      boolean bare = !l4tcp && !dnat && !ctNew && dport == null && origDport == null
          && sets.isEmpty() && verdict == Verdict.ACCEPT && comment.isEmpty();
      return bare ? Optional.of(LOOPBACK) : Optional.empty();
    }
    boolean forward = origDport != null;
    if (sets.isEmpty() || (forward ? !(l4tcp && dnat && dport == null)
        : (dport == null || l4tcp || dnat))) {
      return Optional.empty();
    }
    Family f = proto.equals("ip") ? Family.V4 : Family.V6;
    return Optional.of(new RuleSpec(false, Optional.of(f), forward,
        ImmutableList.copyOf(forward ? origDport : dport), ctNew, ImmutableList.copyOf(sets),
        negated, verdict, comment));
  }

  private static boolean oneWord(Object right, String word) {
    if (word.equals(right)) {
      return true;
    }
    return right instanceof List<?> l && l.size() == 1 && word.equals(l.get(0));
  }

  /** Ports as nft -j lists them: 80, {"range":[a,b]}, {"set":[...]}, "0x50 [invalid type]". */
  private static List<PortRange> ports(Object right) {
    List<PortRange> out = new ArrayList<>();
    Optional<?> set = Json.path(right, "set");
    List<?> items = set.isPresent() && set.get() instanceof List<?> l ? l : List.of(right);
    for (Object item : items) {
      Optional<?> range = Json.path(item, "range");
      int lo;
      int hi;
      if (range.isPresent()) {
        if (!(range.get() instanceof List<?> r) || r.size() != 2) {
          return null;
        }
        lo = port(r.get(0));
        hi = port(r.get(1));
      } else {
        lo = port(item);
        hi = lo;
      }
      if (lo < 1 || hi > 65535 || lo > hi) {
        return null;
      }
      out.add(new PortRange(lo, hi));
    }
    return out.isEmpty() ? null : out;
  }

  private static int port(Object v) {
    if (v instanceof Number n) {
      return n.intValue();
    }
    if (v instanceof String s) {
      String t = s.strip();
      int space = t.indexOf(' ');
      if (space > 0) {
        t = t.substring(0, space);
      }
      try {
        return t.startsWith("0x") ? Integer.parseInt(t.substring(2), 16) : Integer.parseInt(t);
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return -1;
  }
}
