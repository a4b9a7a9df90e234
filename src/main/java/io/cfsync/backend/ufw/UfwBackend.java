package io.cfsync.backend.ufw;

import io.cfsync.backend.Backend;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Installed;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Plan;
import io.cfsync.backend.Policy;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.model.Family;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * UFW, by comment-tagged rules in UFW's own rule files. Two modes:
 * <ul>
 *   <li>{@code file} (default): cfsync edits {@code /etc/ufw/user.rules} and
 *       {@code user6.rules} in exactly the format {@code ufw} writes, replaces them atomically
 *       and loads only UFW's user chains with {@code iptables-restore -n FILE} (what UFW's own
 *       {@code _reload_user_rules} runs): one kernel transaction per family, no
 *       {@code ufw reload}, which would stop and restart the whole firewall (Cloudflare
 *       refused, then every port open to anyone, for about a second).</li>
 *   <li>{@code cli}: {@code ufw allow … comment TAG} and {@code ufw delete allow … comment
 *       TAG} per change, adds first; undone by the inverse commands if one fails.</li>
 * </ul>
 * The default policy is {@code allow}: UFW's own default incoming policy (deny, as UFW ships
 * it) is what refuses everyone else, and it belongs to the operator. {@code restrict} checks
 * that it is deny and that no broader allow of the operator's defeats it, and reports.
 */
public final class UfwBackend implements Backend {

  private final UfwPaths paths;

  public UfwBackend() {
    this(UfwPaths.SYSTEM);
  }

  UfwBackend(UfwPaths paths) {
    this.paths = paths;
  }

  @Override
  public String name() {
    return "ufw";
  }

  @Override
  public Policy defaultPolicy() {
    return Policy.ALLOW;
  }

  @Override
  public Installed read(ProcessRunner run) {
    return UfwReader.read(paths, run, Naming.DEFAULT.tag());
  }

  @Override
  public Installed read(ProcessRunner run, Desired want) {
    return UfwReader.read(paths, run, want.naming().tag());
  }

  @Override
  public Plan plan(Installed now, Desired want) {
    if (!(now instanceof UfwState s)) {
      throw new IllegalArgumentException("not UFW state: " + now);
    }
    if (!s.tag().equals(want.naming().tag())) {
      // Ownership is by tag: a state read for another tag cannot be planned against.
      throw new IllegalArgumentException("state read for tag " + s.tag() + ", planned for "
          + want.naming().tag());
    }
    return UfwPlanner.plan(s, want, paths);
  }

