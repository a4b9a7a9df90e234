package io.cfsync.backend.nftables;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.Lists;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Names;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Policy;
import io.cfsync.error.UsageError;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where cfsync's objects live and what they hold, derived from {@link Desired}: the table,
 * the chain, the sets with their contents and the rules, in the order they are written.
 *
 * <p>Under restrict, each family's prefixes are split over sets of at most {@link #SHARD}
 * elements ({@code cfsync-v4}, {@code cfsync-v4-2}, ...). The kernel lists an interval set in
 * time quadratic in its size (each netlink dump message walks the tree from the start):
 * one 100k-element set took 2.5 s of CPU to list, 25 sets of 4096 took 0.75 s, and
 * cfsync lists its sets twice per apply (read, then verify).
 */
final class Layout {

  /** Elements per set under restrict; Cloudflare's list needs one set per family. */
  static final int SHARD = 4096;
  /** At most this many sets per family, so the restrict rule stays under nft's 128 expressions. */
  static final int MAX_SHARDS = 32;
  /** The comment on every set cfsync creates: how it tells its objects from the operator's. */
  static final String MARKER = "managed by cfsync";

  /**
   * One set: its name, family, what it must hold (as addresses, and as the collapsed prefixes
   * written for them), and whether it holds Cloudflare's list.
   */
  record SetDef(String name, Family family, Coverage coverage, List<Prefix> prefixes,
      boolean edge) {
    String type() {
      return family == Family.V4 ? "ipv4_addr" : "ipv6_addr";
    }
  }

  final boolean own;
  final TableRef table;
  final String chain;
  final Hook hook;
  final ImmutableList<SetDef> sets;
  final ImmutableList<RuleSpec> rules;
  final Naming naming;
  private final Pattern edgeSet;

  private Layout(boolean own, TableRef table, String chain, Hook hook, List<SetDef> sets,
      List<RuleSpec> rules, Naming naming) {
    this.own = own;
    this.table = table;
    this.chain = chain;
    this.hook = hook;
    this.sets = ImmutableList.copyOf(sets);
    this.rules = ImmutableList.copyOf(rules);
    this.naming = naming;
    this.edgeSet = Pattern.compile(Pattern.quote(naming.setPrefix()) + "-v[46](-[0-9]+)?");
  }

  /** Where cfsync's objects are for {@code want}, without their contents (for reading). */
  static Layout of(Desired want) {
    Naming n = want.naming();
    boolean forward = want.hook() == Hook.DOCKER_USER;
    List<SetDef> sets = new ArrayList<>();
    List<RuleSpec> rules = new ArrayList<>();
    if (want.policy() == Policy.RESTRICT) {
      TableRef table = new TableRef("inet", n.table());
      if (!forward) {
        rules.add(RuleSpec.LOOPBACK);
      }
      for (Family f : Family.values()) {
        if (!want.families().contains(f)) {
          continue;
        }
        List<String> names = new ArrayList<>();
        ImmutableList<Prefix> all = want.prefixes().prefixes(f);
        int size = Math.max(SHARD, (all.size() + MAX_SHARDS - 1) / MAX_SHARDS);
        List<List<Prefix>> shards = all.isEmpty() ? List.of(List.of())
            : Lists.partition(all, size);
        for (int i = 0; i < shards.size(); i++) {
          String name = n.set(f) + (i == 0 ? "" : "-" + (i + 1));
          sets.add(new SetDef(name, f, Coverage.of(f, shards.get(i)), shards.get(i), true));
          names.add(name);
        }
        PrefixSet extra = want.allowExtra().only(f);
        if (!extra.isEmpty()) {
          String name = n.setPrefix() + "-extra-v" + f.digit();
          sets.add(new SetDef(name, f, Coverage.of(extra, f), extra.prefixes(f), false));
          names.add(name);
        }
        rules.add(RuleSpec.restrict(f, forward, want.ports(), names, want.action()));
      }
      return new Layout(true, table, forward ? "forward" : "input", want.hook(), sets, rules, n);
    }
    String tableOpt = want.option("nft-table").orElse(null);
    String chainOpt = want.option("nft-chain").orElse(null);
    if (tableOpt == null || chainOpt == null) {
      throw new UsageError("--policy allow with the nftables backend needs --nft-table and "
          + "--nft-chain (the operator's table and " + (forward ? "forward" : "input")
          + " chain, e.g. --nft-table \"inet filter\" --nft-chain "
          + (forward ? "forward" : "input") + "): an accept in cfsync's own table cannot "
          + "override a drop in another chain");
    }
    TableRef table = TableRef.parse("--nft-table", tableOpt);
    String chain = Names.name("--nft-chain", chainOpt);
    for (Family f : Family.values()) {
      if (!want.families().contains(f)) {
        continue;
      }
      if (!table.holds(f)) {
        throw new UsageError("--nft-table \"" + table + "\" cannot hold " + f.label()
            + " rules: pass --family " + (f == Family.V4 ? "6" : "4") + ", or use an inet "
            + "table");
      }
      ImmutableList<Prefix> all = want.prefixes().prefixes(f);
      sets.add(new SetDef(n.set(f), f, Coverage.of(f, all), all, true));
      rules.add(RuleSpec.allow(f, forward, want.ports(), n.set(f), n.tag()));
    }
    return new Layout(false, table, chain, want.hook(), sets, rules, n);
  }

  /** Whether {@code name} is one of cfsync's Cloudflare sets (any shard, either family). */
  boolean isEdgeSet(String name) {
    return edgeSet.matcher(name).matches();
  }

  /** Set names cfsync may own in an operator's table, whichever families are selected now. */
  List<String> ownedSetNames() {
    return List.of(naming.set(Family.V4), naming.set(Family.V6));
  }
}
