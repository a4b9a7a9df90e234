package io.cfsync.backend.nftables;

import java.util.Map;
import java.util.Optional;

/** Walking the maps and lists of a parsed {@code nft -j} object without casts everywhere. */
final class Json {

  private Json() {}

  /** The value at {@code keys} below {@code root}, if every step is a map holding the key. */
  static Optional<Object> path(Object root, String... keys) {
    Object cur = root;
    for (String k : keys) {
      if (!(cur instanceof Map<?, ?> m) || !m.containsKey(k)) {
        return Optional.empty();
      }
      cur = m.get(k);
    }
    return Optional.ofNullable(cur);
  }

  static Optional<String> str(Object root, String... keys) {
    Optional<Object> v = path(root, keys);
    return v.isPresent() && v.get() instanceof String s ? Optional.of(s) : Optional.empty();
  }

  static Optional<Long> num(Object root, String... keys) {
    Optional<Object> v = path(root, keys);
    return v.isPresent() && v.get() instanceof Number n ? Optional.of(n.longValue())
        : Optional.empty();
  }
}
