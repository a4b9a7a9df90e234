package io.cfsync.backend;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableListMultimap;
import com.google.common.collect.ImmutableMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One table of an {@code iptables-save} dump, parsed: chains with their policy ({@code -} for
 * user chains) and rules as argument vectors. Parsing is tolerant of what real dumps hold
 * (trailing spaces of old versions, {@code [p:b]} counter prefixes of {@code -c}, quoted
 * arguments, chain lines after rules) because foreign rules are only carried, never judged.
 */
public final class XtTable {

  /** One {@code -A CHAIN ...} line: its chain, its 1-based position there, its arguments. */
  public record Rule(String chain, int position, ImmutableList<String> args) {

    public Rule {
      args = ImmutableList.copyOf(args);
    }

    /** The jump or goto target ({@code -j X} / {@code -g X}), if any. */
    public Optional<String> target() {
      for (int i = 0; i + 1 < args.size(); i++) {
        if (args.get(i).equals("-j") || args.get(i).equals("-g")) {
          return Optional.of(args.get(i + 1));
        }
      }
      return Optional.empty();
    }

    /** True when the rule carries {@code -m comment --comment tag}. */
    public boolean hasComment(String tag) {
      for (int i = 0; i + 1 < args.size(); i++) {
        if (args.get(i).equals("--comment") && args.get(i + 1).equals(tag)) {
          return true;
        }
      }
      return false;
    }

    /** The rule as {@code iptables-save} prints it, without {@code -A CHAIN}. */
    public String text() {
      return XtTable.join(args);
    }
  }

  private final String name;
  private final ImmutableMap<String, String> policies;
  private final ImmutableListMultimap<String, Rule> rules;

  private XtTable(String name, ImmutableMap<String, String> policies,
      ImmutableListMultimap<String, Rule> rules) {
    this.name = name;
    this.policies = policies;
    this.rules = rules;
  }

  /** A table with no chains: what a host without that table reads as. */
  public static XtTable empty(String name) {
    return new XtTable(name, ImmutableMap.of(), ImmutableListMultimap.of());
  }

  /** Parses the {@code *table} section of a save dump; absent section means an empty table. */
  public static XtTable parse(String dump, String table) {
    Map<String, String> policies = new LinkedHashMap<>();
    Map<String, Integer> counts = new HashMap<>();
    ImmutableListMultimap.Builder<String, Rule> rules = ImmutableListMultimap.builder();
    boolean inside = false;
    for (String raw : dump.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("*")) {
        inside = line.substring(1).equals(table);
        continue;
      }
      if (!inside) {
        continue;
      }
      if (line.equals("COMMIT")) {
        inside = false;
        continue;
      }
      if (line.startsWith("[")) {
        int close = line.indexOf(']');
        line = close < 0 ? line : line.substring(close + 1).strip();
      }
      if (line.startsWith(":")) {
        String[] parts = line.substring(1).split("\\s+");
        policies.put(parts[0], parts.length > 1 ? parts[1] : "-");
      } else if (line.startsWith("-A ")) {
        List<String> tokens = tokenize(line);
        if (tokens.size() < 2) {
          continue;
        }
        String chain = tokens.get(1);
        int pos = counts.merge(chain, 1, Integer::sum);
        rules.put(chain, new Rule(chain, pos, ImmutableList.copyOf(tokens.subList(2,
            tokens.size()))));
      }
    }
    return new XtTable(table, ImmutableMap.copyOf(policies), rules.build());
  }

  public String name() {
    return name;
  }

  public boolean hasChain(String chain) {
    return policies.containsKey(chain);
  }

  /** Chain name to policy ({@code ACCEPT}, {@code DROP}; {@code -} for user chains). */
  public ImmutableMap<String, String> policies() {
    return policies;
  }

  public ImmutableList<Rule> rules(String chain) {
    return rules.get(chain);
  }

  /** Every rule of the table, chain by chain in dump order. */
  public ImmutableList<Rule> allRules() {
    return ImmutableList.copyOf(rules.values());
  }

  /** Rules anywhere in the table that jump or go to {@code chain}. */
  public ImmutableList<Rule> referencesTo(String chain) {
    ImmutableList.Builder<Rule> out = ImmutableList.builder();
    for (Rule r : rules.values()) {
      if (r.target().filter(chain::equals).isPresent()) {
        out.add(r);
      }
    }
    return out.build();
  }

  /**
   * Splits one save line into arguments the way {@code iptables-restore} does: on blanks,
   * with {@code "..."} grouping and {@code \"}, {@code \\} escapes inside quotes.
   */
  public static List<String> tokenize(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '\\' && i + 1 < line.length()) {
          cur.append(line.charAt(++i));
        } else if (c == '"') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
        any = true;
      } else if (c == ' ' || c == '\t') {
        if (any || cur.length() > 0) {
          out.add(cur.toString());
          cur.setLength(0);
          any = false;
        }
      } else {
        cur.append(c);
      }
    }
    if (any || cur.length() > 0) {
      out.add(cur.toString());
    }
    return out;
  }

  /** Joins arguments into one restore line, quoting what {@link #tokenize} would split. */
  public static String join(List<String> args) {
    StringBuilder sb = new StringBuilder();
    for (String a : args) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(quote(a));
    }
    return sb.toString();
  }

  static String quote(String a) {
    if (!a.isEmpty() && a.chars().allMatch(c -> c > ' ' && c < 127 && c != '"' && c != '\\'
        && c != '\'')) {
      return a;
    }
    return "\"" + a.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
