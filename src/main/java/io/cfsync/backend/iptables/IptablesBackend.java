package io.cfsync.backend.iptables;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.cfsync.backend.Backend;
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
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.model.Diff;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * iptables and ip6tables: per family, cfsync's own chain in the filter table holding one
 * {@code -s PREFIX -j ACCEPT} per Cloudflare prefix, and one comment-tagged jump to it in
 * INPUT (or DOCKER-USER). Each family changes in one {@code iptables-restore --noflush}
 * transaction. The default policy is allow: an iptables ACCEPT ends the packet's walk through
 * INPUT, so a jump first in INPUT does let Cloudflare through the operator's later DROPs,
 * which is what prevents 521/522; refusing everyone else is a separate decision, opt-in.
 */
public final class IptablesBackend implements Backend {

  private final XtReader xt;

  /** Asks {@code iptables -V} which flavour the host runs. */
  public IptablesBackend() {
    this.xt = new XtReader(Optional.empty());
  }

  /** Uses {@code flavour}'s tools whatever {@code iptables} is (tests drive legacy this way). */
  public IptablesBackend(XtFlavour flavour) {
    this.xt = new XtReader(Optional.of(flavour));
  }

  @Override
  public String name() {
    return "iptables";
  }

  @Override
  public Policy defaultPolicy() {
    return Policy.ALLOW;
  }

  @Override
  public Installed read(ProcessRunner run) {
    return read(run, Naming.DEFAULT);
  }

  @Override
  public Installed read(ProcessRunner run, Desired want) {
    return read(run, want.naming());
  }

  /** Reads what cfsync owns under {@code naming}: its chain, tag (and sets). */
  public Installed read(ProcessRunner run, Naming naming) {
    return new IptablesInstalled(naming, xt.read(run));
  }

  @Override
  public Plan plan(Installed now, Desired want) {
    checkArgument(now instanceof IptablesInstalled, "not read by this backend: %s", now);
    IptablesInstalled in = (IptablesInstalled) now;
    Naming naming = want.naming();
    ImmutableList<String> jump = XtChain.jump(want.hook(), want.ports(), naming);
    List<Command> commands = new ArrayList<>();
    List<Command> compensations = new ArrayList<>();
    ImmutableList.Builder<String> notes = ImmutableList.builder();
    PrefixSet before = PrefixSet.empty();
    for (Family f : Family.values()) {
      if (!want.families().contains(f)) {
        continue;
      }
      XtState s = in.families().get(f).require();
      PrefixSet had = s.acceptedPrefixes(naming);
      before = before.isEmpty() ? had : before.union(had);
      XtChain chain = XtChain.desired(want, f, want.prefixes(), List.of());
      s.plan(naming, want.hook(), jump, chain).ifPresent(step -> {
        commands.add(step.apply());
        compensations.add(step.undo());
      });
      notes.addAll(s.notes(naming, want.hook()));
    }
    return new Plan(name(), Diff.between(before, want.prefixes()), ImmutableList.copyOf(commands),
        ImmutableList.copyOf(compensations).reverse(), notes.build());
  }


  @Override
  public void apply(Plan plan, ProcessRunner run) {
    Steps.apply(plan, run, IptablesBackend::hint);
  }

  @Override
  public boolean undoesFailedApply() {
    return true;
  }

  /** The fix for failures an operator can meet. */
  static Optional<String> hint(Command c, String failure) {
    if (failure.contains(Hook.DOCKER_USER.chain()) && failure.contains("No chain")) {
      return Optional.of("--hook docker-user needs Docker's DOCKER-USER chain, which this "
          + (c.tool().startsWith("ip6") ? "IPv6" : "IPv4") + " filter table lacks: start "
          + "Docker (with \"ip6tables\": true for IPv6) or use --hook input");
    }
    return Optional.empty();
  }

  /** Both families' filter tables as read, and the names cfsync owns in them. */
  record IptablesInstalled(Naming naming, ImmutableMap<Family, XtState> families)
      implements Installed {

    @Override
    public PrefixSet prefixes() {
      PrefixSet out = PrefixSet.empty();
      for (XtState s : families.values()) {
        out = out.union(s.acceptedPrefixes(naming));
      }
      return out;
    }

    @Override
    public boolean present() {
      return families.values().stream().anyMatch(s -> s.present(naming));
    }
  }
}
