package io.cfsync.sync;

import io.cfsync.backend.Plan;
import io.cfsync.error.SafetyRefusal;
import io.cfsync.model.Family;
import java.util.Locale;

/**
 * The removal guard (invariant 2): a sync that would take away more than {@code maxRemoval}
 * of the addresses cfsync lets in for a family is refused unless forced. Measured on
 * covered addresses, not prefix counts: dropping one /12 matters more than reshaping ten /24s.
 */
public final class Guard {

  private Guard() {}

  public static void checkRemoval(Plan plan, double maxRemovalPercent, boolean force) {
    for (Family f : Family.values()) {
      double frac = plan.diff().removedFraction(f);
      if (frac * 100 > maxRemovalPercent + 1e-9) {
        String pct = String.format(Locale.ROOT, "%.1f%%", frac * 100);
        if (force) {
          continue;
        }
        throw new SafetyRefusal("refusing to remove " + pct + " of the " + f.label()
            + " addresses cfsync allows (" + plan.diff().removed().prefixes(f).size()
            + " prefixes; limit --max-removal " + maxRemovalPercent + "%); firewall unchanged; "
            + "check the source, then re-run with --force if the change is intended");
      }
    }
  }
}
