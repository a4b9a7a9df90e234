package io.cfsync.detect;

import com.google.common.collect.ImmutableList;
import io.cfsync.backend.XtFlavour;
import io.cfsync.model.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Builds {@link HostFacts} by hand: one line per fact a test cares about. */
final class Facts {

  private HostFacts.Ufw ufw = new HostFacts.Ufw(true, false, false);
  private Optional<Long> firewalldPid = Optional.empty();
  private final List<String> firewalldTables = new ArrayList<>();
  private final List<String> firewalldChains = new ArrayList<>();
  private boolean nft = true;
  private final List<HostFacts.NftTable> tables = new ArrayList<>();
  private final List<HostFacts.Xtables> xtables = new ArrayList<>();
  private final List<HostFacts.OwnState> own = new ArrayList<>();

  static Facts host() {
    return new Facts();
  }

  Facts ufw(boolean enabled, boolean loaded) {
    ufw = new HostFacts.Ufw(true, enabled, loaded);
    if (loaded) {
      xt(XtFlavour.NFT, Family.V4, true, Optional.of("INPUT policy DROP"), true, false);
    }
    return this;
  }

  Facts firewalldTable() {
    firewalldTables.add("inet firewalld");
    tables.add(new HostFacts.NftTable("inet", "firewalld", HostFacts.Role.FIREWALLD,
        ImmutableList.of(new HostFacts.InputChain("filter_INPUT", 10, "accept", false))));
    return this;
  }

  Facts firewalldProcess(long pid) {
    firewalldPid = Optional.of(pid);
    return this;
  }

  Facts firewalldChain(String chain) {
    firewalldChains.add(chain);
    return this;
  }

  Facts noNft() {
    nft = false;
    return this;
  }

  Facts operatorTable(String family, String name, String chain, String policy, boolean drops) {
    tables.add(new HostFacts.NftTable(family, name, HostFacts.Role.OPERATOR,
        ImmutableList.of(new HostFacts.InputChain(chain, 0, policy, drops))));
    return this;
  }

  Facts table(String family, String name, HostFacts.Role role) {
    tables.add(new HostFacts.NftTable(family, name, role, ImmutableList.of()));
    return this;
  }

  Facts xt(XtFlavour fl, Family f, boolean rules, Optional<String> drops, boolean ufwChains,
      boolean dockerUser) {
    xtables.add(new HostFacts.Xtables(fl, f, ImmutableList.of("filter"), rules, drops,
        ufwChains, dockerUser, ImmutableList.of()));
    return this;
  }

  Facts xtDrops(XtFlavour fl) {
    return xt(fl, Family.V4, true, Optional.of("INPUT policy DROP"), false, false);
  }

  Facts docker() {
    return xt(XtFlavour.NFT, Family.V4, true, Optional.empty(), false, true);
  }

  Facts own(String backend, boolean holdsPrefixes) {
    own.add(new HostFacts.OwnState(backend, holdsPrefixes));
    return this;
  }

  HostFacts build() {
    return new HostFacts(ufw, new HostFacts.Firewalld(firewalldPid,
        ImmutableList.copyOf(firewalldTables), ImmutableList.copyOf(firewalldChains)), nft,
        ImmutableList.copyOf(tables), ImmutableList.copyOf(xtables), ImmutableList.copyOf(own),
        ImmutableList.of());
  }
}
