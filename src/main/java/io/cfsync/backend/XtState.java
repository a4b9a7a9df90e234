package io.cfsync.backend;

import com.google.common.collect.ImmutableList;
import io.cfsync.error.BackendFailure;
import io.cfsync.error.SafetyRefusal;
import io.cfsync.error.UsageError;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One family's iptables filter table as read ({@code iptables -V}, then the matching
 * {@code -save -t filter}), and the planning of cfsync's chain and tagged jump in it. Reading
 * never parses {@code nft -j}: xt matches such as multiport or comment are opaque there.
 */
public final class XtState {

  private final Family family;
  private final XtFlavour flavour;
  private final XtTable table;
  private final String stderr;
  private final Optional<String> unavailable;
  /** Chain name to its parsed content: parsing 100k rules once per read, not per question. */
  private final Map<String, Parsed> parsed = new HashMap<>();

  private record Parsed(Optional<XtChain> layout, PrefixSet accepted) {}

  public XtState(Family family, XtFlavour flavour, XtTable table, String stderr,
      Optional<String> unavailable) {
    this.family = family;
    this.flavour = flavour;
    this.table = table;
    this.stderr = stderr == null ? "" : stderr;
    this.unavailable = unavailable;
  }

  public Family family() {
    return family;
  }

  public XtFlavour flavour() {
    return flavour;
  }

  public XtTable table() {
    return table;
  }

  public Optional<String> unavailable() {
    return unavailable;
  }

  private synchronized Parsed parsed(String chain) {
    return parsed.computeIfAbsent(chain, c -> {
      ImmutableList<XtTable.Rule> rules = table.rules(c);
      Optional<XtChain> layout = XtChain.parse(rules);
      return new Parsed(layout, layout.map(XtChain::accepts)
          .orElseGet(() -> XtChain.acceptedPrefixes(rules)).only(family));
    });
  }

  /**
   * Reads one family through {@code run}; a missing tool or a failing save makes the family
   * unavailable (an error only if the run selects that family).
   * @param forced a flavour to use instead of asking {@code iptables -V}
   */
  public static XtState read(ProcessRunner run, Family f, Optional<XtFlavour> forced) {
    XtFlavour flavour;
    if (forced.isPresent()) {
      flavour = forced.get();
    } else {
      Command v = XtFlavour.versionCommand(f);
      Result r;
      try {
        r = run.run(v);
      } catch (BackendFailure e) {
        return unavailable(f, e.getMessage());
      }
      if (!r.ok()) {
        return unavailable(f, Steps.describe(v, r));
      }
      flavour = XtFlavour.parse(r.stdout() + r.stderr());
    }
    Command save = flavour.saveFilter(f);
    Result s;
    try {
      s = run.run(save);
    } catch (BackendFailure e) {
      return unavailable(f, e.getMessage());
    }
    if (!s.ok()) {
      return unavailable(f, Steps.describe(save, s));
    }
    return new XtState(f, flavour, XtTable.parse(s.stdout(), "filter"), s.stderr(),
        Optional.empty());
  }

  static XtState unavailable(Family f, String why) {
    return new XtState(f, XtFlavour.PLAIN, XtTable.empty("filter"), "", Optional.of(why));
  }

  /** Throws unless the family could be read: for the families a run selects. */
  public XtState require() {
    if (unavailable.isPresent()) {
      throw new BackendFailure("cannot read the " + family.label() + " firewall: "
          + unavailable.get() + "; install iptables (and ip6tables for IPv6) or use --family");
    }
    return this;
  }

  /** cfsync's tagged jumps: rules anywhere in the table going to its chain with its tag. */
  public ImmutableList<XtTable.Rule> ownedJumps(Naming naming) {
    return table.referencesTo(naming.chain()).stream()
        .filter(r -> r.hasComment(naming.tag()))
        .collect(ImmutableList.toImmutableList());
  }

  public boolean present(Naming naming) {
    return unavailable.isEmpty() && (table.hasChain(naming.chain())
        || !ownedJumps(naming).isEmpty());
  }

  /** The prefixes the chain accepts one rule each (the iptables backend's own rules). */
  public PrefixSet acceptedPrefixes(Naming naming) {
    return parsed(naming.chain()).accepted();
  }

