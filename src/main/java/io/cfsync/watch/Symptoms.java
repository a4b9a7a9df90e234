package io.cfsync.watch;

import com.google.common.collect.ImmutableList;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Installed;
import io.cfsync.backend.Naming;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.util.List;

/**
 * What a check found wrong, in an operator's words: "table inet cfsync missing", "set
 * cfsync-v4 lacks 12 of 15 prefixes", "jump rule missing or altered". Built from what the
 * backend read and what the plan wants, so it names only what cfsync owns.
 */
final class Symptoms {

  private Symptoms() {}

  static ImmutableList<String> of(String backend, Installed now, Desired want) {
    Naming n = want.naming();
    if (!now.present()) {
      return ImmutableList.of(everything(backend, want) + " missing");
    }
    ImmutableList.Builder<String> out = ImmutableList.builder();
    PrefixSet have = now.prefixes();
    for (Family f : want.families()) {
      PrefixSet w = want.prefixes().only(f);
      PrefixSet h = have.only(f);
      int lacking = w.difference(h).prefixCount(f);
      int foreign = h.difference(w).prefixCount(f);
      String where = holder(backend, n, f, want);
      if (lacking > 0) {
        out.add(where + (lacking == w.prefixCount(f) && h.isEmpty() ? " is empty (lacks all "
            + lacking + " " + word(f) + " prefixes)" : " lacks " + lacking + " of "
            + w.prefixCount(f) + " " + word(f) + " prefixes"));
      }
      if (foreign > 0) {
        // Someone else's addition (a heal) or a prefix Cloudflare dropped (a refresh): the
        // lists are what both have in common.
        out.add(where + " holds " + foreign + " " + word(f) + (foreign == 1 ? " prefix"
            : " prefixes") + " the lists do not name");
      }
    }
    ImmutableList<String> found = out.build();
    return found.isEmpty() ? ImmutableList.of(rules(backend, want) + " missing or altered")
        : found;
  }

  /** Everything cfsync owns under this backend, for "… missing". */
  static String everything(String backend, Desired want) {
    Naming n = want.naming();
    return switch (backend) {
      case "nftables" -> want.option("nft-table").map(t -> "cfsync's sets and rules in table "
          + t).orElse("table inet " + n.table());
      case "iptables" -> "chain " + n.chain() + " and its jump rule";
      case "ipset" -> "sets " + String.join("/", setNames(n, want.families()))
          + " and their rule";
      case "ufw" -> "UFW rules tagged " + n.tag();
      default -> backend + " rules of cfsync";
    };
  }

  /** Where one family's prefixes live. */
  static String holder(String backend, Naming n, Family f, Desired want) {
    return switch (backend) {
      case "nftables", "ipset" -> "set " + n.set(f);
      case "iptables" -> (f == Family.V4 ? "iptables" : "ip6tables") + " chain " + n.chain();
      case "ufw" -> word(f) + " UFW rules tagged " + n.tag();
      default -> word(f) + " " + backend + " rules";
    };
  }

  /** The rules that hang cfsync's prefixes into the packet path. */
  static String rules(String backend, Desired want) {
    Naming n = want.naming();
    return switch (backend) {
      case "nftables" -> want.option("nft-table").map(t -> "accept rule tagged " + n.tag()
          + " in " + t + " " + want.option("nft-chain").orElse("input"))
          .orElse("chain or rules of table inet " + n.table());
      case "iptables", "ipset" -> "jump rule tagged " + n.tag() + " (or chain " + n.chain()
          + "'s rules)";
      case "ufw" -> "UFW's loaded chains (they differ from its rule files)";
      default -> backend + " rules";
    };
  }

  static String word(Family f) {
    return f == Family.V4 ? "IPv4" : "IPv6";
  }

  private static List<String> setNames(Naming n, Iterable<Family> fams) {
    ImmutableList.Builder<String> b = ImmutableList.builder();
    for (Family f : fams) {
      b.add(n.set(f));
    }
    return b.build();
  }

  /** The names a transaction's lines would mention when it touched cfsync's objects. */
  static ImmutableList<String> ownNames(Desired want) {
    Naming n = want.naming();
    ImmutableList.Builder<String> b = ImmutableList.builder();
    b.add(n.table(), n.chain(), n.set(Family.V4), n.set(Family.V6), n.tag());
    return b.build();
  }
}
