package io.cfsync.backend;

import com.google.common.collect.ImmutableList;
import io.cfsync.error.UsageError;
import io.cfsync.exec.Command;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The content of cfsync's own iptables chain (default {@code CFSYNC}), shared by the
 * iptables and ipset backends, in this order:
 * <pre>
 *   -p tcp -m conntrack --ctorigdstport A:B -j RETURN     (docker-user: the unprotected ports)
 *   -i lo -j ACCEPT                                       (restrict on input)
 *   -m set --match-set cfsync-v4 src -j ACCEPT            (ipset backend)
 *   -s 173.245.48.0/20 -j ACCEPT                          (iptables backend, one per prefix)
 *   -s 198.51.100.7/32 -m comment --comment allow-extra -j ACCEPT
 *   -j RETURN | -j DROP | -p tcp -j REJECT --reject-with tcp-reset
 * </pre>
 * plus the one tagged jump to it. Two chains are equal when they let the same addresses
 * through the same way: prefixes compare by coverage, never by text, so a chain another
 * version wrote with other (but equivalent) prefixes is in sync.
 */
public record XtChain(ImmutableList<PortRange> gaps, boolean loopback, ImmutableList<String> sets,
    PrefixSet accepts, PrefixSet extras, Verdict verdict) {

  /** What the chain ends with: RETURN leaves the decision to the rest of the ruleset. */
  public enum Verdict { RETURN, DROP, REJECT }

  /** The comment that tells {@code --allow-extra} rules from Cloudflare's in the chain. */
  public static final String EXTRA_TAG = "allow-extra";

  /** iptables' multiport match takes at most 15 ports, a range counting as two. */
  static final int MULTIPORT_MAX = 15;

  public XtChain {
    gaps = ImmutableList.copyOf(gaps);
    sets = ImmutableList.copyOf(sets);
  }

  /** The chain {@code want} asks for in family {@code f}, with the backend's accept rules. */
  public static XtChain desired(Desired want, Family f, PrefixSet accepts,
      List<String> sets) {
    Verdict v = want.policy() == Policy.ALLOW ? Verdict.RETURN
        : want.action() == Action.REJECT ? Verdict.REJECT : Verdict.DROP;
    boolean lo = want.policy() == Policy.RESTRICT && want.hook() == Hook.INPUT;
    ImmutableList<PortRange> gaps = want.hook() == Hook.DOCKER_USER ? complement(want.ports())
        : ImmutableList.of();
    return new XtChain(gaps, lo, ImmutableList.copyOf(sets), accepts.only(f),
        want.allowExtra().only(f), v);
  }

  /** The chain's rules, as argument vectors, in order. */
  public ImmutableList<ImmutableList<String>> rules() {
    ImmutableList.Builder<ImmutableList<String>> out = ImmutableList.builder();
    for (PortRange g : gaps) {
      out.add(ImmutableList.of("-p", "tcp", "-m", "conntrack", "--ctorigdstport",
          g.toString(':'), "-j", "RETURN"));
    }
    if (loopback) {
      out.add(ImmutableList.of("-i", "lo", "-j", "ACCEPT"));
    }
    for (String s : sets) {
      out.add(ImmutableList.of("-m", "set", "--match-set", s, "src", "-j", "ACCEPT"));
    }
    for (Family f : Family.values()) {
      for (String p : Cidrs.of(accepts, f)) {
        out.add(ImmutableList.of("-s", p, "-j", "ACCEPT"));
      }
    }
    for (Family f : Family.values()) {
      for (String p : Cidrs.of(extras, f)) {
        out.add(ImmutableList.of("-s", p, "-m", "comment", "--comment", EXTRA_TAG, "-j",
            "ACCEPT"));
      }
    }
    out.add(switch (verdict) {
      case RETURN -> ImmutableList.of("-j", "RETURN");
      case DROP -> ImmutableList.of("-j", "DROP");
      case REJECT -> ImmutableList.of("-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset");
    });
    return out.build();
  }

  /**
   * Reads an installed chain back into its layout; empty when it holds anything cfsync does
   * not write (then it is refilled). Accept rules may come in any order, since they all
   * accept; RETURN gaps must lead and the verdict must close.
   */
  public static Optional<XtChain> parse(List<XtTable.Rule> rules) {
    List<PortRange> gaps = new ArrayList<>();
    boolean lo = false;
    List<String> sets = new ArrayList<>();
    Cidrs.Collector accepts = new Cidrs.Collector();
    Cidrs.Collector extras = new Cidrs.Collector();
    Verdict verdict = null;
    boolean acceptsSeen = false;
    for (XtTable.Rule r : rules) {
      if (verdict != null) {
        return Optional.empty();
      }
      List<String> a = r.args();
      if (is(a, "-p", "tcp", "-m", "conntrack", "--ctorigdstport", null, "-j", "RETURN")
          && !acceptsSeen) {
        Optional<PortRange> g = portRange(a.get(5));
        if (g.isEmpty()) {
          return Optional.empty();
        }
        gaps.add(g.get());
        continue;
      }
      acceptsSeen = true;
      if (is(a, "-i", "lo", "-j", "ACCEPT")) {
        lo = true;
      } else if (is(a, "-m", "set", "--match-set", null, "src", "-j", "ACCEPT")) {
        sets.add(a.get(3));
      } else if (is(a, "-s", null, "-j", "ACCEPT")) {
        if (!accepts.add(a.get(1))) {
          return Optional.empty();
        }
      } else if (is(a, "-s", null, "-m", "comment", "--comment", EXTRA_TAG, "-j", "ACCEPT")) {
        if (!extras.add(a.get(1))) {
          return Optional.empty();
        }
      } else if (is(a, "-j", "RETURN")) {
        verdict = Verdict.RETURN;
      } else if (is(a, "-j", "DROP")) {
        verdict = Verdict.DROP;
      } else if (is(a, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset")) {
        verdict = Verdict.REJECT;
      } else {
        return Optional.empty();
      }
    }
    if (verdict == null) {
      return Optional.empty();
    }
    return Optional.of(new XtChain(ImmutableList.copyOf(gaps), lo, ImmutableList.copyOf(sets),
        accepts.build(), extras.build(), verdict));
  }

  /**
   * The Cloudflare prefixes an installed chain lets in ({@code -s P -j ACCEPT} rules), even
   * when the chain also holds something else: what the removal guard and add-only mode count.
   */
  public static PrefixSet acceptedPrefixes(List<XtTable.Rule> rules) {
    Cidrs.Collector out = new Cidrs.Collector();
    for (XtTable.Rule r : rules) {
      if (is(r.args(), "-s", null, "-j", "ACCEPT")) {
        out.add(r.args().get(1));
      }
    }
    return out.build();
  }

  /**
   * The one jump into the chain, tagged with the comment. On input it matches the protected
   * ports with multiport. On DOCKER-USER it matches new and established connections that were
   * DNATed (published container ports), original direction only: the reply from the
   * container must not meet the chain, and neither may containers' own outgoing traffic
   * (not DNATed). Their destination port there is already the container's, so the chain
   * filters ports by conntrack's original destination port instead.
   */
  public static ImmutableList<String> jump(Hook hook, List<PortRange> ports, Naming naming) {
    if (hook == Hook.DOCKER_USER) {
      return ImmutableList.of("-p", "tcp", "-m", "conntrack", "--ctstate", "DNAT", "--ctdir",
          "ORIGINAL", "-m", "comment", "--comment", naming.tag(), "-j", naming.chain());
    }
    int slots = 0;
    for (PortRange p : ports) {
      slots += p.single() ? 1 : 2;
    }
    if (slots > MULTIPORT_MAX) {
      throw new UsageError("--ports " + PortRange.join(ports, ',') + ": iptables' multiport "
          + "match takes at most 15 ports (a range counts as two); merge them into ranges");
    }
    return ImmutableList.of("-p", "tcp", "-m", "multiport", "--dports",
        PortRange.join(ports, ':'), "-m", "comment", "--comment", naming.tag(), "-j",
        naming.chain());
  }

  /**
   * The ports 1-65535 not in {@code ports}, as ranges. Port 0 is left out: no connection can
   * have been DNATed from it, since nothing can be published on it.
   */
  static ImmutableList<PortRange> complement(List<PortRange> ports) {
    List<PortRange> sorted = new ArrayList<>(ports);
    sorted.sort(Comparator.naturalOrder());
    ImmutableList.Builder<PortRange> out = ImmutableList.builder();
    int next = 1;
    for (PortRange p : sorted) {
      if (p.low() > next) {
        out.add(new PortRange(next, p.low() - 1));
      }
      next = Math.max(next, p.high() + 1);
    }
    if (next <= 65535) {
      out.add(new PortRange(next, 65535));
    }
    return out.build();
  }

  private static Optional<PortRange> portRange(String s) {
    try {
      int colon = s.indexOf(':');
      int lo = Integer.parseInt(colon < 0 ? s : s.substring(0, colon));
      int hi = colon < 0 ? lo : Integer.parseInt(s.substring(colon + 1));
      return lo >= 1 && hi <= 65535 && lo <= hi ? Optional.of(new PortRange(lo, hi))
          : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean is(List<String> args, String... pattern) {
    if (args.size() != pattern.length) {
      return false;
    }
    for (int i = 0; i < pattern.length; i++) {
      if (pattern[i] != null && !pattern[i].equals(args.get(i))) {
        return false;
      }
    }
    return true;
  }

  /** Nothing to do for this family. */
  public static Optional<Step> none() {
    return Optional.empty();
  }

  /** One family's change: a restore script, and the script that puts back what was read. */
  public record Step(Command apply, Command undo) {}
}
