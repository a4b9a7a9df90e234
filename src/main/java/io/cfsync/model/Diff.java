package io.cfsync.model;

import static com.google.common.base.Preconditions.checkNotNull;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

/**
 * The change from one address set to another, computed on covered addresses. The 2021 list's
 * {@code 104.16.0.0/12} against today's {@code /13 + /14} is not "one out, two in": it is
 * {@code 104.28.0.0/14} removed and nothing added.
 */
public record Diff(PrefixSet before, PrefixSet after, PrefixSet added, PrefixSet removed,
    PrefixSet unchanged) {

  public Diff {
    checkNotNull(before);
    checkNotNull(after);
    checkNotNull(added);
    checkNotNull(removed);
    checkNotNull(unchanged);
  }

  public static Diff between(PrefixSet before, PrefixSet after) {
    if (before.equals(after)) {
      // The common no-change run (and every verification): skip three set walks over what
      // may be 100k ranges.
      return new Diff(before, after, PrefixSet.empty(), PrefixSet.empty(), before);
    }
    return new Diff(before, after, after.difference(before), before.difference(after),
        before.intersection(after));
  }

  public boolean isEmpty() {
    return added.isEmpty() && removed.isEmpty();
  }

  /**
   * The share of {@code before}'s addresses in {@code family} that this change removes, from
   * 0 to 1 (0 when nothing was there).
   */
  public double removedFraction(Family family) {
    BigInteger had = before.addressCount(family);
    if (had.signum() == 0) {
      return 0;
    }
    BigInteger gone = removed.addressCount(family);
    return new BigDecimal(gone).divide(new BigDecimal(had), MathContext.DECIMAL64).doubleValue();
  }
}
