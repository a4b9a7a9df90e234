package io.cfsync.cli;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.error.UsageError;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.template.Detect;
import io.cfsync.template.Kind;
import io.cfsync.template.Settings;
import io.cfsync.template.Text;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;

/**
 * From {@link FirewallOptions} to template {@link Settings}. {@code --backend} names a
 * template kind here ({@link Kind}: the live backends plus nginx), so it is read as a word,
 * not looked up in BackendRegistry; the policy default is the kind's, as the backend's would be.
 * The default {@code auto} stands for nftables here (or the file's detected kind).
 */
final class TemplateSettings {

  private TemplateSettings() {}

  /**
   * True when {@code --backend} was given on the command line (not defaulted) and names a
   * kind: {@code --backend auto} reads the live host, which render and check never do, so
   * for them it means "the file's own kind".
   */
  static boolean explicitBackend(CommandSpec spec) {
    var pr = spec.commandLine().getParseResult();
    return pr != null && pr.hasMatchedOption("--backend")
        && !FirewallOptions.AUTO.equalsIgnoreCase(pr.matchedOptionValue("--backend", "").trim());
  }

  /** The kind --backend names; {@code auto} (the default) renders nftables. */
  static Kind named(FirewallOptions fo) {
    return Kind.parse(fo.auto() ? Kind.NFTABLES.word() : fo.backend);
  }

  static boolean explicitFamily(CommandSpec spec) {
    var pr = spec.commandLine().getParseResult();
    return pr != null && pr.hasMatchedOption("--family");
  }

  /** The kind: --backend when given, else the file's own (detected), else the default. */
  static Kind kind(CommandSpec spec, FirewallOptions fo, Optional<Path> file, Optional<Text> t) {
    if (explicitBackend(spec) || file.isEmpty() || t.isEmpty()) {
      return named(fo);
    }
    return Detect.kind(file.get().getFileName().toString(), t.get())
        .orElseGet(() -> named(fo));
  }

  static Settings settings(FirewallOptions fo, Kind kind, PrefixSet lists,
      ImmutableSet<Family> families) {
    Policy pol = fo.policy == null ? kind.defaultPolicy()
        : FirewallOptions.parseEnum(Policy.class, "--policy", fo.policy);
    Hook hook = switch (fo.hook.toLowerCase(Locale.ROOT)) {
      case "input" -> Hook.INPUT;
      case "docker-user", "docker_user" -> Hook.DOCKER_USER;
      default -> throw new UsageError("--hook \"" + fo.hook + "\": use input or docker-user");
    };
    if (hook == Hook.DOCKER_USER && kind != Kind.NFTABLES && kind != Kind.IPTABLES
        && kind != Kind.IPSET) {
      throw new UsageError("--hook docker-user: the " + kind.word() + " template has no "
          + "docker-user form; use nftables, iptables or ipset");
    }
    Action action = FirewallOptions.parseEnum(Action.class, "--action", fo.action);
    List<Prefix> extras = new ArrayList<>();
    for (String e : fo.allowExtra) {
      String s = e.trim();
      if (s.isEmpty()) {
        continue;
      }
      try {
        extras.add(s.contains("/") ? Prefix.parse(s)
            : Prefix.host(Prefix.parseAddress(s).orElseThrow(IllegalArgumentException::new)));
      } catch (IllegalArgumentException ex) {
        throw new UsageError("--allow-extra \"" + s + "\" is not an address or CIDR");
      }
    }
    String tableFamily = "inet";
    String table = "filter";
    if (fo.nftTable != null) {
      String[] parts = fo.nftTable.trim().split("\\s+");
      if (parts.length != 2 || !List.of("ip", "ip6", "inet").contains(parts[0])) {
        throw new UsageError("--nft-table \"" + fo.nftTable + "\": use FAMILY NAME, e.g. "
            + "\"inet filter\"");
      }
      tableFamily = parts[0];
      table = parts[1];
    }
    String chain = fo.nftChain != null ? fo.nftChain : "input";
    PrefixSet selected = PrefixSet.empty();
    for (Family f : families) {
      selected = selected.union(lists.only(f));
    }
    ImmutableList<PortRange> ports = PortRange.parseList(fo.ports);
    if (kind == Kind.IPTABLES && hook == Hook.INPUT) {
      // The file's jump is one multiport match: refuse what iptables-restore would refuse.
      io.cfsync.backend.XtChain.jump(hook, ports, Naming.DEFAULT);
    }
    return new Settings(selected, families, ports, pol, hook, action,
        PrefixSet.of(extras), new Naming(fo.table, fo.chain, fo.setName, fo.comment),
        tableFamily, table, chain);
  }
}
