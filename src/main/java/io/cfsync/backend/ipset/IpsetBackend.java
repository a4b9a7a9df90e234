package io.cfsync.backend.ipset;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.cfsync.backend.Backend;
import io.cfsync.backend.Cidrs;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Installed;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Plan;
import io.cfsync.backend.Policy;
import io.cfsync.backend.Steps;
import io.cfsync.backend.XtChain;
import io.cfsync.backend.XtFlavour;
import io.cfsync.backend.XtReader;
import io.cfsync.backend.XtState;
import io.cfsync.error.BackendFailure;
import io.cfsync.error.SafetyRefusal;
import io.cfsync.exec.Command;
import io.cfsync.exec.Forked;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
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

/**
 * ipset: per family a {@code hash:net} set ({@code cfsync-v4}, {@code cfsync-v6}) holding the
 * prefixes, and cfsync's iptables chain matching it with one rule. A list change never edits
 * the live set: a temporary set ({@code cfsync-t4}) is filled and swapped in, one atomic
 * kernel operation, so a lookup sees the old set or the new one, never a half-filled one
 * ({@code ipset restore} itself is not transactional). The old set, now under the temporary
 * name, is kept until every step of the run succeeded, so a later failure swaps it back
 * unchanged; then it is destroyed.
 */
public final class IpsetBackend implements Backend {

  private static final Splitter LINES = Splitter.on('\n').omitEmptyStrings().trimResults();

  private final XtReader xt;

  public IpsetBackend() {
    this.xt = new XtReader(Optional.empty());
  }

  /** Uses {@code flavour}'s iptables tools whatever {@code iptables} is. */
  public IpsetBackend(XtFlavour flavour) {
    this.xt = new XtReader(Optional.of(flavour));
  }

  @Override
  public String name() {
    return "ipset";
  }

  /** Allow, for the same reason as the iptables backend: its ACCEPT is final in INPUT. */
  @Override
  public Policy defaultPolicy() {
    return Policy.ALLOW;
  }

  /** The temporary set a family's new content is built in: {@code cfsync-t4}, 31 chars max. */
  static String tmpName(Naming naming, Family f) {
    return naming.setPrefix() + "-t" + f.digit();
  }

  @Override
  public Installed read(ProcessRunner run) {
    return read(run, Naming.DEFAULT);
  }

  @Override
  public Installed read(ProcessRunner run, Desired want) {
    return read(run, want.naming());
  }

  /**
   * Reads what cfsync owns under {@code naming}: its chain, tag (and sets). The sets are read
   * (and a 100k-element one parsed) on a thread of their own while both families' filter
   * tables are dumped: the reads are independent, and this one runs twice per change.
   */
  public Installed read(ProcessRunner run, Naming naming) {
    Forked<ImmutableMap<String, IpsetSet>> sets =
        Forked.start("cfsync-ipset-read", () -> readSets(run, naming));
    ImmutableMap<Family, XtState> chains;
    try {
      chains = xt.read(run);
    } catch (RuntimeException e) {
      sets.awaitQuietly();
      throw e;
    }
    return new IpsetInstalled(naming, chains, sets.join());
  }

  private static ImmutableMap<String, IpsetSet> readSets(ProcessRunner run, Naming naming) {
    Command list = Command.of("ipset", "list", "-n");
    Result names = run.run(list);
    if (!names.ok()) {
      throw new BackendFailure("cannot list ipsets: " + Steps.describe(list, names)
          + "; is the ip_set kernel module available?");
    }
    Set<String> existing = new HashSet<>(LINES.splitToList(names.stdout()));
    ImmutableMap.Builder<String, IpsetSet> sets = ImmutableMap.builder();
    for (Family f : Family.values()) {
      for (String name : List.of(naming.set(f), tmpName(naming, f))) {
        if (!existing.contains(name)) {
          continue;
        }
        Command show = Command.of("ipset", "list", name);
        Result r = run.run(show);
        if (!r.ok()) {
          throw new BackendFailure("cannot read set " + name + ": " + Steps.describe(show, r));
        }
        IpsetSet.parse(r.stdout(), name).ifPresent(s -> sets.put(name, s));
      }
    }
    return sets.buildOrThrow();
  }

