package io.cfsync.detect;

import com.google.common.collect.ImmutableList;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Policy;
import io.cfsync.backend.XtFlavour;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides from {@link HostFacts} alone which backend governs the host, or refuses. The
 * question behind every branch is where a Cloudflare packet could be dropped: a packet must
 * pass every base chain of its hook (nftables) and every xtables table, so cfsync has to allow
 * it where the drop is (the operator's nft chain, the iptables flavour whose INPUT drops, UFW's
 * chains), and can only restrict from its own table when nothing else drops. Order:
 * <ol>
 *   <li>firewalld: refuse (cfsync has no firewalld backend);</li>
 *   <li>UFW active: ufw, unless another manager also filters input (refuse), or the hook is
 *       DOCKER-USER (iptables, beside UFW);</li>
 *   <li>UFW enabled but not loaded: refuse (it would replace cfsync's view on start);</li>
 *   <li>cfsync's own state from an earlier run: that backend, so an upgrade keeps going where
 *       the operator's earlier choice put the rules (two backends' state: refuse);</li>
 *   <li>an iptables flavour whose INPUT drops: iptables in that flavour (both flavours, or
 *       also an operator nft chain that drops: refuse);</li>
 *   <li>an operator nft input chain that drops: nftables into that table with
 *       {@code --policy allow --nft-table}, own table with an explicit
 *       {@code --policy restrict}, else refuse naming the table and chain;</li>
 *   <li>otherwise nftables (iptables when nft is not installed).</li>
 * </ol>
 */
public final class Detector {

  private Detector() {}

  public static Detection decide(HostFacts f, Hints h) {
    return new Decision(f, h).run();
  }

  private static final class Decision {
    final HostFacts f;
    final Hints h;
    final List<String> reasons = new ArrayList<>();
    final List<String> advice = new ArrayList<>();

    Decision(HostFacts f, Hints h) {
      this.f = f;
      this.h = h;
    }

