package io.cfsync.template;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.model.Family;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Addresses a file lists together: a marker block, an nft set, the {@code -s} sources of one
 * iptables rule shape, an ipset set, the {@code from} sources of one UFW rule shape, nginx's
 * {@code set_real_ip_from} lines. A group that holds Cloudflare's ranges must hold all of
 * them, so groups are compared one by one.
 *
 * @param what how the group is named in messages ({@code set cfsync-v4}, {@code block ipv4})
 * @param line where it starts (where missing prefixes would go)
 * @param declared the family its declaration fixes (a set's type, a block's label), if any
 * @param entries the addresses it lists
 * @param owned true when it carries cfsync's own marker or name, so it counts even if empty
 */
public record Group(String what, int line, Optional<Family> declared,
    ImmutableList<Entry> entries, boolean owned) {

  public Group {
    entries = ImmutableList.copyOf(entries);
  }

  /** The families this group speaks for: its declared one, else those of its entries. */
  public Set<Family> families() {
    if (declared.isPresent()) {
      return ImmutableSet.of(declared.get());
    }
    Set<Family> fs = EnumSet.noneOf(Family.class);
    for (Entry e : entries) {
      fs.add(e.family());
    }
    if (owned && fs.isEmpty()) {
      return EnumSet.allOf(Family.class);
    }
    return fs;
  }
}
