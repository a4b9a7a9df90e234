package io.cfsync.backend.nftables;

import io.cfsync.backend.Installed;
import io.cfsync.model.PrefixSet;
import java.util.Optional;

/**
 * What cfsync owns in nftables as read: under restrict its whole table, under allow its sets
 * and tagged rules in the operator's chain (plus whether that table and chain exist).
 */
record NftState(Layout layout, boolean tableExists, boolean chainExists, Listing listing,
    PrefixSet prefixes) implements Installed {

  @Override
  public boolean present() {
    return layout.own ? tableExists : !listing.sets().isEmpty() || !listing.rules().isEmpty();
  }

  Optional<Listing.SetObj> set(String name) {
    return listing.sets().stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /**
   * Whether cfsync made the table it calls its own: a table none of whose sets carries
   * cfsync's marker belongs to someone else (say {@code --table filter} by mistake), and a
   * rebuild would delete it wholesale.
   */
  boolean tableIsCfsyncs() {
    return !tableExists
        || (listing.sets().isEmpty() && listing.chains().isEmpty() && listing.others().isEmpty())
        || listing.sets().stream().anyMatch(s -> s.comment().orElse("").equals(Layout.MARKER));
  }
}
