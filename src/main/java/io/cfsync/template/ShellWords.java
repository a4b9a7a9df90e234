package io.cfsync.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one line of a simple shell script into words, honouring single and double quotes and
 * backslashes, and stopping at an unquoted {@code #} or command separator. Enough for the UFW
 * scripts cfsync writes and reads; never used to run anything through a shell.
 */
final class ShellWords {

  private ShellWords() {}

  static List<String> split(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = null;
    int i = 0;
    while (i < line.length()) {
      char c = line.charAt(i);
      if (c == '\'') {
        int j = line.indexOf('\'', i + 1);
        if (j < 0) {
          j = line.length();
        }
        cur = cur == null ? new StringBuilder() : cur;
        cur.append(line, i + 1, j);
        i = j + 1;
      } else if (c == '"') {
        cur = cur == null ? new StringBuilder() : cur;
        int j = i + 1;
        while (j < line.length() && line.charAt(j) != '"') {
          if (line.charAt(j) == '\\' && j + 1 < line.length()) {
            j++;
          }
          cur.append(line.charAt(j));
          j++;
        }
        i = j + 1;
      } else if (c == '\\' && i + 1 < line.length()) {
        cur = cur == null ? new StringBuilder() : cur;
        cur.append(line.charAt(i + 1));
        i += 2;
      } else if (Character.isWhitespace(c)) {
        if (cur != null) {
          out.add(cur.toString());
          cur = null;
        }
        i++;
      } else if ((c == '#' && cur == null) || c == ';' || c == '&' || c == '|') {
        break;
      } else {
        cur = cur == null ? new StringBuilder() : cur;
        cur.append(c);
        i++;
      }
    }
    if (cur != null) {
      out.add(cur.toString());
    }
    return out;
  }
}
