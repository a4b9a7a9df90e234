package io.cfsync.template;

import com.google.common.collect.ImmutableList;
import io.cfsync.error.BackendFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The regions between {@code # BEGIN cfsync [LABEL]} and {@code # END cfsync [LABEL]} comment
 * lines: what cfsync may rewrite in a file it did not write in full. The label (built-in
 * templates use {@code ipv4} and {@code ipv6}) says which of the template's blocks goes there.
 */
public final class Blocks {

  private static final Pattern MARKER = Pattern.compile(
      "([ \\t]*)#[ \\t]*(BEGIN|END)[ \\t]+cfsync(?:[ \\t]+([A-Za-z0-9_.-]+))?[ \\t]*");

  /**
   * One block: its label ({@code ""} when none), the BEGIN and END lines, the BEGIN line's
   * indentation and line ending.
   */
  public record Block(String label, Text.Line begin, Text.Line end, String indent,
      String ending) {
    /** The lines strictly between the markers. */
    public List<Text.Line> inner(Text t) {
      return t.lines().subList(begin.number(), end.number() - 1);
    }
  }

  private Blocks() {}

  /** Finds every block; a stray or unclosed marker is an error naming the file and line. */
  public static ImmutableList<Block> find(String file, Text t) {
    ImmutableList.Builder<Block> out = ImmutableList.builder();
    Text.Line open = null;
    String openLabel = null;
    String openIndent = null;
    for (Text.Line l : t.lines()) {
      Matcher m = MARKER.matcher(t.content(l));
      if (!m.matches()) {
        continue;
      }
      String label = m.group(3) == null ? "" : m.group(3);
      if (m.group(2).equals("BEGIN")) {
        if (open != null) {
          throw new BackendFailure(file + ":" + l.number() + ": \"# BEGIN cfsync\" inside the "
              + "block opened on line " + open.number() + "; close that one first");
        }
        open = l;
        openLabel = label;
        openIndent = m.group(1);
      } else {
        if (open == null) {
          throw new BackendFailure(file + ":" + l.number() + ": \"# END cfsync\" without a "
              + "BEGIN; add \"# BEGIN cfsync\" above the managed lines");
        }
        if (!label.isEmpty() && !label.equals(openLabel)) {
          throw new BackendFailure(file + ":" + l.number() + ": \"# END cfsync " + label
              + "\" closes \"# BEGIN cfsync " + openLabel + "\" of line " + open.number()
              + "; make the labels match");
        }
        out.add(new Block(openLabel, open, l, openIndent, open.ending(t.chars())));
        open = null;
      }
    }
    if (open != null) {
      throw new BackendFailure(file + ":" + open.number() + ": \"# BEGIN cfsync\" is never "
          + "closed; add \"# END cfsync\" after the managed lines");
    }
    return out.build();
  }

  /** The content lines of a block as rendered (no indentation change, no terminators). */
  static List<String> innerLines(Text t, Block b) {
    List<String> out = new ArrayList<>();
    for (Text.Line l : b.inner(t)) {
      out.add(t.content(l));
    }
    return out;
  }
}
