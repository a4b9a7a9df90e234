package io.cfsync.backend.ufw;

import com.google.common.base.CharMatcher;
import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code ### tuple ###} line of UFW's rule files: the rule as UFW itself records it, and
 * the only place its comment lives (hex-encoded UTF-8). Fields follow UFW's
 * {@code _write_rules}: action, protocol, dport, dst, sport, src, then either the direction
 * (6 and 7 fields) or dapp, sapp and the direction (8 and 9 fields).
 *
 * @param action {@code allow}, {@code deny}, {@code limit}, {@code reject}, maybe with a log
 *     type ({@code allow_log}) and a {@code route:} prefix
 * @param dapp the destination application profile, {@code %20} for spaces as UFW writes it;
 *     empty when none
 * @param iface {@code in}, {@code out}, {@code in_eth0}, {@code in_eth0!out_eth1}
 * @param comment the hex as written; empty when the rule has none
 */
record Tuple(String action, String proto, String dport, String dst, String sport, String src,
    String dapp, String sapp, String iface, String comment) {

  static final String MARK = "### tuple ###";

  private static final CharMatcher HEX = CharMatcher.anyOf("0123456789abcdefABCDEF");

  /** Parses a tuple line; empty for anything UFW itself would skip as malformed. */
  static Optional<Tuple> parse(String line) {
    if (!line.startsWith(MARK)) {
      return Optional.empty();
    }
    String body = line.substring(MARK.length());
    String comment = "";
    int c = body.indexOf(" comment=");
    if (c >= 0) {
      comment = body.substring(c + " comment=".length()).strip();
      body = body.substring(0, c);
    }
    List<String> f = Splitter.on(CharMatcher.whitespace()).omitEmptyStrings().splitToList(body);
    return switch (f.size()) {
      case 6 -> Optional.of(new Tuple(f.get(0), f.get(1), f.get(2), f.get(3), f.get(4),
          f.get(5), "", "", "in", comment));
      case 7 -> Optional.of(new Tuple(f.get(0), f.get(1), f.get(2), f.get(3), f.get(4),
          f.get(5), "", "", f.get(6), comment));
      case 8 -> Optional.of(new Tuple(f.get(0), f.get(1), f.get(2), f.get(3), f.get(4),
          f.get(5), app(f.get(6)), app(f.get(7)), "in", comment));
      case 9 -> Optional.of(new Tuple(f.get(0), f.get(1), f.get(2), f.get(3), f.get(4),
          f.get(5), app(f.get(6)), app(f.get(7)), f.get(8), comment));
      default -> Optional.empty();
    };
  }

  private static String app(String field) {
    return field.equals("-") ? "" : field;
  }

  /** The tuple cfsync writes for one allowed prefix and one group of ports. */
  static Tuple owned(Prefix src, String ports, String tag) {
    String any = src.family() == Family.V4 ? "0.0.0.0/0" : "::/0";
    return new Tuple("allow", "tcp", ports, any, "any", address(src), "", "", "in", hex(tag));
  }

  /** A prefix as UFW normalises it: host prefixes lose their length ({@code 1.2.3.4}). */
  static String address(Prefix p) {
    String s = p.toString();
    return p.length() == p.family().bits() ? s.substring(0, s.indexOf('/')) : s;
  }

  static String hex(String text) {
    return HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The comment as text; empty when there is none or it is not valid hex. */
  String commentText() {
    String h = comment.length() % 2 == 0 ? comment : comment.substring(0, comment.length() - 1);
    if (h.isEmpty() || !HEX.matchesAllOf(h)) {
      return "";
    }
    return new String(HexFormat.of().parseHex(h), StandardCharsets.UTF_8);
  }

  boolean taggedWith(String tag) {
    return commentText().equals(tag);
  }

  /** The line as UFW writes it (single spaces, {@code -} for a missing application). */
  String line() {
    StringBuilder sb = new StringBuilder(MARK).append(' ').append(action).append(' ')
        .append(proto).append(' ').append(dport).append(' ').append(dst).append(' ')
        .append(sport).append(' ').append(src);
    if (!dapp.isEmpty() || !sapp.isEmpty()) {
      sb.append(' ').append(dapp.isEmpty() ? "-" : dapp).append(' ')
          .append(sapp.isEmpty() ? "-" : sapp);
    }
    sb.append(' ').append(iface);
    if (!comment.isEmpty()) {
      sb.append(" comment=").append(comment);
    }
    return sb.toString();
  }

  // Spelled out for the reason given in Prefix#equals: no invokedynamic link on a short run.
  @Override
  public boolean equals(Object o) {
    return o instanceof Tuple t && sameRuleAs(t) && comment.equals(t.comment);
  }

  @Override
  public int hashCode() {
    return Objects.hash(action, proto, dport, dst, sport, src, dapp, sapp, iface,
        comment);
  }

  /** Everything but the comment equal: the same rule to UFW ({@code UFWRule.match} -2). */
  boolean sameRuleAs(Tuple o) {
    return action.equals(o.action) && proto.equals(o.proto) && dport.equals(o.dport)
        && dst.equals(o.dst) && sport.equals(o.sport) && src.equals(o.src)
        && dapp.equals(o.dapp) && sapp.equals(o.sapp) && iface.equals(o.iface);
  }

  boolean route() {
    return action.startsWith("route:");
  }

  /** {@code allow}, {@code deny}, {@code reject} or {@code limit}, without route or log type. */
  String verb() {
    String a = route() ? action.substring("route:".length()) : action;
    int u = a.indexOf('_');
    return u < 0 ? a : a.substring(0, u);
  }

  /** {@code log} or {@code log-all} when the rule logs; empty otherwise. */
  String logType() {
    String a = route() ? action.substring("route:".length()) : action;
    int u = a.indexOf('_');
    return u < 0 ? "" : a.substring(u + 1);
  }

  boolean incoming() {
    return iface.startsWith("in");
  }

  /** The source as a prefix; {@code 0.0.0.0/0} and {@code ::/0} included. */
  Optional<Prefix> srcPrefix() {
    return prefix(src);
  }

  static Optional<Prefix> prefix(String addr) {
    if (addr.indexOf('/') < 0) {
      return Prefix.parseAddress(addr).map(Prefix::host);
    }
    return Prefix.tryParse(addr);
  }

  boolean anywhere(String addr) {
    return addr.equals("0.0.0.0/0") || addr.equals("::/0") || addr.equals("any");
  }

  /** The application name as UFW's commands take it ({@code Nginx Full}). */
  static String appName(String field) {
    return field.replace("%20", " ");
  }

  /**
   * The arguments after {@code ufw} that add ({@code delete} false) or delete this rule in
   * UFW's full syntax, e.g. {@code allow proto tcp from 173.245.48.0/20 to any port 80,443
   * comment cfsync}. With {@code withComment} the comment is named, so that a delete matches
   * only the tagged rule and never an untagged twin.
   */
  ImmutableList<String> ufwArgs(boolean delete, boolean withComment) {
    List<String> a = new ArrayList<>();
    if (delete) {
      a.add("delete");
    }
    if (route()) {
      a.add("route");
    }
    a.add(verb());
    if (!logType().isEmpty()) {
      a.add(logType());
    }
    String dir = iface.startsWith("out") ? "out" : "in";
    List<String> ifaces = Splitter.on('!').splitToList(iface);
    boolean named = false;
    for (String i : ifaces) {
      int u = i.indexOf('_');
      if (u > 0) {
        a.add(i.substring(0, u));
        a.add("on");
        a.add(i.substring(u + 1));
        named = true;
      }
    }
    if (!named && !dir.equals("in")) {
      a.add(dir);
    }
    if (!proto.equals("any") && dapp.isEmpty() && sapp.isEmpty()) {
      a.add("proto");
      a.add(proto);
    }
    a.add("from");
    a.add(anywhere(src) ? "any" : src);
    if (!sapp.isEmpty()) {
      a.add("app");
      a.add(appName(sapp));
    } else if (!sport.equals("any")) {
      a.add("port");
      a.add(sport);
    }
    a.add("to");
    a.add(anywhere(dst) ? "any" : dst);
    if (!dapp.isEmpty()) {
      a.add("app");
      a.add(appName(dapp));
    } else if (!dport.equals("any")) {
      a.add("port");
      a.add(dport);
    }
    if (withComment && !comment.isEmpty()) {
      a.add("comment");
      a.add(commentText());
    }
    return ImmutableList.copyOf(a);
  }

  /** A short human form for notes: {@code allow tcp 80,443 from 173.245.48.0/20}. */
  String describe() {
    StringBuilder sb = new StringBuilder(route() ? "route " : "").append(verb());
    if (!dapp.isEmpty()) {
      sb.append(" app '").append(appName(dapp)).append("' (").append(proto.equals("any")
          ? "tcp+udp" : proto).append(' ').append(dport).append(')');
    } else {
      sb.append(' ').append(proto.equals("any") ? "tcp+udp" : proto).append(' ')
          .append(dport.equals("any") ? "any port" : dport);
    }
    sb.append(" from ").append(anywhere(src) ? "anywhere" : src);
    if (!anywhere(dst)) {
      sb.append(" to ").append(dst);
    }
    if (!iface.equals("in")) {
      sb.append(" (").append(iface).append(')');
    }
    return sb.toString();
  }
}
