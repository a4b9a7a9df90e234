package io.cfsync.backend.nftables;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import com.google.common.io.Resources;
import io.cfsync.backend.Action;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.live.Netns;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Lists, desired states and ruleset snapshots shared by the nftables tests. */
final class NftTesting {

  private NftTesting() {}

  static String resource(String name) {
    try {
      return Resources.toString(Resources.getResource(name), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ImmutableList<Prefix> parse(String body) {
    return body.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .map(Prefix::parse).collect(ImmutableList.toImmutableList());
  }

  /** Cloudflare's lists as shipped in the jar's snapshot (15 IPv4, 7 IPv6). */
  static PrefixSet cloudflare() {
    return io.cfsync.testing.Fixtures.builtin();
  }

  /** The 2021 IPv4 list (with 104.16.0.0/12), see nftables/README.md. */
  static PrefixSet cloudflare2021v4() {
    return PrefixSet.of(parse(resource("nftables/ips-v4-2021.txt")));
  }

  /**
   * {@code n} IPv4 /24s that never touch (every other /24 from 11.0.0.0, shifted by
   * {@code offset} /24s), public and valid for the file: source.
   */
  static List<Prefix> spacedV4(int n, int offset) {
    BigInteger base = new BigInteger(1, Prefix.parse("11.0.0.0/8").network().getAddress());
    List<Prefix> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(Prefix.of(Family.V4, base.add(BigInteger.valueOf((2L * i + offset) * 256)), 24));
    }
    return out;
  }

  /** Writes prefixes one a line, as a {@code file:} source reads them. */
  static Path writeList(Path dir, String name, Iterable<Prefix> prefixes) {
    StringBuilder sb = new StringBuilder();
    for (Prefix p : prefixes) {
      sb.append(p).append('\n');
    }
    Path f = dir.resolve(name);
    try {
      Files.writeString(f, sb.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return f;
  }

  static Path writeList(Path dir, String name, PrefixSet set) {
    return writeList(dir, name, set.prefixes());
  }

  /** A fluent {@link Desired}: defaults are the CLI's (both families, 80,443, drop, input). */
  static final class Want {
    private PrefixSet prefixes;
    private ImmutableSet<Family> families = ImmutableSet.of(Family.V4, Family.V6);
    private ImmutableList<PortRange> ports = PortRange.parseList("80,443");
    private Policy policy = Policy.RESTRICT;
    private Hook hook = Hook.INPUT;
    private Action action = Action.DROP;
    private PrefixSet extra = PrefixSet.empty();
    private Naming naming = Naming.DEFAULT;
    private final Map<String, String> options = new LinkedHashMap<>();

    Want(PrefixSet prefixes) {
      this.prefixes = prefixes;
    }

    Want family(Family f) {
      families = ImmutableSet.of(f);
      prefixes = prefixes.only(f);
      return this;
    }

    Want ports(String spec) {
      ports = PortRange.parseList(spec);
      return this;
    }

    Want reject() {
      action = Action.REJECT;
      return this;
    }

    Want dockerUser() {
      hook = Hook.DOCKER_USER;
      return this;
    }

    Want extra(String... cidrs) {
      List<Prefix> l = new ArrayList<>();
      for (String c : cidrs) {
        l.add(Prefix.parse(c));
      }
      extra = PrefixSet.of(l);
      return this;
    }

    Want allow(String table, String chain) {
      policy = Policy.ALLOW;
      options.put("nft-table", table);
      options.put("nft-chain", chain);
      return this;
    }

    Want allowWithoutOptions() {
      policy = Policy.ALLOW;
      return this;
    }

    Want naming(Naming n) {
      naming = n;
      return this;
    }

    Desired build() {
      return new Desired(prefixes, families, ports, policy, hook, action, extra, naming,
          ImmutableMap.copyOf(options));
    }
  }

  static Want want(PrefixSet prefixes) {
    return new Want(prefixes);
  }

  /** {@code nft list ruleset} in the namespace. */
  static String ruleset(ProcessRunner srv) {
    return srv.check(Command.of("nft", "list", "ruleset")).stdout();
  }

  /**
   * A ruleset listing without what may differ between two snapshots of the same rules
   * (counter values) and without what cfsync owns: its own table, and in the operator's
   * table its sets and the rules tagged with its comment.
   */
  static String withoutCfsync(String ruleset, String ownTable, String setPrefix, String tag) {
    List<String> out = new ArrayList<>();
    List<String> lines = ruleset.lines().collect(Collectors.toList());
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.equals("table inet " + ownTable + " {")) {
        while (!lines.get(i).equals("}")) {
          i++;
        }
        continue;
      }
      if (l.matches("\tset " + java.util.regex.Pattern.quote(setPrefix) + "-v[46] \\{")) {
        while (!lines.get(i).equals("\t}")) {
          i++;
        }
        // the blank line nft prints after a set block
        if (i + 1 < lines.size() && lines.get(i + 1).isEmpty()) {
          i++;
        }
        continue;
      }
      if (l.endsWith(" comment \"" + tag + "\"")) {
        continue;
      }
      out.add(l.replaceAll("packets \\d+ bytes \\d+", "packets _ bytes _"));
    }
    return String.join("\n", out) + "\n";
  }

  static String withoutCfsync(String ruleset) {
    return withoutCfsync(ruleset, "cfsync", "cfsync", "cfsync");
  }

  /** iptables-save / ip6tables-save output without its dated comments and counters. */
  static String iptablesSave(ProcessRunner srv, String tool) {
    return srv.check(Command.of(tool)).stdout().lines().filter(l -> !l.startsWith("#"))
        .map(l -> l.replaceAll("\\[\\d+:\\d+\\]", "[_:_]"))
        .collect(Collectors.joining("\n", "", "\n"));
  }

  /**
   * Waits until {@code from} connects: the first packets over a fresh veth wait for neighbour
   * discovery, which on a loaded machine can outlast one connect timeout.
   */
  static void awaitConnected(Netns net, String from, int port) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (net.connect(from, port) != Netns.Outcome.CONNECTED) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(from + " never reached port " + port);
      }
    }
  }

  /** Warms up the paths every test client uses, before any rule is loaded. */
  static void warmUp(Netns net, int port) {
    for (String c : List.of(Netns.CF_V4, Netns.CF_V4_B, Netns.CF_V6, Netns.OTHER_V4,
        Netns.OTHER_V6)) {
      awaitConnected(net, c, port);
    }
  }
}
