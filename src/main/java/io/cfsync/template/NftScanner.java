package io.cfsync.template;

import com.google.common.collect.ImmutableList;
import io.cfsync.model.Family;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Just enough of nft's syntax to find brace groups and what they belong to: named sets
 * ({@code set NAME { type ipv4_addr; elements = { … } }}), {@code add element … SET { … }},
 * {@code define NAME = { … }} and anonymous sets in rules. Comments ({@code #} to the end of
 * the line) and quoted strings are skipped, so a comment inside an element list neither hides
 * nor adds an address.
 */
final class NftScanner {

  enum Kind { TABLE, CHAIN, SET, ELEMENTS, DEFINE, ANONYMOUS }

  /** One brace group: its kind, name, the offsets of its braces, and its address entries. */
  record Frame(Kind kind, String name, int open, int close, int line, Optional<Family> family,
      ImmutableList<Entry> entries) {}

  private record Token(String text, int start, int line, char type) {}

  private NftScanner() {}

  static ImmutableList<Frame> scan(Text t) {
    List<Token> tokens = tokenize(t);
    List<Frame> out = new ArrayList<>();
    Deque<Open> stack = new ArrayDeque<>();
    List<Token> statement = new ArrayList<>();
    for (Token tok : tokens) {
      switch (tok.type) {
        case '{' -> {
          Open o = open(statement, stack.peek(), tok);
          stack.push(o);
          statement.clear();
        }
        case '}' -> {
          if (!stack.isEmpty()) {
            Open o = stack.pop();
            out.add(new Frame(o.kind, o.name, o.open, tok.start, o.line,
                Optional.ofNullable(o.family), ImmutableList.copyOf(o.entries)));
          }
          statement.clear();
        }
        case ';', '\n' -> statement.clear();
        case ',' -> { }
        default -> {
          statement.add(tok);
          Open top = stack.peek();
          if (top == null) {
            break;
          }
          if (top.kind == Kind.SET && statement.size() == 2
              && statement.get(0).text.equals("type")) {
            if (tok.text.equals("ipv4_addr")) {
              top.family = Family.V4;
            } else if (tok.text.equals("ipv6_addr")) {
              top.family = Family.V6;
            }
          }
          if (top.kind == Kind.ELEMENTS || top.kind == Kind.DEFINE
              || top.kind == Kind.ANONYMOUS) {
            Entry.parse(tok.text, tok.line).ifPresent(top.entries::add);
          }
        }
      }
    }
    out.sort((a, b) -> Integer.compare(a.open(), b.open()));
    return ImmutableList.copyOf(out);
  }

  private static final class Open {
    final Kind kind;
    final String name;
    final int open;
    final int line;
    Family family;
    final List<Entry> entries = new ArrayList<>();

    Open(Kind kind, String name, int open, int line, Family family) {
      this.kind = kind;
      this.name = name;
      this.open = open;
      this.line = line;
      this.family = family;
    }
  }

  private static Open open(List<Token> st, Open parent, Token brace) {
    List<String> w = st.stream().map(Token::text).toList();
    int line = st.isEmpty() ? brace.line : st.get(0).line;
    String first = w.isEmpty() ? "" : w.get(0);
    if (first.equals("add") || first.equals("create")) {
      w = w.subList(1, w.size());
      first = w.isEmpty() ? "" : w.get(0);
    }
    switch (first) {
      case "table":
        return new Open(Kind.TABLE, w.get(w.size() - 1), brace.start, line, null);
      case "chain":
        return new Open(Kind.CHAIN, w.size() > 1 ? w.get(w.size() - 1) : "", brace.start, line,
            null);
      case "set":
      case "map":
        return new Open(Kind.SET, w.size() > 1 ? w.get(w.size() - 1) : "", brace.start, line,
            null);
      case "element":
        return new Open(Kind.ELEMENTS, w.size() > 1 ? w.get(w.size() - 1) : "", brace.start,
            line, null);
      case "elements":
        if (parent != null && parent.kind == Kind.SET) {
          return new Open(Kind.ELEMENTS, parent.name, brace.start, line, parent.family);
        }
        return new Open(Kind.ANONYMOUS, "", brace.start, line, null);
      case "define":
      case "redefine":
        return new Open(Kind.DEFINE, w.size() > 1 ? w.get(1) : "", brace.start, line, null);
      default:
        return new Open(Kind.ANONYMOUS, "", brace.start, brace.line, null);
    }
  }

  private static List<Token> tokenize(Text t) {
    String s = t.chars();
    List<Token> out = new ArrayList<>();
    int line = 1;
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\n') {
        out.add(new Token("\n", i, line, '\n'));
        line++;
        i++;
      } else if (c == '#') {
        while (i < s.length() && s.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '"') {
        int j = i + 1;
        while (j < s.length() && s.charAt(j) != '"' && s.charAt(j) != '\n') {
          j++;
        }
        out.add(new Token(s.substring(i, Math.min(j + 1, s.length())), i, line, 's'));
        i = Math.min(j + 1, s.length());
      } else if (c == '{' || c == '}' || c == ';' || c == ',') {
        out.add(new Token(String.valueOf(c), i, line, c));
        i++;
      } else if (c == '=' || Character.isWhitespace(c) || c == '\\') {
        i++;
      } else {
        int j = i;
        while (j < s.length()) {
          char d = s.charAt(j);
          if (Character.isWhitespace(d) || d == '{' || d == '}' || d == ';' || d == ','
              || d == '#' || d == '"' || d == '=') {
            break;
          }
          j++;
        }
        out.add(new Token(s.substring(i, j), i, line, 'w'));
        i = j;
      }
    }
    return out;
  }
}
