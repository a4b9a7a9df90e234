package io.cfsync.template;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A unified diff ({@code diff -u}, three lines of context) between two texts, as
 * {@code render --check} prints it. Lines keep their own terminators, so a changed line ending
 * is a change. Myers' O(ND) algorithm on what is left after the common head and tail; past a
 * few thousand edits (a file replaced wholesale) the middle becomes one hunk, still a correct
 * diff, just not a minimal one.
 */
public final class UnifiedDiff {

  private static final int CONTEXT = 3;
  private static final int MAX_EDITS = 1000;

  private UnifiedDiff() {}

  /** The diff, or {@code ""} when the texts are equal. */
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
          out.append("\n\\ No newline at end of file\n");
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

  static List<String> lines(String s) {
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
    int tail = 0;
    while (tail < a.size() - head && tail < b.size() - head
        && a.get(a.size() - 1 - tail).equals(b.get(b.size() - 1 - tail))) {
      tail++;
    }
    List<String> ma = a.subList(head, a.size() - tail);
    List<String> mb = b.subList(head, b.size() - tail);
    StringBuilder ops = new StringBuilder();
    ops.append("=".repeat(head));
    ops.append(myers(ma, mb));
    ops.append("=".repeat(tail));
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
}
