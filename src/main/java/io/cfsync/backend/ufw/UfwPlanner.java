package io.cfsync.backend.ufw;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Plan;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.error.UsageError;
import io.cfsync.exec.Command;
import io.cfsync.model.Diff;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The pure half of the UFW backend: from what UFW holds and what is wanted, the change. Per
 * family, cfsync's tuples (tagged with its comment) that are wanted stay, the others go, and
 * missing ones are appended, in the order {@code ufw allow} would append them, so both modes
 * end with the same file. Untagged rules are never touched, not even when they name a
 * Cloudflare prefix: an identical one only means cfsync adds no twin (a twin would be taken
 * over by {@code ufw allow … comment}, which rewrites the operator's rule's comment).
 */
final class UfwPlanner {

  enum Mode {
    /** Write UFW's rule files and load the user chains with {@code iptables-restore -n}. */
    FILE,
    /** {@code ufw allow} / {@code ufw delete} per change. */
    CLI;

    static Mode of(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "file" -> FILE;
        case "cli" -> CLI;
        default -> throw new UsageError("--ufw-mode \"" + s + "\": use file or cli");
      };
    }
  }

  /** The per-family outcome: which blocks go, which tuples come, and the new file. */
  record FamilyChange(Family family, String before, String after, List<Tuple> removed,
      List<Tuple> added, boolean load) {}

  private UfwPlanner() {}

  /** iptables' multiport takes 15 ports, a range counting twice; UFW enforces the same. */
  static ImmutableList<String> portGroups(List<PortRange> ports) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    int weight = 0;
    for (PortRange p : ports) {
      int w = p.single() ? 1 : 2;
      if (weight + w > 15) {
        out.add(cur.toString());
        cur.setLength(0);
        weight = 0;
      }
      if (cur.length() > 0) {
        cur.append(',');
      }
      cur.append(p.toString(':'));
      weight += w;
    }
    out.add(cur.toString());
    return ImmutableList.copyOf(out);
  }

  static Plan plan(UfwState now, Desired want, UfwPaths paths) {
    if (want.hook() != Hook.INPUT) {
      throw new UsageError("--hook " + want.hook().word() + " is not for the ufw backend: UFW's "
          + "rules filter INPUT, and Docker's published ports bypass it; use --backend "
          + "iptables --hook docker-user for those");
    }
    Mode mode = Mode.of(want.option("ufw-mode").orElse("file"));
    String tag = want.naming().tag();
    ImmutableList<String> groups = portGroups(want.ports());
    Set<String> notes = new LinkedHashSet<>();
    List<FamilyChange> changes = new ArrayList<>();
    PrefixSet before = PrefixSet.empty();
    PrefixSet after = PrefixSet.empty();

    for (Family f : Family.values()) {
      if (!want.families().contains(f)) {
        continue;
      }
      Optional<UfwState.FamilyState> state = now.family(f);
      if (state.isEmpty()) {
        if (!want.prefixes().isEmpty(f)) {
          notes.add("UFW has IPV6=no in /etc/default/ufw, so the "
              + want.prefixes().prefixCount(f) + " IPv6 prefixes are not installed; set "
              + "IPV6=yes there (and reload UFW once) to allow Cloudflare over IPv6");
        }
        continue;
      }
      UfwState.FamilyState fs = state.get();
      List<Tuple> wanted = new ArrayList<>();
      for (Prefix p : want.prefixes().prefixes(f)) {
        for (String g : groups) {
          wanted.add(Tuple.owned(p, g, tag));
        }
      }
      Set<Integer> drop = new HashSet<>();
      List<Tuple> removed = new ArrayList<>();
      Set<Tuple> kept = new HashSet<>();
      Set<Tuple> operators = new HashSet<>();
      List<Prefix> had = new ArrayList<>();
      ImmutableList<RulesFile.Block> blocks = fs.file().blocks();
      for (int i = 0; i < blocks.size(); i++) {
        Tuple t = blocks.get(i).tuple();
        if (t.taggedWith(tag)) {
          if (t.verb().equals("allow")) {
            addSource(t, had);
          }
          if (wanted.contains(t) && kept.add(t)) {
            continue;
          }
          drop.add(i);
          removed.add(t);
          continue;
        }
        boolean twin = false;
        for (Tuple w : wanted) {
          if (w.sameRuleAs(t)) {
            twin = true;
            operators.add(w);
            notes.add("UFW rule \"" + t.describe() + "\" is not tagged " + tag + ": it is the "
                + "operator's, cfsync leaves it alone and adds no twin");
          }
        }
        if (t.verb().equals("allow") && t.incoming() && !t.route()
            && !t.anywhere(t.src()) && overlapsWanted(t, want, f) && !twin) {
          notes.add("UFW rule \"" + t.describe() + "\" names a Cloudflare address but is not "
              + "tagged " + tag + ": cfsync leaves it alone");
        }
      }
      List<Tuple> added = new ArrayList<>();
      List<Prefix> has = new ArrayList<>();
      for (Tuple w : wanted) {
        if (kept.contains(w) || operators.contains(w)) {
          if (kept.contains(w)) {
            addSource(w, has);
          }
          continue;
        }
        added.add(w);
        addSource(w, has);
      }
      before = before.union(PrefixSet.of(had));
      after = after.union(PrefixSet.of(has));
      String newContent = drop.isEmpty() && added.isEmpty() ? fs.content()
          : fs.file().edit(drop, added);
      boolean changed = !newContent.equals(fs.content());
      if (fs.drift()) {
        notes.add("UFW's loaded " + f.label() + " chain does not hold what " + fs.path()
            + " says (an interrupted ufw or cfsync run?)" + (mode == Mode.FILE
            ? ": cfsync loads the file" : ": `ufw reload` or a cfsync run in --ufw-mode file "
            + "loads it"));
      }
      boolean load = fs.live().isPresent() && (changed || (mode == Mode.FILE && fs.drift()));
      if (fs.live().isEmpty() && (changed || !removed.isEmpty())) {
        notes.add(now.enabled() ? "UFW is enabled but its " + f.label() + " chains are not "
            + "loaded (ufw service stopped?): the rules go to " + fs.path() + " only and "
            + "take effect when UFW starts" : "UFW is inactive: the rules go to " + fs.path()
            + " and take effect when UFW is enabled");
      }
      changes.add(new FamilyChange(f, fs.content(), newContent, removed, added, load));
    }

    List<Command> commands = new ArrayList<>();
    List<Command> undo = new ArrayList<>();
    if (mode == Mode.FILE) {
      for (FamilyChange c : changes) {
        if (!c.before().equals(c.after())) {
          commands.add(patch(paths.rules(c.family()), c.before(), c.after()));
        }
      }
      for (FamilyChange c : changes) {
        if (c.load()) {
          commands.add(Command.of(UfwPaths.restoreTool(c.family()), "-n",
              paths.rules(c.family()).toString()));
        }
      }
      // apply() rolls a failed file step back itself, under UFW's lock, so Sync has no undo.
    } else {
      // Adds before deletes: while the steps run, Cloudflare is never less allowed.
      for (FamilyChange c : changes) {
        for (Tuple t : c.added()) {
          commands.add(ufw(t.ufwArgs(false, true)));
        }
      }
      for (FamilyChange c : changes) {
        for (Tuple t : c.removed()) {
          commands.add(ufw(t.ufwArgs(true, true)));
        }
      }
      for (Command c : commands) {
        undo.add(0, inverse(c));
      }
    }

    if (want.policy() == Policy.RESTRICT) {
      restrictChecks(now, want, notes, commands, undo);
    } else if (want.option("ufw-default-deny").isPresent()) {
      notes.add("--ufw-default-deny is for --policy restrict; UFW's default policy left as is");
    }
    Diff diff = Diff.between(before, after);
    return new Plan("ufw", diff, ImmutableList.copyOf(commands), ImmutableList.copyOf(undo),
        ImmutableList.copyOf(notes));
  }

  private static boolean overlapsWanted(Tuple t, Desired want, Family f) {
    Optional<Prefix> src = t.srcPrefix();
    if (src.isEmpty()) {
      return false;
    }
    for (Prefix p : want.prefixes().prefixes(f)) {
      if (p.overlaps(src.get())) {
        return true;
      }
    }
    return false;
  }

  private static void addSource(Tuple t, List<Prefix> to) {
    Optional<Prefix> src = t.srcPrefix();
    if (src.isPresent()) {
      to.add(src.get());
    }
  }

  /**
   * {@code --policy restrict} relies on UFW's default incoming policy to refuse everyone
   * else. cfsync checks that it does, and warns about the operator's broader allows that
   * let others reach the protected ports anyway; it never deletes them, and changes the
   * default only when asked to.
   */
  private static void restrictChecks(UfwState now, Desired want, Set<String> notes,
      List<Command> commands, List<Command> undo) {
    String ports = PortRange.join(want.ports(), ',');
    if (!now.enabled()) {
      notes.add("restrict: UFW is inactive, so nothing refuses other sources on ports " + ports
          + "; enable it (ufw allow 22/tcp first, then ufw enable)");
    }
    if (now.defaultInput().equals("ACCEPT")) {
      if (want.option("ufw-default-deny").isPresent()) {
        commands.add(Command.of("ufw", "default", "deny", "incoming"));
        undo.add(0, Command.of("ufw", "default", "allow", "incoming"));
        notes.add("restrict: UFW's default incoming policy is allow; --ufw-default-deny sets "
            + "it to deny (ufw reloads its firewall once for that)");
      } else {
        notes.add("restrict: UFW's default incoming policy is allow, so every source reaches "
            + "ports " + ports + "; run `ufw default deny incoming` (it reloads UFW once) or "
            + "re-run with --ufw-default-deny");
      }
    }
    PrefixSet allowed = want.prefixes().union(want.allowExtra());
    for (UfwState.FamilyState fs : now.families().values()) {
      if (!want.families().contains(fs.family())) {
        continue;
      }
      for (RulesFile.Block b : fs.file().blocks()) {
        Tuple t = b.tuple();
        if (t.taggedWith(want.naming().tag()) || t.route() || !t.incoming()
            || !(t.verb().equals("allow") || t.verb().equals("limit"))
            || !(t.proto().equals("tcp") || t.proto().equals("any"))
            || !portsOverlap(t.dport(), want.ports())) {
          continue;
        }
        Optional<Prefix> src = t.srcPrefix();
        if (src.isPresent() && allowed.encloses(src.get())) {
          continue;
        }
        notes.add("restrict: UFW rule \"" + t.describe() + "\" lets sources outside "
            + "Cloudflare's ranges reach port(s) " + ports + "; cfsync leaves it alone: "
            + "remove it (ufw " + String.join(" ", quoted(t.ufwArgs(true, false)))
            + ") for restrict to hold");
      }
    }
  }

  private static List<String> quoted(List<String> args) {
    List<String> out = new ArrayList<>(args.size());
    for (String a : args) {
      out.add(a.indexOf(' ') >= 0 ? "'" + a + "'" : a);
    }
    return out;
  }

  static boolean portsOverlap(String dport, List<PortRange> ports) {
    if (dport.equals("any")) {
      return true;
    }
    for (String p : Splitter.on(',').split(dport)) {
      int colon = p.indexOf(':');
      try {
        int lo = Integer.parseInt(colon < 0 ? p : p.substring(0, colon));
        int hi = colon < 0 ? lo : Integer.parseInt(p.substring(colon + 1));
        for (PortRange r : ports) {
          if (lo <= r.high() && r.low() <= hi) {
            return true;
          }
        }
      } catch (NumberFormatException e) {
        // a service name UFW resolved at add time would be a number here; be conservative
        return true;
      }
    }
    return false;
  }

  private static Command ufw(List<String> args) {
    List<String> argv = new ArrayList<>(List.of("ufw"));
    argv.addAll(args);
    return Command.of(ImmutableList.copyOf(argv));
  }

  /** {@code ufw allow X} ↔ {@code ufw delete allow X}: UFW answers both idempotently. */
  private static Command inverse(Command c) {
    List<String> a = new ArrayList<>(c.argv());
    if (a.get(1).equals("delete")) {
      a.remove(1);
    } else {
      a.add(1, "delete");
    }
    return Command.of(ImmutableList.copyOf(a));
  }

  /**
   * The file step of file mode, shown as the {@code patch} command that makes the same
   * change by hand. cfsync does not run {@code patch}: its apply intercepts this command and
   * writes the file atomically itself (see {@link AtomicFiles}).
   */
  static Command patch(java.nio.file.Path file, String before, String after) {
    return Command.of("patch", "--forward", "--backup", "--suffix=" + AtomicFiles.BACKUP,
        file.toString()).withStdin(FileDiff.create(file.toString(), before, after));
  }

  static boolean isPatch(Command c) {
    return c.tool().equals("patch");
  }

  static boolean isRestore(Command c) {
    return c.tool().equals("iptables-restore") || c.tool().equals("ip6tables-restore");
  }
}
