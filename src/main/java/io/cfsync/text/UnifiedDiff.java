package io.cfsync.text;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Unified diffs ({@code diff -u}, three lines of context): made from two texts, as
 * {@code render --check} prints them and {@code patch} takes them, and parsed and applied
 * back strictly (every context and removed line must match; no fuzz, no offsets), as UFW's
 * file mode does with the diff its plan printed. Lines keep their own terminators, so a
 * changed line ending is a change, and a last line without one gets diff's
 * {@code \ No newline at end of file}. Myers' O(ND) algorithm on what is left after the
 * common head; past a few thousand edits (a file replaced wholesale) the middle
 * becomes one hunk, still a correct diff, just not a minimal one.
 */
public final class UnifiedDiff {

  private static final int CONTEXT = 3;
  private static final int MAX_EDITS = 1000;
  private static final String NO_NEWLINE = "\\ No newline at end of file";
  private static final Pattern HUNK =
      Pattern.compile("^@@ -(\\d+)(?:,(\\d+))? \\+(\\d+)(?:,(\\d+))? @@.*$");

  /** A parsed diff: its two header lines (after {@code --- }/{@code +++ }) and its hunks. */
  public record Parsed(String oldHeader, String newHeader, ImmutableList<Hunk> hunks) {}

  /** One hunk; each of {@code lines} starts with {@code ' '}, {@code '-'} or {@code '+'}. */
  public record Hunk(int oldStart, int oldCount, int newStart, int newCount,
      ImmutableList<String> lines) {}

  private UnifiedDiff() {}

  /**
   * The diff, or {@code ""} when the texts are equal. The names are the header lines after
   * {@code --- } and {@code +++ } (a path, optionally a tab and a label).
   */
  public static String diff(String oldName, String newName, String a, String b) {
    if (a.equals(b)) {
      return "";
    }
    List<String> x = lines(a);
    List<String> y = lines(b);
    char[] ops = script(x, y);
    StringBuilder out = new StringBuilder();
    out.append("--- ").append(oldName).append('\n');
    out.append("+++ ").append(newName).append('\n');
    // Walk the edit script, cutting hunks where more than 2*CONTEXT equal lines separate edits.
    int n = ops.length;
    int i = 0;
    int ai = 0;
    int bi = 0;
    int[] aAt = new int[n + 1];
    int[] bAt = new int[n + 1];
    for (int k = 0; k < n; k++) {
      aAt[k] = ai;
      bAt[k] = bi;
      if (ops[k] != '+') {
        ai++;
      }
      if (ops[k] != '-') {
        bi++;
      }
    }
    aAt[n] = ai;
    bAt[n] = bi;
    while (i < n) {
      while (i < n && ops[i] == '=') {
        i++;
      }
      if (i >= n) {
        break;
      }
      int start = Math.max(0, i - CONTEXT);
      while (start < i && ops[start] != '=') {
        start++;
      }
      int end = i;
      int lastEdit = i;
      while (end < n) {
        if (ops[end] != '=') {
          lastEdit = end;
          end++;
          continue;
        }
        int run = 0;
        while (end + run < n && ops[end + run] == '=') {
          run++;
        }
        if (end + run >= n || run > 2 * CONTEXT) {
          break;
        }
        end += run;
      }
      int stop = Math.min(n, lastEdit + 1 + CONTEXT);
      int aStart = aAt[start];
      int bStart = bAt[start];
      int aLen = aAt[stop] - aStart;
      int bLen = bAt[stop] - bStart;
      out.append("@@ -").append(range(aStart, aLen)).append(" +").append(range(bStart, bLen))
          .append(" @@\n");
      for (int k = start; k < stop; k++) {
        String line = ops[k] == '+' ? y.get(bAt[k]) : x.get(aAt[k]);
        char sign = ops[k] == '=' ? ' ' : ops[k];
        out.append(sign).append(line);
        if (!line.endsWith("\n")) {
          out.append('\n').append(NO_NEWLINE).append('\n');
        }
      }
      i = stop;
    }
    return out.toString();
  }

  private static String range(int start, int len) {
    int first = len == 0 ? start : start + 1;
    return len == 1 ? Integer.toString(first) : first + "," + len;
  }

