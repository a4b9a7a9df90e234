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
    return path(root, keys).filter(String.class::isInstance).map(String.class::cast);
  }

  static Optional<Long> num(Object root, String... keys) {
    return path(root, keys).filter(Number.class::isInstance).map(n -> ((Number) n).longValue());
  }
}
