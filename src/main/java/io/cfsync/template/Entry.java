package io.cfsync.template;

import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.Optional;

/** One address, prefix or range found in a file: its text, line and the addresses it covers. */
public record Entry(String text, int line, Family family, PrefixSet covers) {

  /**
   * Parses {@code 1.2.3.0/24}, {@code 1.2.3.4}, {@code 2606:4700::/32} or a range
   * {@code 1.2.3.4-1.2.3.9}. Host bits are masked, as iptables and nginx do: the file allows
   * what the tool loads, not what the text looks like.
   */
  public static Optional<Entry> parse(String token, int line) {
    String t = token.trim();
    if (t.isEmpty() || t.length() > 100) {
      return Optional.empty();
    }
    int dash = t.indexOf('-');
    if (dash > 0) {
      Optional<InetAddress> a = Prefix.parseAddress(t.substring(0, dash));
      Optional<InetAddress> b = Prefix.parseAddress(t.substring(dash + 1));
      if (a.isEmpty() || b.isEmpty() || Family.of(a.get()) != Family.of(b.get())) {
        return Optional.empty();
      }
      try {
        return Optional.of(new Entry(t, line, Family.of(a.get()),
            PrefixSet.ofInclusiveRange(a.get(), b.get())));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    return prefix(t).map(p -> new Entry(t, line, p.family(), PrefixSet.of(p)));
  }

  static Optional<Prefix> prefix(String t) {
    int slash = t.indexOf('/');
    Optional<InetAddress> a = Prefix.parseAddress(slash < 0 ? t : t.substring(0, slash));
    if (a.isEmpty()) {
      return Optional.empty();
    }
    Family f = Family.of(a.get());
    int len = f.bits();
    if (slash >= 0) {
      String l = t.substring(slash + 1);
      if (l.isEmpty() || l.length() > 3 || !l.chars().allMatch(Character::isDigit)) {
        return Optional.empty();
      }
      len = Integer.parseInt(l);
      if (len > f.bits()) {
        return Optional.empty();
      }
    }
    BigInteger v = new BigInteger(1, a.get().getAddress());
    int host = f.bits() - len;
    return Optional.of(Prefix.of(f, v.shiftRight(host).shiftLeft(host), len));
  }
}
