package io.cfsync.watch;

import com.google.common.base.Suppliers;
import com.google.common.collect.ImmutableList;
import java.util.function.Supplier;

/**
 * Why a check runs: the reason in words ({@code "a ruleset change"}, {@code "poll"}), the
 * foreign transactions seen since the last check, and when the first of them arrived
 * ({@code System.nanoTime()}), so a heal can say how long after the change it finished.
 */
public record Trigger(String reason, ImmutableList<Transaction> evidence,
    Supplier<ImmutableList<Culprit>> suspects, long since) {

  public Trigger {
    evidence = ImmutableList.copyOf(evidence);
    // Looking for suspects scans /proc: only when a heal needs a name, and once.
    suspects = Suppliers.memoize(suspects::get);
  }

  static Trigger of(String reason) {
    return new Trigger(reason, ImmutableList.of(), ImmutableList::of, System.nanoTime());
  }

  /**
   * Who probably changed cfsync's objects: the last transaction naming one of them, else the
   * last foreign transaction at all, else the firewall tools a poll found running.
   */
  String blame(Iterable<String> ownNames) {
    Transaction pick = null;
    int relevant = 0;
    for (Transaction t : evidence) {
      if (t.mentions(ownNames)) {
        pick = t;
        relevant++;
      }
    }
    if (pick == null && !evidence.isEmpty()) {
      pick = evidence.get(evidence.size() - 1);
      relevant = evidence.size();
    }
    if (pick != null) {
      StringBuilder sb = new StringBuilder("probably ").append(pick.culprit().describe());
      if (pick.generation() > 0) {
        sb.append(", generation ").append(pick.generation());
      }
      String first = pick.sample().stream().filter(l -> l.startsWith("delete")
          || l.startsWith("flush") || l.startsWith("destroy")).findFirst()
          .orElse(pick.sample().isEmpty() ? "" : pick.sample().get(0));
      if (!first.isEmpty()) {
        sb.append(" [").append(first).append(pick.lines() > 1 ? ", " + (pick.lines() - 1)
            + " more change(s)" : "").append(']');
      }
      if (relevant > 1) {
        sb.append(", one of ").append(relevant).append(" transactions");
      }
      return sb.toString();
    }
    ImmutableList<Culprit> running = suspects.get();
    if (!running.isEmpty()) {
      StringBuilder sb = new StringBuilder("possibly ");
      for (int i = 0; i < running.size() && i < 3; i++) {
        sb.append(i > 0 ? ", " : "").append(running.get(i).describe());
      }
      return sb.append(" (running at the poll)").toString();
    }
    return "removed by: unknown";
  }
}
