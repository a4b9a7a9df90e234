package io.cfsync.cli;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.error.UsageError;
import io.cfsync.model.Family;
import io.cfsync.source.Limits;
import io.cfsync.source.Source;
import io.cfsync.source.Sources;
import io.cfsync.state.StateDir;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Where the lists come from and what they must satisfy: shared by every list-reading command. */
public final class ListOptions {

  @Option(names = "--source", paramLabel = "S", split = ",", defaultValue = "cloudflare",
      description = "Where the lists come from: cloudflare, "
          + "cloudflare-api, builtin, file:PATH or url:URL. Repeatable; the lists are unioned, "
          + "each validated on its own. Default: ${DEFAULT-VALUE}.")
  List<String> sources;

  @Option(names = "--ipv4-url", paramLabel = "URL",
      description = "Fetch the IPv4 list of the cloudflare source from URL (https).")
  String ipv4Url;

  @Option(names = "--ipv6-url", paramLabel = "URL",
      description = "Fetch the IPv6 list of the cloudflare source from URL (https).")
  String ipv6Url;

  @Option(names = "--api-url", paramLabel = "URL",
      description = "Fetch the cloudflare-api source from URL (https).")
  String apiUrl;

  @Option(names = "--family", paramLabel = "4|6|both", defaultValue = "both",
      description = "Address families to manage. Default: ${DEFAULT-VALUE}.")
  String family;

  @Option(names = "--min-prefixes", paramLabel = "V4[,V6]", defaultValue = "10,4",
      description = "Fewest prefixes a source must list per family (guards against truncated "
          + "downloads). Default: ${DEFAULT-VALUE}.")
  String minPrefixes;

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Cache and lock directory. Default: /var/lib/cfsync as root, else "
          + "$XDG_STATE_HOME/cfsync.")
  Path stateDir;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Defaults for every option (properties). Default: "
          + ConfigDefaults.DEFAULT_PATH + " if it exists.")
  Path config;

  @Option(names = "--http-timeout", paramLabel = "DURATION", defaultValue = "10s",
      converter = Durations.class,
      description = "Connect and read timeout per request (3 attempts). Default: "
          + "${DEFAULT-VALUE}.")
  Duration httpTimeout;

  @Option(names = "--offline",
      description = "Do not use the network: serve remote sources from the last-known-good "
          + "cache or the built-in snapshot, add-only (for boot).")
  boolean offline;

  @Option(names = "--max-age", paramLabel = "DURATION", converter = Durations.class,
      description = "Do not ask the server when a remote source's last-known-good copy is "
          + "younger than DURATION (e.g. 50m): use that copy as the current list (not "
          + "add-only). Default: always ask (a conditional request).")
  Duration maxAge;

  ImmutableSet<Family> families() {
    return switch (family) {
      case "4", "ipv4" -> ImmutableSet.of(Family.V4);
      case "6", "ipv6" -> ImmutableSet.of(Family.V6);
      case "both", "all" -> ImmutableSet.of(Family.V4, Family.V6);
      default -> throw new UsageError("--family \"" + family + "\": use 4, 6 or both");
    };
  }

  Limits limits() {
    List<String> parts = Splitter.on(',').trimResults().splitToList(minPrefixes);
    try {
      int v4 = Integer.parseInt(parts.get(0));
      int v6 = parts.size() > 1 ? Integer.parseInt(parts.get(1)) : v4;
      if (parts.size() > 2 || v4 < 0 || v6 < 0) {
        throw new NumberFormatException();
      }
      return Limits.DEFAULT.withMinimums(v4, v6);
    } catch (NumberFormatException e) {
      throw new UsageError("--min-prefixes \"" + minPrefixes + "\": use N or V4,V6 (e.g. 10,4)");
    }
  }

  ImmutableList<Source> sources() {
    Sources.Overrides o = new Sources.Overrides(Optional.ofNullable(ipv4Url),
        Optional.ofNullable(ipv6Url), Optional.ofNullable(apiUrl));
    ImmutableList.Builder<Source> out = ImmutableList.builder();
    for (String s : ImmutableSet.copyOf(sources)) {
      out.add(Sources.parse(s.trim(), o));
    }
    return out.build();
  }

  StateDir stateDir() {
    return new StateDir(stateDir != null ? stateDir : defaultStateDir());
  }

  static Path defaultStateDir() {
    if ("root".equals(System.getProperty("user.name"))) {
      return Path.of("/var/lib/cfsync");
    }
    String xdg = System.getenv("XDG_STATE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
        : Path.of(System.getProperty("user.home"), ".local", "state");
    return base.resolve("cfsync");
  }
}
