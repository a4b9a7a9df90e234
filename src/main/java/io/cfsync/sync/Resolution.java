package io.cfsync.sync;

import com.google.common.collect.ImmutableList;
import io.cfsync.model.PrefixSet;

/**
 * The lists a run works with: the union of every source's validated prefixes. When any
 * source fell back to cache or snapshot the run is add-only (invariant 3).
 */
public record Resolution(PrefixSet prefixes, ImmutableList<SourceOutcome> outcomes) {

  public Resolution {
    outcomes = ImmutableList.copyOf(outcomes);
  }

  public boolean addOnly() {
    for (SourceOutcome o : outcomes) {
      if (o.origin().fallback()) {
        return true;
      }
    }
    return false;
  }
}
