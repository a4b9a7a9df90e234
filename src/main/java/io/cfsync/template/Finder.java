package io.cfsync.template;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import io.cfsync.backend.Naming;
import io.cfsync.model.Family;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the groups of addresses a file allows. Marker blocks win: a file with any
 * {@code # BEGIN cfsync} block is read only there, so the operator can say exactly which lines
 * are the Cloudflare allowlist. Without markers each kind's own constructs are read.
 */
public final class Finder {

  private static final Splitter WORDS = Splitter.on(Pattern.compile("[\\s,;{}()\"'=]+"))
      .omitEmptyStrings();
  private static final Pattern UFW_TUPLE = Pattern.compile(
      "###\\s+tuple\\s+###\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s*(.*)");
  private static final Pattern NGINX = Pattern.compile(
      "\\s*(set_real_ip_from|allow)\\s+([^;\\s]+)\\s*;.*");

  private Finder() {}

  /** True when the groups came from marker blocks. */
  public record Found(ImmutableList<Group> groups, boolean markers) {}

  public static Found find(String file, Text t, Kind kind, Naming naming) {
    ImmutableList<Blocks.Block> blocks = Blocks.find(file, t);
    if (!blocks.isEmpty()) {
      List<Group> out = new ArrayList<>();
      for (Blocks.Block b : blocks) {
        out.add(blockGroup(t, b));
      }
      return new Found(ImmutableList.copyOf(out), true);
    }
    List<Group> groups = switch (kind) {
      case NFTABLES -> nft(t, naming);
      case IPTABLES -> iptables(t, naming);
      case IPSET -> ipset(t, naming);
      case UFW -> ufw(t, naming);
      case NGINX -> nginx(t);
      case FAIL2BAN -> fail2ban(t);
      case CROWDSEC -> crowdsec(t);
      case CSF -> csf(t);
    };
    return new Found(ImmutableList.copyOf(groups), false);
  }

  static Group blockGroup(Text t, Blocks.Block b) {
    List<Entry> entries = new ArrayList<>();
    for (Text.Line l : b.inner(t)) {
      String c = t.content(l);
      int hash = c.indexOf('#');
      if (hash >= 0) {
        c = c.substring(0, hash);
      }
      for (String w : WORDS.split(c)) {
        Entry.parse(w, l.number()).ifPresent(entries::add);
      }
    }
    Optional<Family> declared = switch (b.label()) {
      case "ipv4", "v4", "4" -> Optional.of(Family.V4);
      case "ipv6", "v6", "6" -> Optional.of(Family.V6);
      default -> Optional.empty();
    };
    String what = b.label().isEmpty() ? "block" : "block " + b.label();
    return new Group(what, b.begin().number(), declared, ImmutableList.copyOf(entries), true);
  }

  static List<Group> nft(Text t, Naming naming) {
    List<Group> out = new ArrayList<>();
    ImmutableList<NftScanner.Frame> frames = NftScanner.scan(t);
    for (NftScanner.Frame f : frames) {
      boolean ownName = f.name().equals(naming.set(Family.V4))
          || f.name().equals(naming.set(Family.V6));
      switch (f.kind()) {
        case ELEMENTS -> out.add(new Group("set " + f.name(), f.line(), family(f, naming),
            f.entries(), ownName));
        case DEFINE -> {
          if (!f.entries().isEmpty()) {
            out.add(new Group("define " + f.name(), f.line(), Optional.empty(), f.entries(),
                false));
          }
        }
        case ANONYMOUS -> {
          if (!f.entries().isEmpty()) {
            out.add(new Group("anonymous set", f.line(), Optional.empty(), f.entries(), false));
          }
        }
        case SET -> {
          // A set of cfsync's name with no elements at all still speaks for its family.
          boolean hasElements = frames.stream().anyMatch(e -> e.kind() == NftScanner.Kind.ELEMENTS
              && e.open() > f.open() && e.close() < f.close());
          if (ownName && !hasElements) {
            out.add(new Group("set " + f.name(), f.line(), family(f, naming), ImmutableList.of(),
                true));
          }
        }
        default -> { }
      }
    }
    return out;
  }

  static Optional<Family> family(NftScanner.Frame f, Naming naming) {
    if (f.family().isPresent()) {
      return f.family();
    }
    if (f.name().equals(naming.set(Family.V4))) {
      return Optional.of(Family.V4);
    }
    if (f.name().equals(naming.set(Family.V6))) {
      return Optional.of(Family.V6);
    }
    return Optional.empty();
  }

  static List<Group> iptables(Text t, Naming naming) {
    Map<String, Builder> groups = new LinkedHashMap<>();
    String table = "filter";
    for (Text.Line l : t.lines()) {
      String c = t.content(l).trim();
      if (c.startsWith("*")) {
        table = c.substring(1).trim();
        continue;
      }
      List<String> w = new ArrayList<>(Splitter.on(Pattern.compile("\\s+")).omitEmptyStrings()
          .splitToList(c));
      if (!w.isEmpty() && w.get(0).startsWith("[") && w.get(0).endsWith("]")) {
        w.remove(0);
      }
      if (!w.isEmpty() && (w.get(0).endsWith("iptables") || w.get(0).endsWith("ip6tables"))) {
        w.remove(0);
      }
      String tbl = table;
      int ti = w.indexOf("-t");
      if (ti >= 0 && ti + 1 < w.size()) {
        tbl = w.get(ti + 1);
        w.remove(ti + 1);
        w.remove(ti);
      }
      if (w.size() < 2 || !(w.get(0).equals("-A") || w.get(0).equals("-I")
          || w.get(0).equals("--append") || w.get(0).equals("--insert"))) {
        continue;
      }
      String chain = w.get(1);
      List<String> rest = new ArrayList<>(w.subList(2, w.size()));
      if ((w.get(0).equals("-I") || w.get(0).equals("--insert")) && !rest.isEmpty()
          && rest.get(0).matches("\\d+")) {
        rest.remove(0);
      }
      int j = rest.indexOf("-j");
      if (j < 0 || j + 1 >= rest.size() || !rest.get(j + 1).equals("ACCEPT")) {
        continue;
      }
      int si = -1;
      for (int k = 0; k < rest.size(); k++) {
        String x = rest.get(k);
        if (x.equals("-s") || x.equals("--source") || x.equals("--src")) {
          si = k;
          break;
        }
      }
      if (si < 0 || si + 1 >= rest.size() || (si > 0 && rest.get(si - 1).equals("!"))) {
        continue;
      }
      String sources = rest.get(si + 1);
      rest.remove(si + 1);
      rest.remove(si);
      String key = tbl + " " + chain + " " + String.join(" ", rest);
      String matches = String.join(" ", rest);
      // cfsync's chain also holds the --allow-extra sources: those are the operator's, and
      // their rules carry their own comment.
      boolean own = chain.equals(naming.chain()) && !matches.contains("allow-extra")
          || matches.contains("--comment " + naming.tag() + " ")
          || matches.contains("--comment \"" + naming.tag() + "\"");
      String what = "rules -A " + chain + " -s CIDR " + String.join(" ", rest)
          + (tbl.equals("filter") ? "" : " (table " + tbl + ")");
      Builder b = groups.computeIfAbsent(key, k -> new Builder(what, l.number(), own));
      for (String s : Splitter.on(',').omitEmptyStrings().split(sources)) {
        Entry.parse(s, l.number()).ifPresent(b.entries::add);
      }
    }
    return build(groups);
  }

  static List<Group> ipset(Text t, Naming naming) {
    Map<String, Builder> groups = new LinkedHashMap<>();
    Map<String, Family> families = new LinkedHashMap<>();
    for (Text.Line l : t.lines()) {
      List<String> w = new ArrayList<>(Splitter.on(Pattern.compile("\\s+")).omitEmptyStrings()
          .splitToList(t.content(l).trim()));
      if (!w.isEmpty() && w.get(0).endsWith("ipset")) {
        w.remove(0);
      }
      w.removeIf(x -> x.equals("-exist") || x.equals("-!"));
      if (w.size() < 3) {
        continue;
      }
      String verb = w.get(0);
      String set = w.get(1);
      if (verb.equals("create") || verb.equals("-N") || verb.equals("n")) {
        int fi = w.indexOf("family");
        families.put(set, fi >= 0 && fi + 1 < w.size() && w.get(fi + 1).equals("inet6")
            ? Family.V6 : Family.V4);
        boolean own = isOwnSet(set, naming);
        groups.computeIfAbsent(set, k -> new Builder("set " + set, l.number(), own));
      } else if (verb.equals("add") || verb.equals("-A") || verb.equals("a")) {
        String e = w.get(2);
        int comma = e.indexOf(',');
        String addr = comma < 0 ? e : e.substring(0, comma);
        Builder b = groups.computeIfAbsent(set, k -> new Builder("set " + set, l.number(),
            isOwnSet(set, naming)));
        Entry.parse(addr, l.number()).ifPresent(b.entries::add);
      }
    }
    List<Group> out = new ArrayList<>();
    for (Map.Entry<String, Builder> e : groups.entrySet()) {
      Builder b = e.getValue();
      out.add(new Group(b.what, b.line, Optional.ofNullable(families.get(e.getKey())),
          ImmutableList.copyOf(b.entries), b.own));
    }
    return out;
  }

  private static boolean isOwnSet(String set, Naming naming) {
    String p = naming.setPrefix();
    return set.equals(p + "-v4") || set.equals(p + "-v6") || set.equals(p + "-t4")
        || set.equals(p + "-t6");
  }

  static List<Group> ufw(Text t, Naming naming) {
    Map<String, Builder> groups = new LinkedHashMap<>();
    for (Text.Line l : t.lines()) {
      String c = t.content(l).trim();
      Matcher tuple = UFW_TUPLE.matcher(c);
      if (tuple.matches()) {
        if (!tuple.group(1).equals("allow")) {
          continue;
        }
        String key = "tuple " + tuple.group(1) + " " + tuple.group(2) + " " + tuple.group(3)
            + " " + tuple.group(4) + " " + tuple.group(5) + " * " + tuple.group(7);
        String hexTag = java.util.HexFormat.of().formatHex(naming.tag()
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        boolean own = tuple.group(7).contains("comment=" + hexTag);
        Builder b = groups.computeIfAbsent(key, k -> new Builder("tuples allow "
            + tuple.group(2) + " " + tuple.group(3), l.number(), own));
        Entry.parse(tuple.group(6), l.number()).ifPresent(b.entries::add);
        continue;
      }
      List<String> w = ShellWords.split(c);
      if (w.isEmpty() || !w.get(0).endsWith("ufw")) {
        continue;
      }
      List<String> r = new ArrayList<>(w.subList(1, w.size()));
      r.removeIf(x -> x.equals("--dry-run") || x.equals("--force"));
      if (!r.isEmpty() && r.get(0).equals("prepend")) {
        r.remove(0);
      } else if (r.size() > 1 && r.get(0).equals("insert")) {
        r.remove(1);
        r.remove(0);
      }
      if (r.isEmpty() || !r.get(0).equals("allow")) {
        continue;
      }
      int fi = r.indexOf("from");
      if (fi < 0 || fi + 1 >= r.size()) {
        continue;
      }
      String src = r.get(fi + 1);
      r.set(fi + 1, "*");
      int ci = r.indexOf("comment");
      boolean own = ci >= 0 && ci + 1 < r.size() && r.get(ci + 1).equals(naming.tag());
      String key = String.join(" ", r);
      Builder b = groups.computeIfAbsent(key, k -> new Builder("ufw " + key.replace(" from * ",
          " from CIDR "), l.number(), own));
      Entry.parse(src, l.number()).ifPresent(b.entries::add);
    }
    return build(groups);
  }

  static List<Group> nginx(Text t) {
    Map<String, Builder> groups = new LinkedHashMap<>();
    for (Text.Line l : t.lines()) {
      String c = t.content(l);
      int hash = c.indexOf('#');
      if (hash >= 0) {
        c = c.substring(0, hash);
      }
      Matcher m = NGINX.matcher(c);
      if (!m.matches()) {
        continue;
      }
      Builder b = groups.computeIfAbsent(m.group(1), k -> new Builder(k + " lines",
          l.number(), false));
      Entry.parse(m.group(2), l.number()).ifPresent(b.entries::add);
    }
    return build(groups);
  }

  private static final Pattern INI_SECTION = Pattern.compile("\\[([^\\]]+)]\\s*");
  private static final Pattern INI_OPTION = Pattern.compile("([^\\s=:#;][^=:]*?)\\s*[=:]\\s*(.*)");
  private static final Splitter F2B_WORDS = Splitter.on(Pattern.compile("[\\s,]+"))
      .omitEmptyStrings();

  /**
   * fail2ban's {@code ignoreip} options, one group per section, read the way its configparser
   * does: an option's value continues on indented lines, whole-line comments ({@code #},
   * {@code ;}) inside it are skipped, {@code " ;"} starts an inline comment, and the value is
   * split on blanks and commas ({@code splitwords}).
   */
  static List<Group> fail2ban(Text t) {
    Map<String, Builder> groups = new LinkedHashMap<>();
    String section = "";
    Builder current = null;
    for (Text.Line l : t.lines()) {
      String raw = t.content(l);
      String stripped = raw.strip();
      if (stripped.startsWith("#") || stripped.startsWith(";")) {
        continue;
      }
      int semi = raw.indexOf(';');
      // Inline comments need whitespace before the ";" (configparser's inline prefix rule).
      while (semi > 0 && !Character.isWhitespace(raw.charAt(semi - 1))) {
        semi = raw.indexOf(';', semi + 1);
      }
      String c = semi > 0 ? raw.substring(0, semi) : raw;
      if (c.isBlank()) {
        continue;
      }
      boolean continuation = Character.isWhitespace(c.charAt(0));
      if (continuation) {
        if (current != null) {
          addWords(current, c, l.number());
        }
        continue;
      }
      current = null;
      Matcher sec = INI_SECTION.matcher(c.strip());
      if (sec.matches()) {
        section = sec.group(1);
        continue;
      }
      Matcher opt = INI_OPTION.matcher(c.strip());
      if (opt.matches() && opt.group(1).strip().equalsIgnoreCase("ignoreip")) {
        String sectionName = section;
        current = groups.computeIfAbsent(section, k -> new Builder("ignoreip ["
            + sectionName + "]", l.number(), false));
        addWords(current, opt.group(2), l.number());
      }
    }
    return build(groups);
  }

  private static void addWords(Builder b, String text, int line) {
    for (String w : F2B_WORDS.split(text)) {
      Entry.parse(w, line).ifPresent(b.entries::add);
    }
  }

  private static final Pattern YAML_KEY = Pattern.compile("(\\s*)(-\\s+)?([A-Za-z_][\\w-]*)\\s*:"
      + "\\s*(.*)");
  private static final Pattern YAML_ITEM = Pattern.compile("(\\s*)-\\s+(.*)");

  /**
   * A CrowdSec whitelist's {@code cidr:} and {@code ip:} lists (block or flow style) under
   * {@code whitelist:}; a whitelist whose {@code name} starts with {@code cfsync/} is cfsync's.
   */
  static List<Group> crowdsec(Text t) {
    Map<String, Builder> groups = new LinkedHashMap<>();
    boolean own = t.chars().lines().anyMatch(x -> x.matches("name:\\s*[\"']?cfsync/.*"));
    Builder current = null;
    int keyIndent = -1;
    for (Text.Line l : t.lines()) {
      String c = t.content(l);
      int hash = c.indexOf(" #");
      if (c.strip().startsWith("#")) {
        continue;
      }
      if (hash >= 0) {
        c = c.substring(0, hash);
      }
      if (c.isBlank()) {
        continue;
      }
      int indent = c.length() - c.stripLeading().length();
      Matcher item = YAML_ITEM.matcher(c);
      if (current != null && item.matches() && indent >= keyIndent) {
        addYamlValue(current, item.group(2), l.number());
        continue;
      }
      current = null;
      Matcher key = YAML_KEY.matcher(c);
      if (key.matches() && (key.group(3).equals("cidr") || key.group(3).equals("ip"))) {
        String name = "whitelist " + key.group(3);
        Builder b = groups.computeIfAbsent(name, k -> new Builder(name, l.number(), own));
        String rest = key.group(4).strip();
        if (rest.startsWith("[")) {
          for (String v : Splitter.on(',').split(rest.replaceAll("[\\[\\]]", ""))) {
            addYamlValue(b, v, l.number());
          }
        } else if (rest.isEmpty()) {
          current = b;
          keyIndent = indent;
        }
      }
    }
    return build(groups);
  }

  private static void addYamlValue(Builder b, String v, int line) {
    String x = v.strip();
    if (x.length() >= 2 && (x.startsWith("\"") && x.endsWith("\"")
        || x.startsWith("'") && x.endsWith("'"))) {
      x = x.substring(1, x.length() - 1);
    }
    Entry.parse(x, line).ifPresent(b.entries::add);
  }

  /**
   * csf.ignore (or csf.allow): the first word of each line, as lfd reads it. Such a file mixes
   * the operator's own addresses with Cloudflare's, so when any line's comment names
   * Cloudflare, those lines alone are the Cloudflare list (an office address beside them is
   * not stale); when none does, every line is.
   */
  static List<Group> csf(Text t) {
    Map<String, Builder> all = new LinkedHashMap<>();
    Map<String, Builder> named = new LinkedHashMap<>();
    for (Text.Line l : t.lines()) {
      String c = t.content(l).strip();
      if (c.isEmpty() || c.startsWith("#") || c.startsWith("Include")) {
        continue;
      }
      int hash = c.indexOf('#');
      boolean cloudflare = hash > 0 && c.substring(hash).toLowerCase(java.util.Locale.ROOT)
          .contains("cloudflare");
      Optional<Entry> e = Entry.parse(c.split("\\s+")[0], l.number());
      all.computeIfAbsent("csf", k -> new Builder("entries", l.number(), false));
      e.ifPresent(all.get("csf").entries::add);
      if (cloudflare) {
        named.computeIfAbsent("csf", k -> new Builder("entries marked Cloudflare", l.number(),
            false));
        e.ifPresent(named.get("csf").entries::add);
      }
    }
    return build(named.isEmpty() ? all : named);
  }

  private static List<Group> build(Map<String, Builder> groups) {
    List<Group> out = new ArrayList<>();
    for (Builder b : groups.values()) {
      if (!b.entries.isEmpty() || b.own) {
        out.add(new Group(b.what, b.line, Optional.empty(), ImmutableList.copyOf(b.entries),
            b.own));
      }
    }
    return out;
  }

  private static final class Builder {
    final String what;
    final int line;
    final boolean own;
    final List<Entry> entries = new ArrayList<>();

    Builder(String what, int line, boolean own) {
      this.what = what;
      this.line = line;
      this.own = own;
    }
  }
}
