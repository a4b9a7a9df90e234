package io.cfsync.template;

import com.google.common.collect.ImmutableList;
import java.nio.charset.StandardCharsets;

/**
 * A file's bytes as a string of the same length (ISO-8859-1 maps every byte to one char), so
 * that a rewrite can splice a region and leave every other byte exactly as it was, whatever
 * the encoding, BOM or line endings. Lines end at {@code \n}; a {@code \r} before it belongs
 * to the line ending, not the content.
 */
public final class Text {

  /** One line: where it starts, where its content ends, where its terminator ends. */
  public record Line(int number, int start, int contentEnd, int end) {
    /** The terminator: {@code "\r\n"}, {@code "\n"} or {@code ""} for a last line without. */
    public String ending(String all) {
      return all.substring(contentEnd, end);
    }
  }

  private final String chars;
  private final ImmutableList<Line> lines;

  private Text(String chars) {
    this.chars = chars;
    ImmutableList.Builder<Line> b = ImmutableList.builder();
    int n = 1;
    int i = 0;
    while (i < chars.length()) {
      int nl = chars.indexOf('\n', i);
      int end = nl < 0 ? chars.length() : nl + 1;
      int contentEnd = nl < 0 ? chars.length() : nl;
      if (contentEnd > i && chars.charAt(contentEnd - 1) == '\r' && nl >= 0) {
        contentEnd--;
      }
      b.add(new Line(n++, i, contentEnd, end));
      i = end;
    }
    this.lines = b.build();
  }

  public static Text ofBytes(byte[] bytes) {
    return new Text(new String(bytes, StandardCharsets.ISO_8859_1));
  }

  /** Text produced by cfsync (UTF-8), in the same byte-per-char form. */
  public static Text ofString(String utf16) {
    return ofBytes(utf16.getBytes(StandardCharsets.UTF_8));
  }

  public String chars() {
    return chars;
  }

  public byte[] bytes() {
    return chars.getBytes(StandardCharsets.ISO_8859_1);
  }

  public ImmutableList<Line> lines() {
    return lines;
  }

  public String content(Line l) {
    return chars.substring(l.start(), l.contentEnd());
  }

  /** The 1-based line number of a char offset. */
  public int lineOf(int offset) {
    int lo = 0;
    int hi = lines.size() - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (lines.get(mid).start() <= offset) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lines.isEmpty() ? 1 : lines.get(lo).number();
  }
}
