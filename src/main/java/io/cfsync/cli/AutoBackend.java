package io.cfsync.cli;

import io.cfsync.backend.Backend;
import io.cfsync.backend.BackendRegistry;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Policy;
import io.cfsync.backend.XtFlavour;
import io.cfsync.backend.ipset.IpsetBackend;
import io.cfsync.backend.iptables.IptablesBackend;
import io.cfsync.detect.Detection;
import io.cfsync.detect.Detector;
import io.cfsync.detect.HostFacts;
import io.cfsync.detect.HostReader;
import io.cfsync.error.SafetyRefusal;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code --backend}, resolved: the named backend, or for {@code auto} the one
 * {@link Detector} picks from what {@link HostReader} reads through the real runner. Plan
 * prints every reason; apply prints the choice (reasons with {@code -v}).
 */
final class AutoBackend {

  /** The backend to drive, and how auto chose it (empty for an explicit --backend). */
  record Selection(Backend backend, Optional<Detection> detection) {}

  private AutoBackend() {}

  static Selection select(FirewallOptions fo, Set<Family> families, ProcessRunner real,
      Console log, boolean explain) {
    if (!fo.auto()) {
      return new Selection(fo.backend(), Optional.empty());
    }
    // Reading cfsync's own state needs its names and options; prefixes and policy do not
    // matter to a read.
    Desired probe = fo.desired(Policy.RESTRICT, PrefixSet.empty(), families);
    HostFacts facts = new HostReader(real, Path.of("/"), BackendRegistry.all()).read(probe);
    Detection d = Detector.decide(facts, fo.hints());
    for (String r : d.reasons()) {
      if (explain) {
        log.info("backend auto: " + r);
      } else {
        log.debug("backend auto: " + r);
      }
    }
    for (String n : facts.notes()) {
      log.debug("backend auto: " + n);
    }
    d.advice().forEach(a -> log.info("backend auto: " + a));
    if (d.refused()) {
      throw new SafetyRefusal(d.refusal().orElseThrow());
    }
    String name = d.backend().orElseThrow();
    log.info("backend auto: using " + name + d.flavour().map(f -> " (" + f.word() + ")")
        .orElse("") + (explain || d.reasons().isEmpty() ? "" : ": " + d.reasons().get(0)));
    return new Selection(build(name, d.flavour()), Optional.of(d));
  }

  /** The registry's backend, or for the iptables tools one bound to the detected flavour. */
  static Backend build(String name, Optional<XtFlavour> flavour) {
    if (flavour.isPresent()) {
      switch (name) {
        case "iptables" -> {
          return new IptablesBackend(flavour.get());
        }
        case "ipset" -> {
          return new IpsetBackend(flavour.get());
        }
        default -> { }
      }
    }
    return BackendRegistry.get(name);
  }

  /** The {@code detection} object of plan and apply's JSON (docs/json.md). */
  static Map<String, Object> json(Detection d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("backend", d.backend().orElse(null));
    m.put("iptablesFlavour", d.flavour().map(XtFlavour::word).orElse(null));
    m.put("reasons", d.reasons());
    m.put("advice", d.advice());
    HostFacts f = d.facts();
    Map<String, Object> host = new LinkedHashMap<>();
    Map<String, Object> ufw = new LinkedHashMap<>();
    ufw.put("installed", f.ufw().installed());
    ufw.put("enabled", f.ufw().enabled());
    ufw.put("loaded", f.ufw().loaded());
    host.put("ufw", ufw);
    Map<String, Object> fw = new LinkedHashMap<>();
    fw.put("pid", f.firewalld().pid().orElse(null));
    fw.put("tables", f.firewalld().tables());
    fw.put("chains", f.firewalld().chains());
    host.put("firewalld", fw);
    host.put("nftAvailable", f.nftAvailable());
    List<Object> tables = new ArrayList<>();
    for (HostFacts.NftTable t : f.nftTables()) {
      Map<String, Object> tm = new LinkedHashMap<>();
      tm.put("table", t.id());
      tm.put("role", t.role().word());
      List<Object> chains = new ArrayList<>();
      for (HostFacts.InputChain c : t.inputChains()) {
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("chain", c.name());
        cm.put("priority", c.priority());
        cm.put("policy", c.policy());
        cm.put("dropsByDefault", c.dropsByDefault());
        chains.add(cm);
      }
      tm.put("inputChains", chains);
      tables.add(tm);
    }
    host.put("nftTables", tables);
    List<Object> xt = new ArrayList<>();
    for (HostFacts.Xtables x : f.xtables()) {
      Map<String, Object> xm = new LinkedHashMap<>();
      xm.put("tool", x.describe());
      xm.put("flavour", x.flavour().word());
      xm.put("family", x.family().label());
      xm.put("tables", x.tables());
      xm.put("rules", x.rules());
      xm.put("inputDrops", x.inputDropsWhy().orElse(null));
      xm.put("ufw", x.ufwChains());
      xm.put("dockerUser", x.dockerUser());
      xt.add(xm);
    }
    host.put("iptables", xt);
    List<Object> own = new ArrayList<>();
    for (HostFacts.OwnState o : f.cfsyncState()) {
      Map<String, Object> om = new LinkedHashMap<>();
      om.put("backend", o.backend());
      om.put("holdsPrefixes", o.holdsPrefixes());
      own.add(om);
    }
    host.put("cfsyncState", own);
    host.put("notes", f.notes());
    m.put("host", host);
    return m;
  }
}
