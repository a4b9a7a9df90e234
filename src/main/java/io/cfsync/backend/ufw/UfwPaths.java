package io.cfsync.backend.ufw;

import io.cfsync.model.Family;
import java.nio.file.Path;

/**
 * Where UFW keeps what cfsync reads and writes (UFW 0.36: {@code ufw.common.config_dir} is
 * {@code /etc}, the lock is {@code /run/ufw.lock} for root). Tests point these into a
 * private mount namespace by bind-mounting copies over the real paths, never by changing
 * them here: the product always works on UFW's own paths.
 */
record UfwPaths(Path rulesV4, Path rulesV6, Path ufwConf, Path defaults, Path lock) {

  static final UfwPaths SYSTEM = new UfwPaths(Path.of("/etc/ufw/user.rules"),
      Path.of("/etc/ufw/user6.rules"), Path.of("/etc/ufw/ufw.conf"),
      Path.of("/etc/default/ufw"), Path.of("/run/ufw.lock"));

  /** The same layout under {@code root} (unit tests of reading and writing, without root). */
  static UfwPaths under(Path root) {
    return new UfwPaths(root.resolve("etc/ufw/user.rules"), root.resolve("etc/ufw/user6.rules"),
        root.resolve("etc/ufw/ufw.conf"), root.resolve("etc/default/ufw"),
        root.resolve("run/ufw.lock"));
  }

  Path rules(Family f) {
    return f == Family.V4 ? rulesV4 : rulesV6;
  }

  /** {@code iptables-restore} or {@code ip6tables-restore}: what UFW loads the file with. */
  static String restoreTool(Family f) {
    return f == Family.V4 ? "iptables-restore" : "ip6tables-restore";
  }

  static String saveTool(Family f) {
    return f == Family.V4 ? "iptables-save" : "ip6tables-save";
  }
}
