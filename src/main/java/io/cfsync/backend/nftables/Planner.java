package io.cfsync.backend.nftables;

import com.google.common.collect.ImmutableList;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Plan;
import io.cfsync.error.SafetyRefusal;
import io.cfsync.exec.Command;
import io.cfsync.model.Diff;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Computes the nft scripts from what was read to what is wanted; pure. In sync means no
 * command at all, so a no-op run writes nothing. A change of set contents is {@code flush
 * set} + {@code add element} per changed set; any other difference under restrict rebuilds
 * cfsync's table; under allow only cfsync's sets and tagged rules in the operator's chain
 * are touched. Each direction is one script, so one transaction.
 */
final class Planner {

  /** What nft accepts as a bare identifier; anything else read back is not re-rendered. */
  private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_./-]{0,127}");
  private static final Pattern WORD = Pattern.compile("[a-z0-9_-]{1,32}");
  private static final Pattern COMMENT = Pattern.compile("[A-Za-z0-9 _.:,;/()+=@-]{0,127}");

  private Planner() {}

  /**
   * The forward scripts in order, each one transaction, and the one undo script.
   *
   * <p>Sets that do not exist yet are created and filled in a transaction of their own, before
   * the one that makes a rule use them. Measured on kernel 6.18: when a new 100k-element set
   * and the drop rule referencing it commit together, a Cloudflare SYN arriving during the
   * commit was dropped about once per apply (the lookup missed); with the fill committed first,
   * 0 in 18 applies, and flushing and refilling existing sets under an existing or replaced
   * rule missed nothing. A new set no rule uses yet filters nothing, so the first transaction
   * alone changes no packet's fate, and a run killed between the two leaves only unused sets,
   * which the next run finds and uses.
   */
  record Steps(List<Script> forward, List<Script> undo) {
    Steps(List<Script> forward, Script undo) {
      this(forward, List.of(undo));
    }
  }

  static Plan plan(NftState now, Desired want) {
    Layout l = Layout.of(want);
    List<String> notes = new ArrayList<>();
    Diff diff = diff(now, want);
    Steps steps = l.own ? own(now, l, notes) : operator(now, l, want, notes);
    ImmutableList<Command> forward = commands(steps.forward());
    ImmutableList<Command> undo = forward.isEmpty() ? ImmutableList.of()
        : commands(steps.undo());
    return new Plan(NftablesBackend.NAME, diff, forward, undo, ImmutableList.copyOf(notes));
  }

  private static ImmutableList<Command> commands(List<Script> scripts) {
    ImmutableList.Builder<Command> out = ImmutableList.builder();
    for (Script s : scripts) {
      if (!s.isEmpty()) {
        out.add(s.command());
      }
    }
    return out.build();
  }

  /**
   * The change in addresses. In sync (the common case, and every verification) it is found
   * by comparing coverage, without building the installed {@code PrefixSet}.
   */
  private static Diff diff(NftState now, Desired want) {
    boolean same = true;
    for (Family f : Family.values()) {
      same &= now.edge(f).equals(Coverage.of(want.prefixes(), f));
    }
    PrefixSet w = want.prefixes();
    return same ? new Diff(w, w, PrefixSet.empty(), PrefixSet.empty(), w)
        : Diff.between(now.prefixes(), w);
  }

  // ---- restrict: cfsync's own table -------------------------------------------------------

  private static Steps own(NftState now, Layout l, List<String> notes) {
    TableRef t = l.table;
    if (!now.tableIsCfsyncs()) {
      throw new SafetyRefusal("nftables: table " + t + " exists and cfsync did not create it "
          + "(none of its sets carries the comment \"" + Layout.MARKER + "\"); cfsync "
          + "replaces its own table as a whole, so it leaves this one alone; pick another "
          + "--table; firewall unchanged");
    }
    if (structureMatches(now, l)) {
      Script fwd = new Script();
      Script back = new Script();
      for (Layout.SetDef s : l.sets) {
        Coverage cur = now.set(s.name()).orElseThrow().coverage();
        if (!cur.equals(s.coverage())) {
          fwd.line("flush set " + t + " " + s.name()).addElements(t, s.name(), s.prefixes());
          back.line("flush set " + t + " " + s.name()).addElements(t, s.name(),
              cur.prefixes());
        }
      }
      return new Steps(List.of(fwd), back);
    }
    // Any structural change is undone by putting the table back as it was read.
    Script back = replaceTable(t);
    if (now.tableExists()) {
      restoreBlock(back, now, notes);
    }
    if (!now.tableExists()) {
      Script fill = new Script().line("table " + t + " {");
      for (Layout.SetDef d : l.sets) {
        setBlock(fill, d.name(), d.type(), List.of("interval"), Optional.of(Layout.MARKER));
      }
      fill.line("}");
      for (Layout.SetDef d : l.sets) {
        fill.addElements(t, d.name(), d.prefixes());
      }
      Script hook = new Script().line("table " + t + " {");
      chainBlock(hook, l);
      hook.line("}");
      return new Steps(List.of(fill, hook), back);
    }
    if (migratable(now, l)) {
      return new Steps(migrate(now, l), back);
    }
    // Objects cfsync cannot adjust in place (a set of its name with another type or flags, an
    // object kind it never writes): replace the whole table in one transaction.
    Script fwd = replaceTable(t);
    tableBlock(fwd, l);
    for (Layout.SetDef s : l.sets) {
      fwd.addElements(t, s.name(), s.prefixes());
    }
    return new Steps(List.of(fwd), back);
  }

  /** Whether the existing table can be brought to the layout set by set and chain by chain. */
  private static boolean migratable(NftState now, Layout l) {
    if (!now.listing().others().isEmpty()) {
      return false;
    }
    for (Layout.SetDef d : l.sets) {
      Optional<Listing.SetObj> cur = now.set(d.name());
      if (cur.isPresent() && !plainInterval(cur.get(), d)) {
        return false;
      }
    }
    for (Listing.ChainObj c : now.listing().chains()) {
      if (!IDENT.matcher(c.name()).matches()) {
        return false;
      }
    }
    for (Listing.SetObj x : now.listing().sets()) {
      if (!IDENT.matcher(x.name()).matches()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Adjusts an existing table in place: new sets are filled first (unused, they change
   * nothing), then one transaction replaces the chain's rules, refills changed sets and drops
   * sets no longer wanted.
   */
  private static List<Script> migrate(NftState now, Layout l) {
    TableRef t = l.table;
    Script fill = new Script();
    for (Layout.SetDef d : l.sets) {
      if (now.set(d.name()).isEmpty()) {
        fill.line("add set " + t + " " + d.name() + " { type " + d.type()
            + "; flags interval; comment \"" + Layout.MARKER + "\"; }");
        fill.addElements(t, d.name(), d.prefixes());
      }
    }
    Script swap = new Script();
    boolean keepChain = false;
    for (Listing.ChainObj c : now.listing().chains()) {
      boolean same = c.name().equals(l.chain) && c.plain()
          && c.type().equals(Optional.of("filter")) && c.hook().equals(Optional.of(l.chain))
          && c.prio().equals(Optional.of(0L)) && c.policy().equals(Optional.of("accept"));
      swap.line("flush chain " + t + " " + c.name());
      if (same) {
        keepChain = true;
      } else {
        swap.line("delete chain " + t + " " + c.name());
      }
    }
    if (!keepChain) {
      swap.line("add chain " + t + " " + l.chain + " { type filter hook " + l.chain
          + " priority filter; policy accept; }");
    }
    for (RuleSpec r : l.rules) {
      swap.line("add rule " + t + " " + l.chain + " " + r.render());
    }
    for (Layout.SetDef d : l.sets) {
      Optional<Listing.SetObj> cur = now.set(d.name());
      if (cur.isPresent() && !cur.get().coverage().equals(d.coverage())) {
        swap.line("flush set " + t + " " + d.name()).addElements(t, d.name(), d.prefixes());
      }
    }
    for (Listing.SetObj s : now.listing().sets()) {
      if (!wanted(l, s.name())) {
        swap.line("delete set " + t + " " + s.name());
      }
    }
    return List.of(fill, swap);
  }

  /**
   * Creating the table empty before deleting it makes the delete valid whether or not the
   * table exists; nft 1.0.6 has no {@code destroy}. Both lines and the definition after them
   * are one transaction, so no packet ever sees the table missing.
   */
  private static Script replaceTable(TableRef t) {
    return new Script().line("table " + t + " {}").line("delete table " + t);
  }

  private static void tableBlock(Script s, Layout l) {
    s.line("table " + l.table + " {");
    for (Layout.SetDef d : l.sets) {
      setBlock(s, d.name(), d.type(), List.of("interval"), Optional.of(Layout.MARKER));
    }
    chainBlock(s, l);
    s.line("}");
  }

  private static void chainBlock(Script s, Layout l) {
    s.line("\tchain " + l.chain + " {");
    s.line("\t\ttype filter hook " + l.chain + " priority filter; policy accept;");
    for (RuleSpec r : l.rules) {
      s.line("\t\t" + r.render());
    }
    s.line("\t}");
  }

  private static void setBlock(Script s, String name, String type, List<String> flags,
      Optional<String> comment) {
    s.line("\tset " + name + " {");
    s.line("\t\ttype " + type);
    if (!flags.isEmpty()) {
      s.line("\t\tflags " + String.join(", ", flags));
    }
    if (comment.isPresent()) {
      s.line("\t\tcomment \"" + comment.get() + "\"");
    }
    s.line("\t}");
  }

  private static boolean structureMatches(NftState now, Layout l) {
    Listing got = now.listing();
    if (!now.tableExists() || !got.others().isEmpty()) {
      return false;
    }
    Map<String, Layout.SetDef> want = byName(l);
    if (got.sets().size() != want.size()) {
      return false;
    }
    for (Listing.SetObj s : got.sets()) {
      Layout.SetDef d = want.get(s.name());
      if (d == null || !plainInterval(s, d)) {
        return false;
      }
    }
    if (got.chains().size() != 1) {
      return false;
    }
    Listing.ChainObj c = got.chains().get(0);
    boolean chainOk = c.name().equals(l.chain) && c.plain()
        && c.type().equals(Optional.of("filter")) && c.hook().equals(Optional.of(l.chain))
        && c.prio().equals(Optional.of(0L)) && c.policy().equals(Optional.of("accept"));
    if (!chainOk) {
      return false;
    }
    if (got.rules().size() != l.rules.size()) {
      return false;
    }
    for (int i = 0; i < l.rules.size(); i++) {
      if (!got.rules().get(i).spec().equals(Optional.of(l.rules.get(i)))) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, Layout.SetDef> byName(Layout l) {
    Map<String, Layout.SetDef> out = new LinkedHashMap<>();
    for (Layout.SetDef s : l.sets) {
      out.put(s.name(), s);
    }
    return out;
  }

  private static boolean wanted(Layout l, String set) {
    for (Layout.SetDef d : l.sets) {
      if (d.name().equals(set)) {
        return true;
      }
    }
    return false;
  }

  private static boolean allWords(List<String> words) {
    for (String w : words) {
      if (!WORD.matcher(w).matches()) {
        return false;
      }
    }
    return true;
  }

  private static boolean isWord(Optional<String> s) {
    return s.isPresent() && WORD.matcher(s.get()).matches();
  }

  private static boolean plainInterval(Listing.SetObj s, Layout.SetDef d) {
    return s.plain() && s.type().equals(d.type()) && s.flags().equals(List.of("interval"))
        && s.comment().equals(Optional.of(Layout.MARKER)) && s.elementsUnderstood();
  }

  /**
   * Renders the table as it was read, for undo. Rules and sets of shapes cfsync does not
   * write cannot be rendered back from {@code nft -j}; they are named in a note instead.
   */
  private static void restoreBlock(Script s, NftState now, List<String> notes) {
    Listing got = now.listing();
    TableRef t = now.layout().table;
    List<String> lost = new ArrayList<>();
    for (String o : got.others()) {
      lost.add(o.substring(0, o.indexOf(" in table ")));
    }
    List<Listing.SetObj> sets = new ArrayList<>();
    s.line("table " + t + " {");
    for (Listing.SetObj set : got.sets()) {
      boolean renderable = IDENT.matcher(set.name()).matches() && set.plain()
          && set.family().isPresent() && allWords(set.flags())
          && (set.comment().isEmpty() || COMMENT.matcher(set.comment().get()).matches());
      if (!renderable) {
        lost.add("set " + set.name());
        continue;
      }
      setBlock(s, set.name(), set.type(), set.flags(), set.comment());
      sets.add(set);
      if (!set.elementsUnderstood()) {
        lost.add("the elements of set " + set.name());
      }
    }
    for (Listing.ChainObj c : got.chains()) {
      if (!IDENT.matcher(c.name()).matches() || !c.plain()) {
        lost.add("chain " + c.name());
        continue;
      }
      s.line("\tchain " + c.name() + " {");
      if (c.hook().isPresent()) {
        if (!isWord(c.type())
            || !WORD.matcher(c.hook().get()).matches() || c.prio().isEmpty()) {
          lost.add("the hook of chain " + c.name());
        } else {
          s.line("\t\ttype " + c.type().get() + " hook " + c.hook().get() + " priority "
              + c.prio().get() + "; policy " + (isWord(c.policy()) ? c.policy().get()
              : "accept") + ";");
        }
      }
      for (Listing.RuleObj r : got.rules()) {
        if (!r.chain().equals(c.name())) {
          continue;
        }
        if (r.spec().isPresent()) {
          s.line("\t\t" + r.spec().get().render());
        } else {
          lost.add("rule handle " + r.handle() + " in chain " + c.name());
        }
      }
      s.line("\t}");
    }
    s.line("}");
    for (Listing.SetObj set : sets) {
      if (set.elementsUnderstood()) {
        s.addElements(t, set.name(), set.coverage().prefixes());
      }
    }
    if (!lost.isEmpty()) {
      notes.add("nftables: table " + t + " holds what cfsync did not write (" + String.join(
          ", ", lost) + "); this run replaces it, and an undo could not bring it back");
    }
  }

  // ---- allow: sets and tagged rules in the operator's chain --------------------------------

  private static Steps operator(NftState now, Layout l, Desired want, List<String> notes) {
    TableRef t = l.table;
    String where = t + " " + l.chain;
    if (!want.allowExtra().isEmpty()) {
      notes.add("nftables: --allow-extra applies only under --policy restrict; ignored");
    }
    if (!now.tableExists()) {
      notes.add("nftables: there is no table " + t + " (--nft-table); nft will refuse the "
          + "change: create the table and chain, or fix --nft-table/--nft-chain");
    } else if (!now.chainExists()) {
      notes.add("nftables: table " + t + " has no chain " + l.chain + " (--nft-chain); nft "
          + "will refuse the change: create it, or fix --nft-chain");
    }
    for (Listing.SetObj s : now.listing().sets()) {
      if (!s.comment().equals(Optional.of(Layout.MARKER))) {
        throw new SafetyRefusal("nftables: set " + s.name() + " in table " + t + " exists and "
            + "cfsync did not create it (no comment \"" + Layout.MARKER + "\"); cfsync will "
            + "not touch it: rename it or pass another --set-name; firewall unchanged");
      }
    }
    Map<String, Layout.SetDef> wanted = byName(l);
    Set<String> dropSets = new HashSet<>();
    List<Layout.SetDef> create = new ArrayList<>();
    for (Listing.SetObj s : now.listing().sets()) {
      Layout.SetDef d = wanted.get(s.name());
      if (d == null || !plainInterval(s, d)) {
        dropSets.add(s.name());
      }
    }
    for (Layout.SetDef d : l.sets) {
      if (now.set(d.name()).isEmpty() || dropSets.contains(d.name())) {
        create.add(d);
      }
    }

    // Pair tagged rules with wanted ones: equal ones stay, the rest are replaced where they
    // stand in the chain, deleted or inserted.
    List<Listing.RuleObj> tagged = new ArrayList<>(now.listing().rules());
    List<RuleSpec> missing = new ArrayList<>(l.rules);
    List<Listing.RuleObj> delete = new ArrayList<>();
    if (!dropSets.isEmpty()) {
      // A set that is referenced cannot be deleted: its rules go first and come back new.
      delete.addAll(tagged);
      tagged.clear();
    }
    for (var it = tagged.iterator(); it.hasNext(); ) {
      Listing.RuleObj r = it.next();
      if (r.spec().isPresent() && missing.remove(r.spec().get())) {
        it.remove();
      }
    }
    List<Map.Entry<Listing.RuleObj, RuleSpec>> replace = new ArrayList<>();
    while (!tagged.isEmpty() && !missing.isEmpty()) {
      replace.add(Map.entry(tagged.remove(0), missing.remove(0)));
    }
    delete.addAll(tagged);

    // New sets are filled in a transaction of their own (see Steps); a set recreated with
    // other flags cannot be: its rules must go in the same transaction that deletes it.
    Script fill = new Script();
    Script unfill = new Script();
    for (Layout.SetDef d : create) {
      if (!dropSets.contains(d.name())) {
        String add = "add set " + t + " " + d.name() + " { type " + d.type()
            + "; flags interval; comment \"" + Layout.MARKER + "\"; }";
        fill.line(add);
        fill.addElements(t, d.name(), d.prefixes());
        // Adding before deleting makes the removal valid whether or not the set was made.
        unfill.line(add).line("delete set " + t + " " + d.name());
      }
    }
    Script fwd = new Script();
    Script back = new Script();
    for (Listing.RuleObj r : delete) {
      fwd.line("delete rule " + where + " handle " + r.handle());
    }
    for (String s : dropSets) {
      fwd.line("delete set " + t + " " + s);
    }
    for (Layout.SetDef d : create) {
      if (dropSets.contains(d.name())) {
        fwd.line("add set " + t + " " + d.name() + " { type " + d.type()
            + "; flags interval; comment \"" + Layout.MARKER + "\"; }");
      }
    }
    for (Layout.SetDef d : l.sets) {
      Optional<Listing.SetObj> cur = now.set(d.name());
      if (create.contains(d)) {
        if (dropSets.contains(d.name())) {
          fwd.addElements(t, d.name(), d.prefixes());
        }
      } else if (!cur.orElseThrow().coverage().equals(d.coverage())) {
        fwd.line("flush set " + t + " " + d.name()).addElements(t, d.name(), d.prefixes());
      }
      // Undo: only what can be restored whether or not this run's transaction committed.
      if (cur.isPresent() && cur.get().elementsUnderstood() && !dropSets.contains(d.name())
          && !cur.get().coverage().equals(d.coverage())) {
        back.line("flush set " + t + " " + d.name()).addElements(t, d.name(),
            cur.get().coverage().prefixes());
      }
    }
    for (var e : replace) {
      fwd.line("replace rule " + where + " handle " + e.getKey().handle() + " "
          + e.getValue().render());
    }
    // insert puts a rule first in the chain: ahead of the operator's own drops there, which
    // would otherwise win within the same chain. Reversed, so they end up in family order.
    for (int i = missing.size() - 1; i >= 0; i--) {
      fwd.line("insert rule " + where + " " + missing.get(i).render());
    }
    // Rule changes have no undo: nft names a rule by handle only, and the kernel hands out
    // handles at commit (a replaced rule gets a new one too), so an undo written now cannot
    // name the rules this script creates; and re-adding a deleted rule would duplicate it if
    // this run's transaction never committed (Sync also undoes after a failed nft). What the
    // undo restores is the sets' contents, which is valid in either case.
    if (!now.chainExists()) {
      // Into a chain that is not there nft will refuse the rules: keep it one transaction, so
      // that it refuses the sets with them and nothing is left behind.
      Script all = new Script().line(fill.text().stripTrailing());
      if (!fwd.isEmpty()) {
        all.line(fwd.text().stripTrailing());
      }
      return new Steps(List.of(all), back);
    }
    // The undo puts back what the sets held, then removes sets this run created; the second
    // fails harmlessly (and is logged) when this run's rules already use them.
    return new Steps(List.of(fill, fwd), List.of(back, unfill));
  }
}