    Detection run() {
      if (h.hook() == Hook.INPUT && f.xtables().stream().anyMatch(HostFacts.Xtables::dockerUser)) {
        advice.add("Docker's DOCKER-USER chain exists: ports Docker publishes for containers "
            + "bypass INPUT; add --hook docker-user to protect them");
      }
      Set<XtFlavour> ufwFlavours = new LinkedHashSet<>();
      for (HostFacts.Xtables x : f.xtables()) {
        if (x.ufwChains()) {
          ufwFlavours.add(x.flavour());
        }
      }
      // UFW's default-deny is INPUT's policy in its flavour: that drop is UFW's own.
      Map<XtFlavour, List<String>> xtDrops = new EnumMap<>(XtFlavour.class);
      for (HostFacts.Xtables x : f.xtables()) {
        if (x.inputDrops() && !ufwFlavours.contains(x.flavour())) {
          xtDrops.computeIfAbsent(x.flavour(), k -> new ArrayList<>()).add(x.describe() + " "
              + x.inputDropsWhy().orElseThrow());
        }
      }
      List<String> nftDrops = new ArrayList<>();
      List<HostFacts.NftTable> dropTables = new ArrayList<>();
      List<String> nftAccepts = new ArrayList<>();
      for (HostFacts.NftTable t : f.nftTables()) {
        if (t.role() != HostFacts.Role.OPERATOR) {
          continue;
        }
        for (HostFacts.InputChain c : t.inputChains()) {
          if (c.dropsByDefault()) {
            nftDrops.add("table " + t.id() + " chain " + c.name() + " drops by default ("
                + (c.policy().equals("drop") ? "policy drop" : "it ends in a drop") + ")");
            if (!dropTables.contains(t)) {
              dropTables.add(t);
            }
          } else {
            nftAccepts.add("table " + t.id() + " chain " + c.name());
          }
        }
      }
      Set<String> own = owners();

      // 1. firewalld
      if (f.firewalld().present()) {
        List<String> also = new ArrayList<>();
        if (f.ufw().active()) {
          also.add("UFW is active");
        }
        also.addAll(nftDrops);
        xtDrops.values().forEach(also::addAll);
        reasons.add("firewalld: " + f.firewalld().evidence());
        return refuse("firewalld manages this host's firewall (" + f.firewalld().evidence() + ")"
            + (also.isEmpty() ? "" : " and " + String.join(", ", also) + " (two managers "
                + "would fight)")
            + ", and cfsync has no firewalld backend; open the ports in firewalld "
            + "(firewall-cmd --permanent --add-service=https) and pass --backend nftables to "
            + "restrict them to Cloudflare from cfsync's own table, or stop firewalld");
      }

      // 2. UFW
      if (f.ufw().active()) {
        reasons.add("UFW is active: ENABLED=yes in /etc/ufw/ufw.conf and its chains are "
            + "loaded (" + words(ufwFlavours) + ")");
        List<String> fights = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (String b : own) {
          // With --hook docker-user cfsync's iptables chain is where this run puts it.
          boolean mine = b.equals("ufw") || h.hook() == Hook.DOCKER_USER && b.equals("iptables");
          if (!mine) {
            fights.add("cfsync's own " + b + " rules from an earlier --backend " + b
                + " run are installed");
            others.add(b);
          }
        }
        if (!nftDrops.isEmpty()) {
          fights.addAll(nftDrops);
          others.add("nftables --policy allow --nft-table '" + dropTables.get(0).id()
              + "' --nft-chain " + firstDropChain(dropTables.get(0)));
        }
        for (List<String> w : xtDrops.values()) {
          fights.addAll(w);
          others.add("iptables");
        }
        if (!fights.isEmpty()) {
          reasons.addAll(fights);
          return refuse("UFW is active and " + String.join(", and ", fights) + ": two "
              + "managers would fight over input; pass --backend ufw (and remove the other "
              + "rules) or --backend " + others.get(0) + " (and keep UFW off ports "
              + h.ports() + ")");
        }
        if (h.hook() == Hook.DOCKER_USER) {
          XtFlavour fl = ufwFlavours.iterator().next();
          reasons.add("--hook docker-user: UFW's rules filter INPUT only, so cfsync's chain "
              + "goes into Docker's DOCKER-USER chain with iptables, beside UFW");
          return choose("iptables", Optional.of(fl));
        }
        if (own.contains("ufw")) {
          reasons.add("cfsync's own rules are already in UFW's files");
        }
        return choose("ufw", Optional.empty());
      }
      if (f.ufw().enabled()) {
        reasons.add("UFW: ENABLED=yes in /etc/ufw/ufw.conf, but its chains are not loaded");
        return refuse("UFW is enabled in /etc/ufw/ufw.conf but its chains are not loaded "
            + "here, and starting it later would put its own rules around cfsync's; start "
            + "UFW first (systemctl start ufw) or pass --backend ufw, nftables or iptables");
      }
      if (own.contains("ufw") && f.ufw().installed()) {
        advice.add("cfsync's rules in UFW's files do nothing while UFW is disabled");
      }
      own.remove("ufw");

      // 4. cfsync's own state
      if (own.size() > 1) {
        reasons.add("cfsync's own rules of several backends are installed: "
            + String.join(", ", own));
        return refuse("cfsync's own rules of " + String.join(" and ", own) + " are all "
            + "installed; pass --backend with the one to keep (e.g. --backend "
            + own.iterator().next() + ") and remove the other's rules");
      }
      if (own.size() == 1) {
        String b = own.iterator().next();
        reasons.add("cfsync's own " + b + " rules are installed (an earlier run chose " + b
            + "): keep using them");
        nftDrops.forEach(d -> reasons.add("also seen: " + d));
        xtDrops.values().forEach(w -> w.forEach(d -> reasons.add("also seen: " + d)));
        return choose(b, Optional.empty());
      }

      // 5. iptables drops
      if (!xtDrops.isEmpty()) {
        List<String> all = new ArrayList<>();
        xtDrops.values().forEach(all::addAll);
        reasons.addAll(all);
        if (!nftDrops.isEmpty()) {
          reasons.addAll(nftDrops);
          return refuse(String.join(", and ", nftDrops) + ", and " + String.join(", and ", all)
              + ": two managers would fight over input; pass --backend nftables --policy allow "
              + "--nft-table '"
              + dropTables.get(0).id() + "' --nft-chain " + firstDropChain(dropTables.get(0))
              + ", or --backend iptables");
        }
        if (xtDrops.size() > 1) {
          return refuse("both iptables flavours drop input by default (" + String.join(", ",
              all) + "): two managers would fight; move the rules into one flavour (the one "
              + "`iptables -V` names) and pass --backend iptables");
        }
        XtFlavour fl = xtDrops.keySet().iterator().next();
        reasons.add("an accept in nftables could not let Cloudflare through that drop: "
            + "cfsync puts its chain first in INPUT with " + words(Set.of(fl)) + " iptables");
        return choose("iptables", Optional.of(fl));
      }

      // 6. an operator nft chain that drops
      if (!nftDrops.isEmpty()) {
        reasons.addAll(nftDrops);
        HostFacts.NftTable t = dropTables.get(0);
        if (h.nftTable().isPresent() && h.policy().filter(Policy.ALLOW::equals).isPresent()) {
          reasons.add("--policy allow --nft-table " + h.nftTable().get() + ": cfsync keeps its "
              + "sets and one tagged rule in that table");
          return choose("nftables", Optional.empty());
        }
        if (h.policy().filter(Policy.RESTRICT::equals).isPresent()) {
          reasons.add("--policy restrict: cfsync's own table refuses everyone else; table "
              + t.id() + " must accept ports " + h.ports() + " itself");
          return choose("nftables", Optional.empty());
        }
        String chain = firstDropChain(t);
        return refuse(nftDrops.get(0) + ", and an accept in cfsync's own table cannot "
            + "override that drop; pass --policy allow --nft-table '" + t.id() + "' --nft-chain "
            + chain
            + " (cfsync keeps its sets and one tagged rule there) or, if that chain already "
            + "accepts ports " + h.ports() + ", --policy restrict");
      }

      // 7. nothing drops
      if (h.nftTable().isPresent()) {
        reasons.add("--nft-table " + h.nftTable().get() + ": cfsync keeps its sets and one "
            + "tagged rule in that table");
        return choose("nftables", Optional.empty());
      }
      if (!f.nftAvailable()) {
        reasons.add("no firewall manager filters input, and nft is not installed: cfsync uses "
            + "iptables");
        return choose("iptables", Optional.empty());
      }
      if (nftAccepts.isEmpty() && f.xtables().stream().noneMatch(HostFacts.Xtables::rules)) {
        reasons.add("no firewall manager found: no UFW, no firewalld, no nftables table or "
            + "iptables rule of the operator");
      } else {
        reasons.add("nothing drops input by default"
            + (nftAccepts.isEmpty() ? "" : " (" + String.join(", ", nftAccepts) + " accept"
                + (nftAccepts.size() == 1 ? "s" : "") + " by default)"));
        for (HostFacts.Xtables x : f.xtables()) {
          if (x.rules() && !x.ufwChains()) {
            reasons.add(x.describe() + " holds rules, but its INPUT accepts by default");
          }
        }
      }
      reasons.add("cfsync's own nftables table can stand beside them");
      return choose("nftables", Optional.empty());
    }

