package io.cfsync.template;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Names;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;

/**
 * Everything a template is rendered from: the validated lists, the families, ports, policy,
 * hook and action, the extra sources, cfsync's names, and (allow policy with nftables) the
 * operator's table and chain the sets and rules go into.
 */
public record Settings(PrefixSet prefixes, ImmutableSet<Family> families,
    ImmutableList<PortRange> ports, Policy policy, Hook hook, Action action,
    PrefixSet allowExtra, Naming naming, String nftTableFamily, String nftTable,
    String nftChain) {

  public Settings {
    checkArgument(!families.isEmpty(), "no family");
    checkArgument(!ports.isEmpty(), "no port");
    ports = ImmutableList.sortedCopyOf(ports);
    checkArgument(ImmutableSet.of("ip", "ip6", "inet").contains(nftTableFamily),
        "nft table family %s", nftTableFamily);
    Names.name("nftables table", nftTable);
    Names.name("nftables chain", nftChain);
  }

  /** The same settings limited to one family (per-family kinds render once per family). */
  public Settings only(Family f) {
    checkArgument(families.contains(f), "family %s not selected", f);
    return new Settings(prefixes.only(f), ImmutableSet.of(f), ports, policy, hook, action,
        allowExtra.only(f), naming, nftTableFamily, nftTable, nftChain);
  }
}
