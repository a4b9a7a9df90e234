package io.cfsync.backend;

import com.google.common.collect.ImmutableMap;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.model.Family;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads cfsync's iptables state of both families for the backends built on iptables. The
 * flavour each family answered with is remembered, so the verifying read of the same run need
 * not ask again: a backend instance serves one run (the registry supplies a fresh one).
 */
public final class XtReader {

  private final Optional<XtFlavour> forced;
  private final Map<Family, XtFlavour> seen =
      Collections.synchronizedMap(new EnumMap<>(Family.class));

  /** {@code forced}: use that flavour's tools whatever {@code iptables} is; else ask the host. */
  public XtReader(Optional<XtFlavour> forced) {
    this.forced = forced;
  }

  /** Both families' state, each read with the forced, remembered or detected flavour. */
  public ImmutableMap<Family, XtState> read(ProcessRunner run) {
    ImmutableMap.Builder<Family, XtState> out = ImmutableMap.builder();
    for (Family f : Family.values()) {
      XtState s = XtState.read(run, f, forced.or(() -> Optional.ofNullable(seen.get(f))));
      if (s.unavailable().isEmpty()) {
        seen.put(f, s.flavour());
      }
      out.put(f, s);
    }
    return out.buildOrThrow();
  }
}
