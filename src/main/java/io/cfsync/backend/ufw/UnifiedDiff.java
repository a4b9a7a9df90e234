package io.cfsync.backend.ufw;

import com.google.common.collect.ImmutableList;
import com.google.common.hash.Hashing;
import io.cfsync.error.BackendFailure;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rule-file change as a unified diff that {@code patch} takes and a person can read. Its
 * header lines carry the SHA-256 of the file before and after ({@code --- PATH<TAB>sha256:…},
 * where diff puts a timestamp and patch ignores it), so that applying it can prove it starts
 * from exactly the file that was planned against and ends at exactly the planned file: no
 * fuzz, no offsets. Lines keep their terminators; a last line without one gets diff's
 * {@code \ No newline at end of file}.
 */
final class UnifiedDiff {

  private static final int CONTEXT = 3;
  private static final String NO_NEWLINE = "\\ No newline at end of file";
  private static final Pattern HUNK =
      Pattern.compile("^@@ -(\\d+)(?:,(\\d+))? \\+(\\d+)(?:,(\\d+))? @@.*$");

  /** A parsed diff: the file it is for, the hashes it goes from and to, its hunks. */
  record Parsed(String path, String fromSha, String toSha, ImmutableList<Hunk> hunks) {}

  /** One hunk; {@code lines} start with {@code ' '}, {@code '-'} or {@code '+'}. */
  record Hunk(int oldStart, int oldCount, int newStart, int newCount,
      ImmutableList<String> lines) {}

  private UnifiedDiff() {}

  static String sha256(String content) {
    return Hashing.sha256().hashString(content, StandardCharsets.ISO_8859_1).toString();
  }

  /** The diff from {@code before} to {@code after}; empty when they are equal. */
  static String create(String path, String before, String after) {
    if (before.equals(after)) {
      return "";
    }
    ImmutableList<String> a = RulesFile.split(before);
    ImmutableList<String> b = RulesFile.split(after);
    List<char[]> ops = edits(a, b);
    StringBuilder sb = new StringBuilder();
    sb.append("--- ").append(path).append("\tsha256:").append(sha256(before)).append('\n');
    sb.append("+++ ").append(path).append("\tsha256:").append(sha256(after)).append('\n');
    // ops[i] = {kind}; walk them, cutting hunks around changes with CONTEXT lines each side.
    int n = ops.size();
    int i = 0;
    int ai = 0;
    int bi = 0;
    int[] aAt = new int[n + 1];
    int[] bAt = new int[n + 1];
    for (int k = 0; k < n; k++) {
      aAt[k] = ai;
      bAt[k] = bi;
      char op = ops.get(k)[0];
      if (op != '+') {
        ai++;
      }
      if (op != '-') {
        bi++;
      }
    }
    aAt[n] = ai;
    bAt[n] = bi;
    while (i < n) {
      while (i < n && ops.get(i)[0] == ' ') {
        i++;
      }
      if (i == n) {
        break;
      }
      int start = Math.max(0, i - CONTEXT);
      int end = i;
      // extend while the next change is within 2*CONTEXT unchanged lines
      while (true) {
        while (end < n && ops.get(end)[0] != ' ') {
          end++;
        }
        int same = 0;
        while (end + same < n && ops.get(end + same)[0] == ' ') {
          same++;
        }
        if (end + same < n && same <= 2 * CONTEXT) {
          end += same;
          continue;
        }
        end = Math.min(n, end + Math.min(same, CONTEXT));
        break;
      }
      int oldCount = aAt[end] - aAt[start];
      int newCount = bAt[end] - bAt[start];
      sb.append("@@ -").append(range(aAt[start], oldCount)).append(" +")
          .append(range(bAt[start], newCount)).append(" @@\n");
      for (int k = start; k < end; k++) {
        char op = ops.get(k)[0];
        String line = op == '+' ? b.get(bAt[k]) : a.get(aAt[k]);
        sb.append(op).append(RulesFile.strip(line)).append('\n');
        if (!line.endsWith("\n")) {
          sb.append(NO_NEWLINE).append('\n');
        }
      }
      i = end;
    }
    return sb.toString();
  }

  private static String range(int zeroBasedStart, int count) {
    // diff's convention: an empty range names the line before it
    int start = count == 0 ? zeroBasedStart : zeroBasedStart + 1;
    return count == 1 ? Integer.toString(start) : start + "," + count;
  }

