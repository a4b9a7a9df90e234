package io.cfsync.backend;

import static com.google.common.base.Preconditions.checkArgument;

import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies a plan whose every command is one transaction of its tool and has exactly one
 * compensating command: {@code undo[n-1-i]} puts back what {@code commands[i]} changed. When
 * command {@code i} fails, only commands {@code 0..i-1} ran, so exactly their compensations
 * run, newest first; a failed transaction itself changed nothing. Used by backends whose
 * change spans several tools (iptables and ip6tables; ipset and iptables).
 */
public final class Steps {

  private static final Pattern LINE = Pattern.compile("\\bline (\\d+)");

  private Steps() {}

  /**
   * Runs {@code plan} through {@code run}. {@code hint} may add the fix for a failure, given
   * the failing command and its one-line description.
   */
  public static void apply(Plan plan, ProcessRunner run,
      BiFunction<Command, String, Optional<String>> hint) {
    List<Command> cmds = plan.commands();
    List<Command> undo = plan.undo();
    checkArgument(undo.size() == cmds.size(), "%s commands but %s compensations", cmds.size(),
        undo.size());
    int n = cmds.size();
    for (int i = 0; i < n; i++) {
      Command c = cmds.get(i);
      String failure = failure(c, run);
      if (failure == null) {
        continue;
      }
      String msg = failure + hint.apply(c, failure).map(h -> "; " + h).orElse("");
      if (i == 0) {
        throw new BackendFailure(msg + "; nothing was changed");
      }
      for (int k = i - 1; k >= 0; k--) {
        String undoFailure = failure(undo.get(n - 1 - k), run);
        if (undoFailure != null) {
          throw new BackendFailure(msg + "; rolling back the " + i + " change(s) before it "
              + "failed too (" + undoFailure + "); the next run converges");
        }
      }
      throw new BackendFailure(msg + "; rolled back the " + i + " change(s) before it, the "
          + "firewall is as it was");
    }
  }

  /** Runs {@code c}; null when it succeeded, else one line naming tool, rc, line and error. */
  static String failure(Command c, ProcessRunner run) {
    Result r;
    try {
      r = run.run(c);
    } catch (BackendFailure e) {
      return e.getMessage();
    }
    if (r.ok()) {
      return null;
    }
    return describe(c, r);
  }

  /**
   * {@code iptables-nft-restore exited 1 at line 3 (-I DOCKER-USER 1 ...): No chain/target/
   * match by that name.}: restore tools name the failing line of their input, so quote it.
   */
  public static String describe(Command c, Result r) {
    String err = errorLine(r);
    if (err.startsWith(c.tool() + ": ")) {
      err = err.substring(c.tool().length() + 2);
    }
    StringBuilder sb = new StringBuilder(c.tool()).append(" exited ").append(r.exitCode());
    Matcher m = LINE.matcher(err);
    if (m.find() && c.stdin().isPresent()) {
      int line = Integer.parseInt(m.group(1));
      String[] lines = c.stdin().get().split("\n", -1);
      if (line >= 1 && line <= lines.length) {
        String text = lines[line - 1];
        sb.append(" at line ").append(line).append(" (").append(text.length() > 120
            ? text.substring(0, 117) + "..." : text).append(')');
      }
    }
    return sb.append(": ").append(err).toString();
  }

  /** The first stderr line that is not a warning (nft flavours warn about legacy tables). */
  static String errorLine(Result r) {
    for (String s : new String[] {r.stderr(), r.stdout()}) {
      for (String line : s.split("\n")) {
        String l = line.strip();
        if (!l.isEmpty() && !l.startsWith("# Warning") && !l.startsWith("Warning:")) {
          return l;
        }
      }
    }
    return r.firstErrorLine();
  }
}
