package io.cfsync.backend;

import com.google.common.collect.ImmutableMap;
import io.cfsync.error.UsageError;
import java.util.function.Supplier;

/**
 * Every backend by its {@code --backend} key: a new backend is one package and one line
 * here. Suppliers, so a run loads only the backend it uses.
 */
public final class BackendRegistry {

  private static final ImmutableMap<String, Supplier<Backend>> BACKENDS =
      ImmutableMap.<String, Supplier<Backend>>builder()
          .put("nftables", io.cfsync.backend.nftables.NftablesBackend::new)
          .put("ufw", io.cfsync.backend.ufw.UfwBackend::new)
          .put("iptables", io.cfsync.backend.iptables.IptablesBackend::new)
          .put("ipset", io.cfsync.backend.ipset.IpsetBackend::new)
          .buildOrThrow();

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
