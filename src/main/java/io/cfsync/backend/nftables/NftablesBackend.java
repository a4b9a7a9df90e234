package io.cfsync.backend.nftables;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Backend;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Installed;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Plan;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.Forked;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * nftables. Restrict (the default): cfsync's own {@code inet} table with one interval set per
 * family (more for very long lists, see {@link Layout}) and a base chain on the input hook,
 * or the forward hook for {@code --hook docker-user}, that drops new connections to the
 * protected ports from anyone outside the sets. Allow: the sets and one tagged accept rule
 * per family in the operator's chain, because an accept in cfsync's own table cannot
 * override a drop in another base chain. See docs/backends/nftables.md.
 */
public final class NftablesBackend implements Backend {

  public static final String NAME = "nftables";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Policy defaultPolicy() {
    return Policy.RESTRICT;
  }

  /** Without the operator's names this reads cfsync's default table, {@code inet cfsync}. */
  @Override
  public Installed read(ProcessRunner run) {
    return read(run, new Desired(PrefixSet.empty(), ImmutableSet.copyOf(Family.values()),
        ImmutableList.of(PortRange.of(80), PortRange.of(443)), Policy.RESTRICT, Hook.INPUT,
        Action.DROP, PrefixSet.empty(), Naming.DEFAULT, ImmutableMap.of()));
  }

  @Override
  public Installed read(ProcessRunner run, Desired want) {
    Layout l = Layout.of(want);
    if (l.own) {
      return readOwn(run, l);
    }
    // Only cfsync's objects in the operator's table: its chain (for the tagged rules) and
    // cfsync's two sets, not the operator's own sets, which may be large.
    Optional<Listing> chain = list(run, "chain", l.table.family(), l.table.name(), l.chain);
    boolean tableExists = chain.isPresent() || tableListed(run, l.table);
    List<Listing.SetObj> sets = new ArrayList<>();
    for (String name : l.ownedSetNames()) {
      Optional<Listing> s = tableExists ? list(run, "set", l.table.family(), l.table.name(),
          name) : Optional.empty();
      s.ifPresent(x -> sets.addAll(x.sets()));
    }
    ImmutableList<Listing.RuleObj> tagged = chain.map(c -> c.rules().stream()
        .filter(r -> r.comment().equals(Optional.of(l.naming.tag())))
        .collect(ImmutableList.toImmutableList())).orElse(ImmutableList.of());
    Listing mine = new Listing(ImmutableList.of(l.table.name()), ImmutableList.copyOf(sets),
        chain.map(Listing::chains).orElse(ImmutableList.of()), tagged, ImmutableList.of());
    return new NftState(l, tableExists, chain.isPresent(), mine);
  }

  /**
   * cfsync's table in two reads: the structure from {@code nft -j -t list ruleset inet}
   * (terse: no elements, which nft then does not even fetch, so it is nearly free), the
   * elements from the text listing of the table. For 100k elements this took 0.55 s of nft's
   * CPU against 0.85 s for {@code nft -j list table}, and the text is half the size to parse.
   */
  private static NftState readOwn(ProcessRunner run, Layout l) {
    Command c = Command.of("nft", "-j", "-t", "list", "ruleset", l.table.family());
    Command text = Command.of("nft", "list", "table", l.table.family(), l.table.name());
    // Every run after the first needs the element listing too: it starts alongside the
    // structure read instead of after it, so the two nft processes overlap (on a timer's
    // no-op run, one process start less on the clock). Its answer is used only if the
    // structure says the table has sets; otherwise it is waited for and dropped.
    Forked<Result> elements = Forked.run("cfsync-nft-read", run, text);
    Result r;
    try {
      r = run.run(c);
    } finally {
      elements.awaitQuietly();
    }
    if (!r.ok()) {
      throw ProcessRunner.failure(c, r);
    }
    Listing all = Listing.parse(r.stdout());
    boolean exists = all.tables().contains(l.table.name());
    if (!exists) {
      return new NftState(l, false, false, empty());
    }
    Listing mine = all.ofTable(l.table.name());
    if (!mine.sets().isEmpty()) {
      Result t = elements.join();
      if (!t.ok()) {
        throw ProcessRunner.failure(text, t);
      }
      mine = mine.withElements(TextElements.parse(t.stdout()));
    }
    return new NftState(l, true, true, mine);
  }

  private static boolean tableListed(ProcessRunner run, TableRef t) {
    Result r = run.run(Command.of("nft", "list", "tables", t.family()));
    if (!r.ok()) {
      throw ProcessRunner.failure(Command.of("nft", "list", "tables"), r);
    }
    return r.stdout().lines().anyMatch(line -> line.strip().equals("table " + t));
  }

  /**
   * Lists one object as JSON; empty when it does not exist. A missing table, chain or set is
   * the one failure that is an answer ("No such file or directory"); any other is an error.
   */
  private static Optional<Listing> list(ProcessRunner run, String... what) {
    List<String> argv = new ArrayList<>(List.of("nft", "-j", "list"));
    argv.addAll(List.of(what));
    Command c = Command.of(ImmutableList.copyOf(argv));
    Result r = run.run(c);
    if (r.ok()) {
      return Optional.of(Listing.parse(r.stdout()));
    }
    if (r.stderr().contains("No such file or directory")) {
      return Optional.empty();
    }
    throw ProcessRunner.failure(c, r);
  }

  private static Listing empty() {
    return Listing.EMPTY;
  }

  @Override
  public Plan plan(Installed now, Desired want) {
    if (!(now instanceof NftState s)) {
      throw new IllegalArgumentException("not an nftables state: " + now);
    }
    return Planner.plan(s, want);
  }

  /**
   * Runs each script once, without an {@code nft -c} check first: nft validates the whole
   * script against the kernel inside the transaction anyway and commits all of it or nothing,
   * so a check would find nothing the real run does not, and would cost a second full round
   * trip (about as long as the apply itself for 100k elements).
   */
  @Override
  public void apply(Plan plan, ProcessRunner run) {
    for (Command c : plan.commands()) {
      Result r = run.run(c);
      if (!r.ok()) {
        throw new BackendFailure("nft exited " + r.exitCode() + ": " + r.firstErrorLine()
            + "; nothing was changed (nft commits a script whole or not at all)");
      }
    }
  }
}