  /**
   * File mode proves its end state under UFW's lock (see {@link #applyFiles}): each rule file
   * read back is the planned file byte for byte, and each loaded chain holds exactly that
   * file's rules. Plans with {@code ufw} commands (cli mode, {@code ufw default}) are checked
   * by the caller's re-read.
   */
  @Override
  public boolean verifiesApply(Plan plan) {
    for (Command c : plan.commands()) {
      if (!UfwPlanner.isPatch(c) && !UfwPlanner.isRestore(c)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void apply(Plan plan, ProcessRunner run) {
    List<Command> fileSteps = new ArrayList<>();
    List<Command> rest = new ArrayList<>();
    for (Command c : plan.commands()) {
      (UfwPlanner.isPatch(c) || UfwPlanner.isRestore(c) ? fileSteps : rest).add(c);
    }
    if (run.recording()) {
      record(fileSteps, run);
    } else if (!fileSteps.isEmpty()) {
      applyFiles(fileSteps, run);
    }
    // ufw commands (cli mode, or `ufw default` in either mode) take UFW's lock themselves,
    // so they run only after cfsync has let go of it.
    for (Command c : rest) {
      run.check(c);
    }
  }

  /** What plan and dry-run print for file mode: the diff, the loads, the ufw equivalent. */
  private static void record(List<Command> fileSteps, ProcessRunner run) {
    if (fileSteps.isEmpty()) {
      return;
    }
    List<String> adds = new ArrayList<>();
    List<String> deletes = new ArrayList<>();
    boolean patches = false;
    for (Command c : fileSteps) {
      if (!UfwPlanner.isPatch(c)) {
        continue;
      }
      patches = true;
      for (String l : RulesFile.split(c.stdin().orElse(""))) {
        String line = RulesFile.strip(l);
        if (line.startsWith("+" + Tuple.MARK)) {
          Tuple.parse(line.substring(1)).ifPresent(t -> adds.add(shell(t, false)));
        } else if (line.startsWith("-" + Tuple.MARK)) {
          Tuple.parse(line.substring(1)).ifPresent(t -> deletes.add(shell(t, true)));
        }
      }
    }
    run.note(patches ? "--ufw-mode file: cfsync changes UFW's rule files as below, writing each "
        + "one itself (temp file, fsync,\nrename; the old file stays as *"
        + AtomicFiles.BACKUP + "), then loads only UFW's user chains, one transaction per\n"
        + "family, without a ufw reload. By hand, the same is:"
        : "--ufw-mode file: UFW's loaded chains differ from its rule files; cfsync loads them:");
    for (Command c : fileSteps) {
      run.check(c);
    }
    if (!adds.isEmpty() || !deletes.isEmpty()) {
      List<String> all = new ArrayList<>(adds);
      all.addAll(deletes);
      run.note("The same change with ufw's own commands (what --ufw-mode cli runs):\n"
          + String.join("\n", all));
    }
  }

  private static String shell(Tuple t, boolean delete) {
    List<String> argv = new ArrayList<>(List.of("ufw"));
    argv.addAll(t.ufwArgs(delete, true));
    return Command.of(com.google.common.collect.ImmutableList.copyOf(argv)).toShell();
  }

  /**
   * Under UFW's lock: each rule file replaced atomically (only if it is still the file the
   * plan was made from), then each family's user chains loaded from it in one
   * {@code iptables-restore -n}, then checked against the file. Any failure puts the old
   * files back (their very inodes) and reloads the families already loaded from them.
   */
  private void applyFiles(List<Command> steps, ProcessRunner run) {
    try (UfwLock lock = UfwLock.acquire(paths.lock(), UfwReader.LOCK_WAIT)) {
      List<Path> written = new ArrayList<>();
      Map<Path, String> planned = new LinkedHashMap<>();
      Set<Family> loaded = new LinkedHashSet<>();
      try {
        for (Command c : steps) {
          if (UfwPlanner.isPatch(c)) {
            FileDiff.Parsed d = FileDiff.parse(c.stdin().orElse(""));
            Path target = ownFile(d.path());
            String after = FileDiff.apply(d, AtomicFiles.read(target));
            AtomicFiles.replace(target, after);
            written.add(target);
            planned.put(target, after);
          }
        }
        for (Command c : steps) {
          if (UfwPlanner.isRestore(c)) {
            Family f = c.tool().startsWith("ip6") ? Family.V6 : Family.V4;
            run.check(c);
            loaded.add(f);
          }
        }
        verify(planned, loaded, run);
      } catch (BackendFailure | IOException e) {
        String rolled = rollBack(written, loaded, run);
        String why = e instanceof IOException ? "writing UFW's rule files failed ("
            + e.getMessage() + ")" : e.getMessage();
        throw new BackendFailure("ufw: " + why + "; " + rolled, e);
      }
    }
  }

  private Path ownFile(String path) {
    for (Family f : Family.values()) {
      if (paths.rules(f).toString().equals(path)) {
        return paths.rules(f);
      }
    }
    throw new BackendFailure("ufw: the plan names " + path + ", which is not one of UFW's rule "
        + "files; nothing changed");
  }

  /**
   * Reads back what was changed: each written rule file must be the planned file byte for
   * byte, and each loaded family's chain must hold exactly the allow rules of its file.
   */
  private void verify(Map<Path, String> planned, Set<Family> loaded, ProcessRunner run)
      throws IOException {
    Map<Family, String> files = new EnumMap<>(Family.class);
    for (Family f : Family.values()) {
      Path p = paths.rules(f);
      if (!planned.containsKey(p) && !loaded.contains(f)) {
        continue;
      }
      String content = AtomicFiles.read(p);
      if (planned.containsKey(p) && !content.equals(planned.get(p))) {
        throw new BackendFailure(p + " does not hold what cfsync just wrote to it (changed "
            + "under UFW's lock?)");
      }
      files.put(f, content);
    }
    for (Family f : loaded) {
      Path p = paths.rules(f);
      RulesFile file = RulesFile.parse(f, p.toString(), files.get(f));
      var live = UfwReader.live(run, f);
      if (live.isEmpty() || !live.get().equals(file.shapes())) {
        throw new BackendFailure(UfwPaths.restoreTool(f) + " succeeded but UFW's "
            + RulesFile.inputChain(f) + " chain does not hold the rules of " + p);
      }
    }
  }

  /** Old files back, then the families already loaded (a failed restore changed nothing). */
  private String rollBack(List<Path> written, Set<Family> loaded, ProcessRunner run) {
    List<String> failed = new ArrayList<>();
    for (int i = written.size() - 1; i >= 0; i--) {
      try {
        AtomicFiles.restore(written.get(i));
      } catch (IOException e) {
        failed.add("restoring " + written.get(i) + ": " + e.getMessage());
      }
    }
    for (Family f : loaded) {
      var r = run.run(Command.of(UfwPaths.restoreTool(f), "-n", paths.rules(f).toString()));
      if (!r.ok()) {
        failed.add("reloading " + paths.rules(f) + ": " + r.firstErrorLine());
      }
    }
    if (failed.isEmpty()) {
      return "UFW's rule files and chains are as before";
    }
    return "rolling back failed too (" + String.join("; ", failed) + "); run `ufw reload` "
        + "after checking " + paths.rulesV4().getParent();
  }
}
