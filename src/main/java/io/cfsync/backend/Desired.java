package io.cfsync.backend;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.util.Optional;

/**
 * What the operator asked for, fully resolved: the validated lists, which families, the
 * ports, the policy, hook and action, the extra allowed sources, cfsync's own names, and
 * backend-specific options ({@code nft-table}, {@code ufw-mode}, …) by option name.
 */
public record Desired(PrefixSet prefixes, ImmutableSet<Family> families,
    ImmutableList<PortRange> ports, Policy policy, Hook hook, Action action,
    PrefixSet allowExtra, Naming naming, ImmutableMap<String, String> options) {

  public Desired {
    checkArgument(!families.isEmpty(), "no family");
    checkArgument(!ports.isEmpty(), "no port");
    for (Family f : Family.values()) {
      checkArgument(families.contains(f) || prefixes.isEmpty(f),
          "prefixes of unselected family %s", f);
    }
    ports = ImmutableList.sortedCopyOf(ports);
  }

  public Optional<String> option(String name) {
    return Optional.ofNullable(options.get(name));
  }

  public Desired withPrefixes(PrefixSet p) {
    return new Desired(p, families, ports, policy, hook, action, allowExtra, naming, options);
  }

  public Desired withPolicy(Policy p) {
    return new Desired(prefixes, families, ports, p, hook, action, allowExtra, naming, options);
  }
}
