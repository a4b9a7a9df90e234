package io.cfsync.cli;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.cfsync.backend.Action;
import io.cfsync.backend.Backend;
import io.cfsync.backend.BackendRegistry;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.error.UsageError;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Option;

/** What to install and where: shared by plan, apply, render and check. */
public final class FirewallOptions {

  /** The {@code --backend} word that asks cfsync to detect what governs the host. */
  static final String AUTO = "auto";

  @Option(names = "--backend", paramLabel = "B", defaultValue = AUTO,
      completionCandidates = BackendNames.class,
      description = "Firewall backend: ${COMPLETION-CANDIDATES}. auto reads what governs the "
          + "host (UFW, firewalld, nftables tables, iptables-nft or -legacy rules, cfsync's "
          + "own earlier rules), picks one, and refuses when two would fight. Default: "
          + "${DEFAULT-VALUE}.")
  String backend;

  @Option(names = "--ports", paramLabel = "LIST", defaultValue = "80,443",
      description = "Protected TCP ports: numbers, ranges (8000-8080) and the aliases "
          + "cloudflare-http (80,8080,8880,2052,2082,2086,2095), cloudflare-https "
          + "(443,2053,2083,2087,2096,8443) and cloudflare-all. Default: ${DEFAULT-VALUE}.")
  String ports;

  @Option(names = "--policy", paramLabel = "allow|restrict",
      description = "allow: let Cloudflare in; restrict: also refuse everyone else on the "
          + "ports. Default: the backend's (restrict for nftables).")
  String policy;

  @Option(names = "--hook", paramLabel = "input|docker-user", defaultValue = "input",
      description = "Attach to INPUT, or to DOCKER-USER for published container ports. "
          + "Default: ${DEFAULT-VALUE}.")
  String hook;

  @Option(names = "--action", paramLabel = "drop|reject", defaultValue = "drop",
      description = "What restrict does to others: drop (silently) or reject (TCP reset). "
          + "Default: ${DEFAULT-VALUE}.")
  String action;

  @Option(names = "--allow-extra", paramLabel = "CIDR", split = ",",
      description = "Also let these sources in under restrict (monitoring, office). "
          + "Repeatable.")
  List<String> allowExtra = new ArrayList<>();

  @Option(names = "--nft-table", paramLabel = "FAMILY NAME",
      description = "allow policy with nftables: the operator's table holding the input chain, "
          + "e.g. \"inet filter\".")
  String nftTable;

  @Option(names = "--nft-chain", paramLabel = "NAME",
      description = "allow policy with nftables: the operator's input chain, e.g. input.")
  String nftChain;

  @Option(names = "--table", paramLabel = "NAME", defaultValue = "cfsync",
      description = "cfsync's own nftables table. Default: ${DEFAULT-VALUE}.")
  String table;

  @Option(names = "--chain", paramLabel = "NAME", defaultValue = "CFSYNC",
      description = "cfsync's own iptables chain. Default: ${DEFAULT-VALUE}.")
  String chain;

  @Option(names = "--set-name", paramLabel = "NAME", defaultValue = "cfsync",
      description = "Prefix of cfsync's set names (NAME-v4, NAME-v6). Default: ${DEFAULT-VALUE}.")
  String setName;

  @Option(names = "--comment", paramLabel = "TAG", defaultValue = "cfsync",
      description = "Comment that marks cfsync's rules in shared chains. Default: "
          + "${DEFAULT-VALUE}.")
  String comment;

  @Option(names = "--ufw-mode", paramLabel = "file|cli", defaultValue = "file",
      description = "UFW: write its rule files and load them atomically (file), or run ufw "
          + "allow/delete per change (cli). Default: ${DEFAULT-VALUE}.")
  String ufwMode;

  @Option(names = "--ufw-default-deny",
      description = "UFW with --policy restrict: when UFW's default incoming policy is allow, "
          + "set it to deny (ufw default deny incoming; UFW reloads once for it). Without "
          + "this cfsync only reports it.")
  boolean ufwDefaultDeny;

  @Option(names = "--max-removal", paramLabel = "PCT", defaultValue = "25",
      description = "Refuse a sync that removes more than PCT%% of the allowed addresses of a "
          + "family. Default: ${DEFAULT-VALUE}.")
  double maxRemoval;

  @Option(names = "--force", description = "Apply even past --max-removal.")
  boolean force;

  /** Lists {@code auto} and the registry's keys for help and completion. */
  static final class BackendNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return com.google.common.collect.Iterators.concat(
          com.google.common.collect.Iterators.singletonIterator(AUTO),
          BackendRegistry.all().keySet().iterator());
    }
  }

  boolean auto() {
    return backend.trim().equalsIgnoreCase(AUTO);
  }

  /** The backend {@code --backend} names; {@code auto} goes through {@link AutoBackend}. */
  Backend backend() {
    return BackendRegistry.get(backend);
  }

  /** What {@code --backend auto} must respect of the other options. */
  io.cfsync.detect.Hints hints() {
    return new io.cfsync.detect.Hints(hook(), java.util.Optional.ofNullable(policy)
        .map(p -> parseEnum(Policy.class, "--policy", p)), java.util.Optional.ofNullable(nftTable),
        java.util.Optional.ofNullable(nftChain), PortRange.join(PortRange.parseList(ports), '-'));
  }

  Hook hook() {
    return switch (hook.toLowerCase(Locale.ROOT)) {
      case "input" -> Hook.INPUT;
      case "docker-user", "docker_user" -> Hook.DOCKER_USER;
      default -> throw new UsageError("--hook \"" + hook + "\": use input or docker-user");
    };
  }

  Desired desired(Backend b, PrefixSet lists, Set<io.cfsync.model.Family> families) {
    return desired(b.defaultPolicy(), lists, families);
  }

  /** The desired state with {@code fallback} as the policy when --policy is absent. */
  Desired desired(Policy fallback, PrefixSet lists, Set<io.cfsync.model.Family> families) {
    ImmutableList<PortRange> portList = PortRange.parseList(ports);
    Policy pol = policy == null ? fallback : parseEnum(Policy.class, "--policy", policy);
    Hook h = hook();
    Action a = parseEnum(Action.class, "--action", action);
    List<Prefix> extras = new ArrayList<>();
    for (String e : allowExtra) {
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
    ImmutableMap.Builder<String, String> opts = ImmutableMap.builder();
    if (nftTable != null) {
      opts.put("nft-table", nftTable);
    }
    if (nftChain != null) {
      opts.put("nft-chain", nftChain);
    }
    opts.put("ufw-mode", ufwMode);
    if (ufwDefaultDeny) {
      opts.put("ufw-default-deny", "true");
    }
    if (maxRemoval < 0 || maxRemoval > 100) {
      throw new UsageError("--max-removal " + maxRemoval + ": use a percentage from 0 to 100");
    }
    return new Desired(lists, com.google.common.collect.ImmutableSet.copyOf(families), portList,
        pol, h, a, PrefixSet.of(extras), new Naming(table, chain, setName, comment),
        opts.buildOrThrow());
  }

  static <E extends Enum<E>> E parseEnum(Class<E> type, String option, String value) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(value)) {
        return e;
      }
    }
    List<String> words = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      words.add(e.name().toLowerCase(Locale.ROOT));
    }
    throw new UsageError(option + " \"" + value + "\": use " + String.join(" or ", words));
  }
}
