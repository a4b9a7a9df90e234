package io.cfsync.backend;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.cfsync.error.UsageError;
import java.util.function.Supplier;

/**
 * Every backend by its {@code --backend} key: a new backend is one package and one line in
 * each of {@link #NAMES} and {@link Maker#get}. Suppliers, so a run loads only the backend it
 * uses; a class, not four constructor references, since every lambda or method reference
 * costs a short run about 0.2 ms to link (see {@code docs/benchmarks.md}).
 */
public final class BackendRegistry {

  private static final ImmutableList<String> NAMES =
      ImmutableList.of("nftables", "ufw", "iptables", "ipset");

  private static final ImmutableMap<String, Supplier<Backend>> BACKENDS = makers();

  private static ImmutableMap<String, Supplier<Backend>> makers() {
    ImmutableMap.Builder<String, Supplier<Backend>> b = ImmutableMap.builder();
    for (String name : NAMES) {
      b.put(name, new Maker(name));
    }
    return b.buildOrThrow();
  }

  /** Makes the backend of one key. */
  private static final class Maker implements Supplier<Backend> {
    private final String name;

    Maker(String name) {
      this.name = name;
    }

    @Override
    public Backend get() {
      return switch (name) {
        case "nftables" -> new io.cfsync.backend.nftables.NftablesBackend();
        case "ufw" -> new io.cfsync.backend.ufw.UfwBackend();
        case "iptables" -> new io.cfsync.backend.iptables.IptablesBackend();
        case "ipset" -> new io.cfsync.backend.ipset.IpsetBackend();
        default -> throw new IllegalStateException("no backend class for " + name);
      };
    }
  }

  private BackendRegistry() {}

  public static ImmutableMap<String, Supplier<Backend>> all() {
    return BACKENDS;
  }

  public static Backend get(String name) {
    Supplier<Backend> s = BACKENDS.get(name);
    if (s == null) {
      throw new UsageError("unknown backend \"" + name + "\": use one of "
          + String.join(", ", BACKENDS.keySet()));
    }
    return s.get();
  }
}
