package io.cfsync.detect;

import com.google.common.collect.ImmutableList;
import io.cfsync.backend.XtFlavour;
import io.cfsync.model.Family;
import java.util.Optional;

/**
 * What {@link HostReader} found on the host (in the network namespace it runs in): only
 * facts, no decision. Tests build these by hand to drive {@link Detector#decide}.
 */
public record HostFacts(Ufw ufw, Firewalld firewalld, boolean nftAvailable,
    ImmutableList<NftTable> nftTables, ImmutableList<Xtables> xtables,
    ImmutableList<OwnState> cfsyncState, ImmutableList<String> notes) {

  public HostFacts {
    nftTables = ImmutableList.copyOf(nftTables);
    xtables = ImmutableList.copyOf(xtables);
    cfsyncState = ImmutableList.copyOf(cfsyncState);
    notes = ImmutableList.copyOf(notes);
  }

  /**
   * UFW as its own files and the kernel say: {@code enabled} is {@code ENABLED=yes} in
   * {@code /etc/ufw/ufw.conf} (what {@code ufw enable} writes and the boot script reads),
   * {@code loaded} that its {@code ufw-user-input} chain exists in some iptables flavour.
   */
  public record Ufw(boolean installed, boolean enabled, boolean loaded) {
    public boolean active() {
      return enabled && loaded;
    }
  }

  /**
   * firewalld's traces: its nftables tables ({@code inet firewalld}), the chains its iptables
   * backend creates ({@code INPUT_ZONES}, {@code IN_public}, …), and a live process behind
   * its pid file.
   */
  public record Firewalld(Optional<Long> pid, ImmutableList<String> tables,
      ImmutableList<String> chains) {
    public Firewalld {
      tables = ImmutableList.copyOf(tables);
      chains = ImmutableList.copyOf(chains);
    }

    public boolean present() {
      return pid.isPresent() || !tables.isEmpty() || !chains.isEmpty();
    }

    /** {@code table inet firewalld, pid 812}: the evidence, for messages. */
    public String evidence() {
      ImmutableList.Builder<String> b = ImmutableList.builder();
      tables.forEach(t -> b.add("table " + t));
      if (!chains.isEmpty()) {
        b.add("iptables chain" + (chains.size() > 1 ? "s " : " ") + String.join(", ", chains));
      }
      pid.ifPresent(p -> b.add("process " + p));
      return String.join(", ", b.build());
    }
  }

  /** Who a native nftables table belongs to. */
  public enum Role {
    /** cfsync's own table ({@code --table}). */
    CFSYNC,
    /** A table iptables-nft (or ebtables/arptables-nft) made: read through iptables-save. */
    IPTABLES,
    FIREWALLD,
    /** fail2ban's or CrowdSec's ban lists: they drop single attackers, they govern nothing. */
    BANS,
    /** Short-lived tables of cfsync's own tools ({@code cfsyncdoctor}'s trace). */
    TOOL,
    /** The operator's own table (an /etc/nftables.conf). */
    OPERATOR;

    public String word() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A native nftables table and its base chains hooked at input. */
  public record NftTable(String family, String name, Role role,
      ImmutableList<InputChain> inputChains) {
    public NftTable {
      inputChains = ImmutableList.copyOf(inputChains);
    }

    public String id() {
      return family + " " + name;
    }
  }

  /**
   * A base chain hooked at input: its policy, and whether it drops what nothing accepted
   * (policy drop, or a last rule that drops or rejects without any match).
   */
  public record InputChain(String name, int priority, String policy, boolean dropsByDefault) {}

  /**
   * One iptables flavour and family, as its {@code -save} printed it: whether it holds any
   * rule at all, whether its INPUT drops by default ({@link #inputDropsWhy()}), and the
   * chains of other managers in it.
   */
  public record Xtables(XtFlavour flavour, Family family, ImmutableList<String> tables,
      boolean rules, Optional<String> inputDropsWhy, boolean ufwChains, boolean dockerUser,
      ImmutableList<String> firewalldChains) {
    public Xtables {
      tables = ImmutableList.copyOf(tables);
      firewalldChains = ImmutableList.copyOf(firewalldChains);
    }

    public boolean inputDrops() {
      return inputDropsWhy.isPresent();
    }

    /** {@code iptables-legacy (IPv4)}. */
    public String describe() {
      String base = family == Family.V4 ? "iptables" : "ip6tables";
      return switch (flavour) {
        case NFT -> base + "-nft";
        case LEGACY -> base + "-legacy";
        case PLAIN -> base;
      };
    }
  }

  /**
   * cfsync's own state as a backend read it: {@code present} (its table, chain, sets or
   * tagged rules exist) and whether it holds Cloudflare prefixes; the iptables and ipset
   * backends share the CFSYNC chain, and only the one that filled it holds prefixes.
   */
  public record OwnState(String backend, boolean holdsPrefixes) {}

  /** Facts of a host where nothing could be read. */
  public static HostFacts empty() {
    return new HostFacts(new Ufw(false, false, false), new Firewalld(Optional.empty(),
        ImmutableList.of(), ImmutableList.of()), true, ImmutableList.of(), ImmutableList.of(),
        ImmutableList.of(), ImmutableList.of());
  }
}