    private static String firstDropChain(HostFacts.NftTable t) {
      return t.inputChains().stream().filter(HostFacts.InputChain::dropsByDefault)
          .map(HostFacts.InputChain::name).findFirst().orElse("input");
    }

    /** Backends with cfsync's state; of the iptables/ipset pair, the one holding prefixes. */
    private Set<String> owners() {
      Set<String> all = new LinkedHashSet<>();
      Set<String> holding = new LinkedHashSet<>();
      for (HostFacts.OwnState o : f.cfsyncState()) {
        all.add(o.backend());
        if (o.holdsPrefixes()) {
          holding.add(o.backend());
        }
      }
      // iptables and ipset both see the CFSYNC chain; only the one that filled it holds
      // prefixes (rules in the chain, or elements in the sets).
      if (all.contains("iptables") && all.contains("ipset")) {
        if (holding.contains("ipset") && !holding.contains("iptables")) {
          all.remove("iptables");
        } else if (holding.contains("iptables") && !holding.contains("ipset")) {
          all.remove("ipset");
        }
      }
      return all;
    }

    private static String words(Set<XtFlavour> fl) {
      List<String> w = new ArrayList<>();
      for (XtFlavour x : fl) {
        w.add(x.word());
      }
      return String.join(", ", w);
    }

    private Detection choose(String backend, Optional<XtFlavour> flavour) {
      return new Detection(Optional.of(backend), flavour, ImmutableList.copyOf(reasons),
          ImmutableList.copyOf(advice), Optional.empty(), f);
    }

    private Detection refuse(String why) {
      return new Detection(Optional.empty(), Optional.empty(), ImmutableList.copyOf(reasons),
          ImmutableList.copyOf(advice), Optional.of("--backend auto: " + why
              + "; firewall unchanged"), f);
    }
  }
}