  /** Splits {@code s} into lines that keep their {@code \n} (the last one may lack it). */
  public static List<String> lines(String s) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      int nl = s.indexOf('\n', i);
      int end = nl < 0 ? s.length() : nl + 1;
      out.add(s.substring(i, end));
      i = end;
    }
    return out;
  }

  /** The edit script: '=' keep, '-' delete from a, '+' insert from b, in order. */
  static char[] script(List<String> a, List<String> b) {
    int head = 0;
    while (head < a.size() && head < b.size() && a.get(head).equals(b.get(head))) {
      head++;
    }
    // Only the common head is cut: cutting the tail too would slide an insertion before the
    // blank line that ends a block instead of after it, which reads worse and differs from diff.
    List<String> ma = a.subList(head, a.size());
    List<String> mb = b.subList(head, b.size());
    StringBuilder ops = new StringBuilder();
    ops.append("=".repeat(head));
    ops.append(myers(ma, mb));
    return ops.toString().toCharArray();
  }

  private static String myers(List<String> a, List<String> b) {
    int n = a.size();
    int m = b.size();
    if (n == 0 || m == 0) {
      return "-".repeat(n) + "+".repeat(m);
    }
    int max = Math.min(n + m, MAX_EDITS);
    int off = max + 1;
    int[] v = new int[2 * max + 3];
    List<int[]> trace = new ArrayList<>();
    int found = -1;
    for (int d = 0; d <= max && found < 0; d++) {
      trace.add(Arrays.copyOf(v, v.length));
      for (int k = -d; k <= d; k += 2) {
        int x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1]
            : v[off + k - 1] + 1;
        int y = x - k;
        while (x < n && y < m && a.get(x).equals(b.get(y))) {
          x++;
          y++;
        }
        v[off + k] = x;
        if (x >= n && y >= m) {
          found = d;
          break;
        }
      }
    }
    if (found < 0) {
      return "-".repeat(n) + "+".repeat(m);
    }
    StringBuilder rev = new StringBuilder();
    int x = n;
    int y = m;
    for (int d = found; d > 0; d--) {
      int[] pv = trace.get(d);
      int k = x - y;
      int pk = (k == -d || (k != d && pv[off + k - 1] < pv[off + k + 1])) ? k + 1 : k - 1;
      int px = pv[off + pk];
      int py = px - pk;
      while (x > px && y > py) {
        rev.append('=');
        x--;
        y--;
      }
      if (x == px) {
        rev.append('+');
        y--;
      } else {
        rev.append('-');
        x--;
      }
    }
    while (x > 0 && y > 0) {
      rev.append('=');
      x--;
      y--;
    }
    return rev.reverse().toString();
  }

  /** Parses a diff as {@link #diff} writes it; throws {@link IllegalArgumentException} why not. */
  public static Parsed parse(String diff) {
    List<String> lines = lines(diff);
    int i = 0;
    while (i < lines.size() && !lines.get(i).startsWith("--- ")) {
      i++;
    }
    if (i + 1 >= lines.size() || !lines.get(i + 1).startsWith("+++ ")) {
      throw new IllegalArgumentException("no --- / +++ header");
    }
    String oldHeader = strip(lines.get(i)).substring(4);
    String newHeader = strip(lines.get(i + 1)).substring(4);
    i += 2;
    ImmutableList.Builder<Hunk> hunks = ImmutableList.builder();
    while (i < lines.size()) {
      Matcher h = HUNK.matcher(strip(lines.get(i)));
      if (!h.matches()) {
        throw new IllegalArgumentException("unexpected line " + (i + 1));
      }
      int oldStart = Integer.parseInt(h.group(1));
      int oldCount = h.group(2) == null ? 1 : Integer.parseInt(h.group(2));
      int newStart = Integer.parseInt(h.group(3));
      int newCount = h.group(4) == null ? 1 : Integer.parseInt(h.group(4));
      i++;
      List<String> body = new ArrayList<>();
      int o = 0;
      int nw = 0;
      while ((o < oldCount || nw < newCount) && i < lines.size()) {
        String l = lines.get(i++);
        char op = l.isEmpty() ? '?' : l.charAt(0);
        if (op != ' ' && op != '-' && op != '+') {
          throw new IllegalArgumentException("bad hunk line " + i);
        }
        String text = l.substring(1);
        if (i < lines.size() && strip(lines.get(i)).equals(NO_NEWLINE)) {
          text = strip(text);
          i++;
        }
        body.add(op + text);
        if (op != '+') {
          o++;
        }
        if (op != '-') {
          nw++;
        }
      }
      if (o != oldCount || nw != newCount) {
        throw new IllegalArgumentException("a hunk is cut short");
      }
      hunks.add(new Hunk(oldStart, oldCount, newStart, newCount, ImmutableList.copyOf(body)));
    }
    return new Parsed(oldHeader, newHeader, hunks.build());
  }

  /**
   * Applies {@code d} to {@code before} strictly: each hunk must sit where it says and every
   * kept or removed line must match exactly; throws {@link IllegalArgumentException} otherwise.
   */
  public static String apply(Parsed d, String before) {
    List<String> a = lines(before);
    StringBuilder out = new StringBuilder();
    int next = 0;
    for (Hunk h : d.hunks()) {
      int at = h.oldCount() == 0 ? h.oldStart() : h.oldStart() - 1;
      if (at < next || at > a.size()) {
        throw new IllegalArgumentException("hunks out of order");
      }
      for (; next < at; next++) {
        out.append(a.get(next));
      }
      for (String l : h.lines()) {
        char op = l.charAt(0);
        String text = l.substring(1);
        if (op != '+') {
          if (next >= a.size() || !a.get(next).equals(text)) {
            throw new IllegalArgumentException("line " + (next + 1) + " does not match");
          }
          next++;
        }
        if (op != '-') {
          out.append(text);
        }
      }
    }
    for (; next < a.size(); next++) {
      out.append(a.get(next));
    }
    return out.toString();
  }

  private static String strip(String line) {
    return line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
  }
}
