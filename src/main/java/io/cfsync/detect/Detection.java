package io.cfsync.detect;

import com.google.common.collect.ImmutableList;
import io.cfsync.backend.XtFlavour;
import java.util.Optional;

/**
 * What {@code --backend auto} decided: the backend (and, for iptables, the flavour whose
 * rules it must join), the reasons in the order they weighed, advice that does not change the
 * choice (Docker's DOCKER-USER chain), and the facts it was decided from. A refusal carries
 * the one-line message instead of a backend.
 */
public record Detection(Optional<String> backend, Optional<XtFlavour> flavour,
    ImmutableList<String> reasons, ImmutableList<String> advice, Optional<String> refusal,
    HostFacts facts) {

  public Detection {
    reasons = ImmutableList.copyOf(reasons);
    advice = ImmutableList.copyOf(advice);
  }

  public boolean refused() {
    return refusal.isPresent();
  }
}
