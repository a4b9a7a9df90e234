package io.cfsync.backend.ufw;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMultiset;
import io.cfsync.error.BackendFailure;
import io.cfsync.model.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * UFW's {@code user.rules} or {@code user6.rules}, kept line for line so that everything
 * cfsync does not own survives byte for byte. UFW writes the rules section as
 * {@code ### RULES ###}, then per rule a blank line, its {@code ### tuple ###} line and its
 * {@code -A} lines, then a blank line and {@code ### END RULES ###}. cfsync edits only that
 * section: it cuts out its own blocks and appends new ones where {@code ufw allow} would.
 */
final class RulesFile {

  static final String RULES = "### RULES ###";
  static final String END_RULES = "### END RULES ###";

  /** One rule: its tuple and where its lines sit (tuple line to the last {@code -A} line). */
  record Block(Tuple tuple, int start, int end) {}

  private final Family family;
  /** Each line with its own terminator, so that joining them gives the file back exactly. */
  private final ImmutableList<String> lines;
  private final int rulesAt;
  private final int endAt;
  private final ImmutableList<Block> blocks;

  private RulesFile(Family family, ImmutableList<String> lines, int rulesAt, int endAt,
      ImmutableList<Block> blocks) {
    this.family = family;
    this.lines = lines;
    this.rulesAt = rulesAt;
    this.endAt = endAt;
    this.blocks = blocks;
  }

  /**
   * Parses a rules file. A file without the markers UFW writes (a hand-made one, or the
   * package's pristine file that no {@code ufw} command has rewritten yet) cannot be edited
   * in UFW's own format, so it is refused with the way out.
   */
  static RulesFile parse(Family family, String where, String content) {
    ImmutableList<String> lines = split(content);
    int rulesAt = -1;
    int endAt = -1;
    for (int i = 0; i < lines.size(); i++) {
      String l = strip(lines.get(i));
      if (l.equals(RULES) && rulesAt < 0) {
        rulesAt = i;
      } else if (l.equals(END_RULES) && rulesAt >= 0 && endAt < 0) {
        endAt = i;
      }
    }
    if (rulesAt < 0 || endAt < 0) {
      throw new BackendFailure(where + " has no \"" + (rulesAt < 0 ? RULES : END_RULES)
          + "\" line, so it was not written by ufw (the package's initial file is not): run "
          + "one ufw rule command first (e.g. ufw allow 22/tcp) or use --ufw-mode cli; "
          + "nothing changed");
    }
    List<Block> blocks = new ArrayList<>();
    for (int i = rulesAt + 1; i < endAt; i++) {
      Optional<Tuple> t = Tuple.parse(strip(lines.get(i)));
      if (t.isEmpty()) {
        continue;
      }
      int j = i + 1;
      while (j < endAt && isRuleLine(strip(lines.get(j)))) {
        j++;
      }
      blocks.add(new Block(t.get(), i, j));
      i = j - 1;
    }
    return new RulesFile(family, lines, rulesAt, endAt, ImmutableList.copyOf(blocks));
  }

  private static boolean isRuleLine(String l) {
    return l.startsWith("-A ") || l.startsWith("-I ") || l.startsWith("-D ");
  }

  static ImmutableList<String> split(String content) {
    ImmutableList.Builder<String> out = ImmutableList.builder();
    int from = 0;
    while (from < content.length()) {
      int nl = content.indexOf('\n', from);
      int to = nl < 0 ? content.length() : nl + 1;
      out.add(content.substring(from, to));
      from = to;
    }
    return out.build();
  }

  static String strip(String line) {
    return line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
  }

  Family family() {
    return family;
  }

  ImmutableList<Block> blocks() {
    return blocks;
  }

  String content() {
    return String.join("", lines);
  }

  /** The user input chain: {@code ufw-user-input} or {@code ufw6-user-input}. */
  static String inputChain(Family f) {
    return f == Family.V4 ? "ufw-user-input" : "ufw6-user-input";
  }

  /**
   * The file with the blocks at {@code remove} (indexes into {@link #blocks()}) cut out and
   * {@code add} appended after the last rule, as {@code ufw allow} appends: each cut takes
   * the blank line before its tuple along, each addition brings its own.
   */
  String edit(Set<Integer> remove, List<Tuple> add) {
    boolean[] drop = new boolean[lines.size()];
    for (int b : remove) {
      Block block = blocks.get(b);
      for (int i = block.start(); i < block.end(); i++) {
        drop[i] = true;
      }
      int before = block.start() - 1;
      if (before > rulesAt && strip(lines.get(before)).isEmpty()) {
        drop[before] = true;
      }
    }
    // UFW leaves one blank line before END RULES; new blocks go in front of it.
    int insertAt = strip(lines.get(endAt - 1)).isEmpty() && endAt - 1 > rulesAt ? endAt - 1
        : endAt;
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      if (i == insertAt) {
        for (Tuple t : add) {
          sb.append('\n').append(t.line()).append('\n');
          for (String r : ruleLines(family, t)) {
            sb.append(r).append('\n');
          }
        }
        if (insertAt == endAt && !add.isEmpty()) {
          sb.append('\n');
        }
      }
      if (!drop[i]) {
        sb.append(lines.get(i));
      }
    }
    return sb.toString();
  }

  /**
   * The iptables lines UFW writes under an owned tuple (its {@code UFWRule.format_rule}):
   * {@code -A ufw-user-input -p tcp -m multiport --dports 80,443 -s 173.245.48.0/20 -j ACCEPT}.
   */
  static ImmutableList<String> ruleLines(Family f, Tuple t) {
    boolean multi = t.dport().indexOf(',') >= 0 || t.dport().indexOf(':') >= 0;
    String ports = multi ? "-m multiport --dports " + t.dport() : "--dport " + t.dport();
    return ImmutableList.of("-A " + inputChain(f) + " -p " + t.proto() + " " + ports + " -s "
        + t.src() + " -j ACCEPT");
  }

  /** The allow-from-prefix-to-ports rules the file's rules section loads into the input chain. */
  ImmutableMultiset<String> shapes() {
    List<String> rules = new ArrayList<>();
    for (int i = rulesAt + 1; i < endAt; i++) {
      rules.add(strip(lines.get(i)));
    }
    return ChainShapes.of(inputChain(family), rules);
  }
}