  /**
   * The change that makes the chain hold {@code want} and leaves exactly one tagged jump,
   * equal to {@code jump}, in the hook chain; empty when both already hold. One restore
   * script: the chain is created (or flushed and refilled) and the jump inserted in the same
   * transaction, so a half state is never visible. A stale tagged jump (other ports, other
   * hook) is deleted by its exact arguments and the new one inserted first in the hook
   * chain. The undo script puts back the chain's rules as read and the old jumps at their
   * old positions (or removes the chain if it did not exist).
   */
  public Optional<XtChain.Step> plan(Naming naming, Hook hook, ImmutableList<String> jump,
      XtChain want) {
    String chain = naming.chain();
    String hookChain = hook.chain();
    ImmutableList<XtTable.Rule> current = table.rules(chain);
    boolean exists = table.hasChain(chain);
    refuseForeign(naming, hook);
    boolean chainOk = exists && parsed(chain).layout().equals(Optional.of(want));
    List<XtTable.Rule> owned = ownedJumps(naming);
    XtTable.Rule keep = null;
    for (XtTable.Rule r : owned) {
      if (r.chain().equals(hookChain) && r.args().equals(jump)) {
        keep = r;
        break;
      }
    }
    if (chainOk && keep != null && owned.size() == 1) {
      return Optional.empty();
    }
    XtRestore apply = new XtRestore("filter");
    XtRestore undo = new XtRestore("filter");
    if (!chainOk) {
      apply.declare(chain);
      for (List<String> r : want.rules()) {
        apply.append(chain, r);
      }
    }
    List<XtTable.Rule> stale = new ArrayList<>();
    for (XtTable.Rule r : owned) {
      if (r != keep) {
        stale.add(r);
        apply.delete(r.chain(), r.args());
      }
    }
    if (keep == null) {
      apply.insert(hookChain, 1, jump);
      undo.delete(hookChain, jump);
    }
    // Ascending positions: each re-insert shifts only the rules after it.
    stale.sort(Comparator.comparing(XtTable.Rule::chain)
        .thenComparingInt(XtTable.Rule::position));
    for (XtTable.Rule r : stale) {
      undo.insert(r.chain(), r.position(), r.args());
    }
    if (!chainOk) {
      if (exists) {
        undo.declare(chain);
        for (XtTable.Rule r : current) {
          undo.append(chain, r.args());
        }
      } else {
        undo.flush(chain);
        undo.deleteChain(chain);
      }
    }
    ImmutableList<String> argv = flavour.restoreArgv(family);
    return Optional.of(new XtChain.Step(new Command(argv, Optional.of(apply.render()),
        Command.DEFAULT_TIMEOUT), new Command(argv, Optional.of(undo.render()),
        Command.DEFAULT_TIMEOUT)));
  }

  private static final java.util.Set<String> BUILT_IN = java.util.Set.of("INPUT", "FORWARD",
      "OUTPUT", "PREROUTING", "POSTROUTING");

  /**
   * A {@code --chain} naming a built-in chain, the hook, or a chain that other rules use and
   * that holds rules cfsync does not write is someone else's: refilling it would wipe them.
   */
  private void refuseForeign(Naming naming, Hook hook) {
    String chain = naming.chain();
    if (BUILT_IN.contains(chain) || chain.equals(hook.chain())) {
      throw new UsageError("--chain " + chain + " is a chain cfsync jumps from, not one it "
          + "can own: choose another name (default CFSYNC)");
    }
    if (!table.hasChain(chain) || table.rules(chain).isEmpty()
        || parsed(chain).layout().isPresent()) {
      return;
    }
    for (XtTable.Rule r : table.referencesTo(chain)) {
      if (!r.hasComment(naming.tag())) {
        throw new SafetyRefusal("the " + family.label() + " chain " + chain + " holds rules "
            + "cfsync did not write and is used by \"-A " + r.chain() + " " + r.text()
            + "\": it is not cfsync's; firewall unchanged; choose another --chain");
      }
    }
  }

  /** What the operator should know about this family's table before cfsync writes to it. */
  public ImmutableList<String> notes(Naming naming, Hook hook) {
    ImmutableList.Builder<String> out = ImmutableList.builder();
    String fam = family.label();
    if (!table.hasChain(hook.chain())) {
      out.add("the " + fam + " filter table has no " + hook.chain() + " chain: Docker creates "
          + "it when it starts (for IPv6 only with \"ip6tables\": true in daemon.json); until "
          + "then apply fails; for services on the host itself use --hook input");
    }
    for (XtTable.Rule r : table.referencesTo(naming.chain())) {
      if (!r.hasComment(naming.tag())) {
        out.add("rule \"-A " + r.chain() + " " + r.text() + "\" jumps to " + naming.chain()
            + " without the " + naming.tag() + " tag: cfsync leaves it alone");
      }
    }
    if (flavour == XtFlavour.NFT && stderr.contains("legacy tables present")) {
      out.add("the " + fam + " firewall also has iptables-legacy rules (see "
          + XtFlavour.LEGACY.save(family) + "); cfsync writes the nf_tables ones: both are "
          + "evaluated, so a legacy DROP still drops Cloudflare");
    }
    return out.build();
  }
}
