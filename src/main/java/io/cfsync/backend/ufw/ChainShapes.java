package io.cfsync.backend.ufw;

import com.google.common.base.CharMatcher;
import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableMultiset;
import io.cfsync.model.Prefix;
import java.util.List;
import java.util.Optional;

/**
 * The "accept TCP from a prefix to some ports" rules of a chain, written the same way whether
 * they come from a rules file ({@code -p tcp --dport 80 -s 1.2.3.4 -j ACCEPT}) or from
 * {@code iptables-save} ({@code -s 1.2.3.4/32 -p tcp -m tcp --dport 80 -j ACCEPT}). Comparing
 * the two tells whether UFW's loaded chain holds what its file says, for the kind of rule
 * cfsync writes: after a kill between writing the file and loading it, they differ, and the
 * next run loads. Other rules (logging, limits, app comments) are not compared.
 */
final class ChainShapes {

  private ChainShapes() {}

  static ImmutableMultiset<String> of(String chain, Iterable<String> ruleLines) {
    ImmutableMultiset.Builder<String> out = ImmutableMultiset.builder();
    String head = "-A " + chain + " ";
    for (String line : ruleLines) {
      if (line.startsWith(head)) {
        Optional<String> s = shape(line.substring(head.length()));
        if (s.isPresent()) {
          out.add(s.get());
        }
      }
    }
    return out.build();
  }

  /** {@code 173.245.48.0/20 tcp 80,443}, or empty when the rule is anything else. */
  static Optional<String> shape(String spec) {
    List<String> t = Splitter.on(CharMatcher.whitespace()).omitEmptyStrings().splitToList(spec);
    String src = "any";
    String proto = null;
    String ports = null;
    boolean accept = false;
    for (int i = 0; i < t.size(); i++) {
      String k = t.get(i);
      if (i + 1 >= t.size()) {
        return Optional.empty();
      }
      String v = t.get(++i);
      switch (k) {
        case "-s" -> {
          Optional<Prefix> p = Tuple.prefix(v);
          if (p.isEmpty()) {
            return Optional.empty();
          }
          src = p.get().toString();
        }
        case "-p" -> proto = v;
        case "-m" -> {
          if (!v.equals("tcp") && !v.equals("multiport")) {
            return Optional.empty();
          }
        }
        case "--dport", "--dports" -> ports = v;
        case "-j" -> accept = v.equals("ACCEPT");
        default -> {
          return Optional.empty();
        }
      }
    }
    if (!"tcp".equals(proto) || ports == null || !accept) {
      return Optional.empty();
    }
    return Optional.of(src + " tcp " + ports);
  }
}