  @Override
  public Plan plan(Installed now, Desired want) {
    checkArgument(now instanceof IpsetInstalled, "not read by this backend: %s", now);
    IpsetInstalled in = (IpsetInstalled) now;
    Naming naming = want.naming();
    ImmutableList<String> jump = XtChain.jump(want.hook(), want.ports(), naming);
    List<Command> commands = new ArrayList<>();
    List<Command> compensations = new ArrayList<>();
    ImmutableList.Builder<String> notes = ImmutableList.builder();
    // Temporary sets alive after the family steps: old content kept for a swap back, or
    // leftovers of a killed run. Destroyed last.
    Map<String, IpsetSet> doomed = new LinkedHashMap<>();
    PrefixSet before = PrefixSet.empty();
    for (Family f : Family.values()) {
      if (!want.families().contains(f)) {
        continue;
      }
      XtState xt = in.xt().get(f).require();
      String live = naming.set(f);
      String tmp = tmpName(naming, f);
      IpsetSet cur = in.sets().get(live);
      IpsetSet left = in.sets().get(tmp);
      if (cur != null && !cur.compatible(f)) {
        throw new SafetyRefusal("set " + live + " exists as " + cur.type() + " family "
            + cur.option("family").orElse("?") + ", not hash:net family " + f.ipsetFamily()
            + ", so cfsync did not create it; firewall unchanged; rename or destroy it, or "
            + "choose another --set-name");
      }
      PrefixSet wantF = want.prefixes().only(f);
      if (cur != null) {
        PrefixSet had = cur.content().only(f);
        before = before.isEmpty() ? had : before.union(had);
      }
      boolean setOk = cur != null && !cur.odd() && cur.content().equals(wantF);
      if (!setOk) {
        StringBuilder script = new StringBuilder();
        if (left != null) {
          script.append("destroy ").append(tmp).append('\n');
        }
        fill(script, tmp, f, wantF);
        script.append(cur != null ? "swap " : "rename ").append(tmp).append(' ').append(live)
            .append('\n');
        commands.add(restore(script.toString()));
        compensations.add(restore(cur != null ? "swap " + tmp + " " + live + "\ndestroy " + tmp
            + "\n" : "destroy " + live + "\n"));
        if (cur != null) {
          doomed.put(tmp, cur);
        }
      } else if (left != null) {
        doomed.put(tmp, left);
      }
      XtChain chain = XtChain.desired(want, f, PrefixSet.empty(), List.of(live));
      xt.plan(naming, want.hook(), jump, chain).ifPresent(step -> {
        commands.add(step.apply());
        compensations.add(step.undo());
      });
      notes.addAll(xt.notes(naming, want.hook()));
    }
    if (!doomed.isEmpty()) {
      StringBuilder destroy = new StringBuilder();
      StringBuilder rebuild = new StringBuilder();
      for (Map.Entry<String, IpsetSet> e : doomed.entrySet()) {
        destroy.append("destroy ").append(e.getKey()).append('\n');
        e.getValue().recreate(e.getKey(), rebuild);
      }
      commands.add(restore(destroy.toString()));
      compensations.add(restore(rebuild.toString()));
    }
    return new Plan(name(), Diff.between(before, want.prefixes()), ImmutableList.copyOf(commands),
        ImmutableList.copyOf(compensations).reverse(), notes.build());
  }

  /**
   * The create line sizes the set for its content: {@code maxelem} (default 65536) would
   * refuse a 100k list, and a starting {@code hashsize} near the element count spares the
   * kernel repeated rehashing while filling.
   */
  static void fill(StringBuilder out, String name, Family f, PrefixSet content) {
    int n = content.prefixCount(f);
    int hashsize = Math.max(1024, Integer.highestOneBit(Math.max(1, n)));
    int maxelem = Math.max(65536, Integer.highestOneBit(Math.max(1, n)) * 4);
    out.append("create ").append(name).append(" hash:net family ").append(f.ipsetFamily())
        .append(" hashsize ").append(hashsize).append(" maxelem ").append(maxelem).append('\n');
    Cidrs.appendLines(content, f, "add " + name + " ", out);
  }

  private static Command restore(String script) {
    return Command.of("ipset", "restore").withStdin(script);
  }


  @Override
  public void apply(Plan plan, ProcessRunner run) {
    Steps.apply(plan, run, IpsetBackend::hint);
  }

  @Override
  public boolean undoesFailedApply() {
    return true;
  }

  static Optional<String> hint(Command c, String failure) {
    if (failure.contains(Hook.DOCKER_USER.chain()) && failure.contains("No chain")) {
      return Optional.of("--hook docker-user needs Docker's DOCKER-USER chain, which this "
          + (c.tool().startsWith("ip6") ? "IPv6" : "IPv4") + " filter table lacks: start "
          + "Docker (with \"ip6tables\": true for IPv6) or use --hook input");
    }
    if (failure.contains("match-set") || failure.contains("Set ")) {
      return Optional.of("check that the ip_set and xt_set kernel modules are available");
    }
    return Optional.empty();
  }

  /** Both families' filter tables, and cfsync's sets (live and temporary) as read. */
  record IpsetInstalled(Naming naming, ImmutableMap<Family, XtState> xt,
      ImmutableMap<String, IpsetSet> sets) implements Installed {

    @Override
    public PrefixSet prefixes() {
      PrefixSet out = PrefixSet.empty();
      for (Family f : Family.values()) {
        IpsetSet s = sets.get(naming.set(f));
        if (s != null && s.compatible(f)) {
          out = out.union(s.content().only(f));
        }
      }
      return out;
    }

    @Override
    public boolean present() {
      return !sets.isEmpty() || xt.values().stream().anyMatch(s -> s.present(naming));
    }
  }
}