  /** Myers' O(ND) shortest edit script, as one op per line: ' ' keep, '-' drop, '+' add. */
  private static List<char[]> edits(List<String> a, List<String> b) {
    Map<String, Integer> ids = new HashMap<>();
    int[] x = new int[a.size()];
    int[] y = new int[b.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = ids.computeIfAbsent(a.get(i), k -> ids.size());
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = ids.computeIfAbsent(b.get(i), k -> ids.size());
    }
    int n = x.length;
    int m = y.length;
    int max = n + m;
    int off = max + 1;
    int[] v = new int[2 * max + 3];
    List<int[]> trace = new ArrayList<>();
    int dEnd = -1;
    outer:
    for (int d = 0; d <= max; d++) {
      trace.add(v.clone());
      for (int k = -d; k <= d; k += 2) {
        int xi = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1]
            : v[off + k - 1] + 1;
        int yi = xi - k;
        while (xi < n && yi < m && x[xi] == y[yi]) {
          xi++;
          yi++;
        }
        v[off + k] = xi;
        if (xi >= n && yi >= m) {
          dEnd = d;
          break outer;
        }
      }
    }
    List<char[]> ops = new ArrayList<>();
    int xi = n;
    int yi = m;
    for (int d = dEnd; d > 0; d--) {
      int[] pv = trace.get(d);
      int k = xi - yi;
      int prevK = (k == -d || (k != d && pv[off + k - 1] < pv[off + k + 1])) ? k + 1 : k - 1;
      int prevX = pv[off + prevK];
      int prevY = prevX - prevK;
      while (xi > prevX && yi > prevY) {
        ops.add(new char[] {' '});
        xi--;
        yi--;
      }
      ops.add(new char[] {xi == prevX ? '+' : '-'});
      xi = prevX;
      yi = prevY;
    }
    while (xi > 0 && yi > 0) {
      ops.add(new char[] {' '});
      xi--;
      yi--;
    }
    java.util.Collections.reverse(ops);
    return ops;
  }

  static Parsed parse(String diff) {
    ImmutableList<String> lines = RulesFile.split(diff);
    int i = 0;
    while (i < lines.size() && !lines.get(i).startsWith("--- ")) {
      i++;
    }
    if (i + 1 >= lines.size() || !lines.get(i + 1).startsWith("+++ ")) {
      throw bad("no --- / +++ header");
    }
    String[] from = header(RulesFile.strip(lines.get(i)).substring(4));
    String[] to = header(RulesFile.strip(lines.get(i + 1)).substring(4));
    if (!from[0].equals(to[0])) {
      throw bad("it names two files");
    }
    i += 2;
    ImmutableList.Builder<Hunk> hunks = ImmutableList.builder();
    while (i < lines.size()) {
      Matcher h = HUNK.matcher(RulesFile.strip(lines.get(i)));
      if (!h.matches()) {
        throw bad("unexpected line " + (i + 1));
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
          throw bad("bad hunk line " + i);
        }
        String text = l.substring(1);
        if (i < lines.size() && RulesFile.strip(lines.get(i)).equals(NO_NEWLINE)) {
          text = RulesFile.strip(text);
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
        throw bad("a hunk is cut short");
      }
      hunks.add(new Hunk(oldStart, oldCount, newStart, newCount, ImmutableList.copyOf(body)));
    }
    return new Parsed(from[0], from[1], to[1], hunks.build());
  }

  private static String[] header(String h) {
    int tab = h.indexOf('\t');
    String path = tab < 0 ? h : h.substring(0, tab);
    String rest = tab < 0 ? "" : h.substring(tab + 1);
    String sha = rest.startsWith("sha256:") ? rest.substring("sha256:".length()) : "";
    if (sha.isEmpty()) {
      throw bad("the header carries no sha256 of the file");
    }
    return new String[] {path, sha};
  }

  /**
   * Applies {@code d} to {@code before}, strictly: {@code before} must hash to the diff's
   * from-hash and the result to its to-hash.
   */
  static String apply(Parsed d, String before) {
    if (!sha256(before).equals(d.fromSha())) {
      throw new BackendFailure(d.path() + " changed since cfsync read it (a concurrent ufw "
          + "run?); nothing changed; run cfsync again");
    }
    ImmutableList<String> a = RulesFile.split(before);
    StringBuilder out = new StringBuilder();
    int next = 0;
    for (Hunk h : d.hunks()) {
      int at = h.oldCount() == 0 ? h.oldStart() : h.oldStart() - 1;
      if (at < next || at > a.size()) {
        throw bad("hunks out of order");
      }
      for (; next < at; next++) {
        out.append(a.get(next));
      }
      for (String l : h.lines()) {
        char op = l.charAt(0);
        String text = l.substring(1);
        if (op != '+') {
          if (next >= a.size() || !a.get(next).equals(text)) {
            throw bad("line " + (next + 1) + " does not match");
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
    String after = out.toString();
    if (!sha256(after).equals(d.toSha())) {
      throw bad("the result is not the planned file");
    }
    return after;
  }

  private static BackendFailure bad(String why) {
    return new BackendFailure("ufw: the planned rule-file diff cannot be applied (" + why
        + "); nothing changed; run cfsync again");
  }
}
