package io.cfsync.backend.nftables;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Names;
import io.cfsync.error.UsageError;
import io.cfsync.model.Family;
import java.util.List;

/** An nftables table as nft names it, family first: {@code inet filter}, {@code ip filter}. */
record TableRef(String family, String name) {

  /** The table families whose input/forward hooks see IP traffic. */
  static final ImmutableSet<String> FAMILIES = ImmutableSet.of("inet", "ip", "ip6");

  TableRef {
    if (!FAMILIES.contains(family)) {
      throw new IllegalArgumentException("table family " + family);
    }
    Names.name("table name", name);
  }

  /** Parses {@code --nft-table "inet filter"}; a bad value is the operator's to fix. */
  static TableRef parse(String option, String value) {
    List<String> parts = Splitter.on(' ').omitEmptyStrings().trimResults().splitToList(value);
    if (parts.size() != 2 || !FAMILIES.contains(parts.get(0))) {
      throw new UsageError(option + " \"" + value + "\": give the table's family and name, "
          + "e.g. \"inet filter\" (family inet, ip or ip6)");
    }
    return new TableRef(parts.get(0), Names.name(option + " name", parts.get(1)));
  }

  /** Whether rules in this table can match packets of {@code f}. */
  boolean holds(Family f) {
    return family.equals("inet") || family.equals(f == Family.V4 ? "ip" : "ip6");
  }

  @Override
  public String toString() {
    return family + " " + name;
  }
}
