package io.cfsync.backend.nftables;

import io.cfsync.backend.Installed;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What cfsync owns in nftables as read: under restrict its whole table, under allow its sets
 * and tagged rules in the operator's chain (plus whether that table and chain exist). The
 * {@link PrefixSet} view is built only when asked for: with 100k elements building it costs
 * more than listing them, and an in-sync plan compares {@link Coverage} instead.
 */
final class NftState implements Installed {

  private final Layout layout;
  private final boolean tableExists;
  private final boolean chainExists;
  private final Listing listing;
  private final Map<Family, Coverage> edge = new EnumMap<>(Family.class);
  private PrefixSet prefixes;

  NftState(Layout layout, boolean tableExists, boolean chainExists, Listing listing) {
    this.layout = layout;
    this.tableExists = tableExists;
    this.chainExists = chainExists;
    this.listing = listing;
    for (Family f : Family.values()) {
      Coverage.Builder b = new Coverage.Builder(f);
      for (Listing.SetObj s : listing.sets()) {
        if (layout.isEdgeSet(s.name()) && s.family().equals(Optional.of(f))) {
          b.addAll(s.coverage());
        }
      }
      edge.put(f, b.build());
    }
  }

  Layout layout() {
    return layout;
  }

  boolean tableExists() {
    return tableExists;
  }

  boolean chainExists() {
    return chainExists;
  }

  Listing listing() {
    return listing;
  }

  /** The addresses cfsync's Cloudflare sets hold in one family, all shards merged. */
  Coverage edge(Family f) {
    return edge.get(f);
  }

  /** Built on first use: a run in sync compares coverage and never needs it. */
  @Override
  public synchronized PrefixSet prefixes() {
    if (prefixes == null) {
      PrefixSet all = PrefixSet.empty();
      for (Coverage c : edge.values()) {
        all = all.union(c.toPrefixSet());
      }
      prefixes = all;
    }
    return prefixes;
  }

  @Override
  public boolean present() {
    return layout.own ? tableExists : !listing.sets().isEmpty() || !listing.rules().isEmpty();
  }

  Optional<Listing.SetObj> set(String name) {
    for (Listing.SetObj s : listing.sets()) {
      if (s.name().equals(name)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /**
   * Whether cfsync made the table it calls its own: a table none of whose sets carries
   * cfsync's marker belongs to someone else (say {@code --table filter} by mistake), and a
   * rebuild would delete it wholesale.
   */
  boolean tableIsCfsyncs() {
    return !tableExists
        || (listing.sets().isEmpty() && listing.chains().isEmpty() && listing.others().isEmpty())
        || anyMarked(listing.sets());
  }

  private static boolean anyMarked(List<Listing.SetObj> sets) {
    for (Listing.SetObj s : sets) {
      if (s.comment().orElse("").equals(Layout.MARKER)) {
        return true;
      }
    }
    return false;
  }
}
