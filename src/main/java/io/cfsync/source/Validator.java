package io.cfsync.source;

import com.google.common.base.Utf8;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.error.SourceRejected;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The gate between outside bytes and the firewall (design.md, invariant 1). Every rejection
 * is a {@link SourceRejected} whose message names the source, the line and the reason.
 */
public final class Validator {

  private static final int MAX_QUOTED = 60;
  private static final int NO_LINE = 0;

  private Validator() {}

  /**
   * Parses one body into prefixes of the {@code allowed} families. Prefixes of a family that
   * is valid but not selected ({@code --family 4} reading a mixed list) are dropped; a prefix
   * of a family the body may not hold at all ({@code expected}) is a rejection.
   *
   * @param where the source and, for remote bodies, the URL, e.g. {@code cloudflare (https://…)}
   * @param expected the families this body may hold (an {@code ips-v4} body: only V4)
   * @param selected the families the run asked for
   */
  public static ImmutableList<Prefix> parse(String where, String body, Syntax syntax,
      Set<Family> expected, Set<Family> selected, Limits limits) {
    String text = body.startsWith("\uFEFF") ? body.substring(1) : body;
    if (syntax == Syntax.REMOTE) {
      checkSize(where, body, limits);
    }
    checkText(where, text);
    if (text.isBlank()) {
      throw new SourceRejected("source " + where + ": the body is empty; firewall unchanged");
    }
    if (syntax == Syntax.REMOTE && text.stripLeading().startsWith("<")) {
      throw new SourceRejected("source " + where + ": the body is an HTML/XML page, not a list "
          + "(an error or captive-portal page?); firewall unchanged");
    }
    // A CIDR line is 10 to 45 characters: size for the shorter to avoid regrowing the array.
    ImmutableList.Builder<Prefix> out = ImmutableList.builderWithExpectedSize(
        Math.min(text.length() / 12 + 1, 1 << 20));
    int lineNo = 0;
    // Walk the lines by index: one final newline is normal and ends the last line, it does
    // not start an empty one.
    for (int start = 0; start < text.length(); ) {
      int nl = text.indexOf('\n', start);
      int stop = nl < 0 ? text.length() : nl;
      if (stop > start && text.charAt(stop - 1) == '\r') {
        stop--;
      }
      String line = text.substring(start, stop);
      start = nl < 0 ? text.length() : nl + 1;
      lineNo++;
      if (syntax == Syntax.FILE) {
        int hash = line.indexOf('#');
        if (hash >= 0) {
          line = line.substring(0, hash);
        }
        line = line.strip();
        if (line.isEmpty()) {
          continue;
        }
      } else if (line.isEmpty()) {
        throw rejected(where, lineNo, "is blank (a list has one CIDR on every line)");
      }
      Prefix p = parseLine(where, lineNo, line);
      checkPrefix(where, lineNo, p, expected, limits);
      if (selected.contains(p.family())) {
        out.add(p);
      }
    }
    return out.build();
  }

  /**
   * Validates one CIDR that arrived outside a line-based body; {@code index} is reported as
   * its line number.
   */
  public static Prefix parseItem(String where, int index, String item, Set<Family> expected,
      Limits limits) {
    Prefix p = parseLine(where, index, item);
    checkPrefix(where, index, p, expected, limits);
    return p;
  }

  /**
   * Validates one item of a JSON array (the API's {@code ipv4_cidrs}); {@code where} names the
   * item itself, e.g. {@code cloudflare-api (URL) result.ipv4_cidrs[3]}, so no line is given.
   */
  public static Prefix parseItem(String where, String item, Set<Family> expected,
      Limits limits) {
    return parseItem(where, NO_LINE, item, expected, limits);
  }

  /**
   * Checks the minimum counts for the selected families of one source. A list with fewer
   * prefixes than Cloudflare has ever published is a truncated or wrong download.
   */
  public static void checkCounts(String where, Collection<Prefix> prefixes, Set<Family> selected,
      Limits limits) {
    int v4 = 0;
    int v6 = 0;
    for (Prefix p : prefixes) {
      if (p.family() == Family.V4) {
        v4++;
      } else {
        v6++;
      }
    }
    for (Family f : selected) {
      int min = f == Family.V4 ? limits.minV4() : limits.minV6();
      int n = f == Family.V4 ? v4 : v6;
      if (n < min) {
        throw new SourceRejected("source " + where + ": only " + n + " " + f.label()
            + " prefixes, at least " + min + " expected (a truncated download? lower it with "
            + "--min-prefixes if the list is really that short); firewall unchanged");
      }
    }
  }

  /**
   * The HTTP client already stops reading past the cap; this catches a body that reached
   * the validator another way (a mirror, the snapshot) before it is split into lines.
   */
  private static void checkSize(String where, String body, Limits limits) {
    // A UTF-16 char is at most 3 UTF-8 bytes, so a short body needs no byte count.
    if (body.length() * 3L <= limits.maxBodyBytes()) {
      return;
    }
    long bytes = Utf8.encodedLength(body);
    if (bytes > limits.maxBodyBytes()) {
      throw new SourceRejected("source " + where + ": the body is " + bytes + " bytes, over the "
          + limits.maxBodyBytes() + "-byte cap (not a list of CDN ranges); firewall unchanged");
    }
  }

  private static void checkText(String where, String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == '\uFFFD') {
        int line = 1 + (int) text.substring(0, i).chars().filter(ch -> ch == '\n').count();
        throw rejected(where, line, "holds binary or non-UTF-8 bytes (not a text list)");
      }
    }
  }

  private static Prefix parseLine(String where, int lineNo, String line) {
    try {
      return Prefix.parse(line);
    } catch (IllegalArgumentException e) {
      // Prefix.parse says '"TEXT" <reason>'; keep the reason, re-quote the text safely.
      String msg = e.getMessage() == null ? "" : e.getMessage();
      String own = "\"" + line + "\"";
      String reason = msg.startsWith(own) && msg.length() > own.length()
          ? msg.substring(own.length()) : " is not a CIDR";
      throw rejected(where, lineNo, quote(line) + reason);
    }
  }

  private static void checkPrefix(String where, int lineNo, Prefix p, Set<Family> expected,
      Limits limits) {
    if (!expected.contains(p.family())) {
      throw rejected(where, lineNo, "\"" + p + "\" is " + p.family().label() + " in a list of "
          + labels(expected) + " only");
    }
    if (p.length() == 0) {
      throw rejected(where, lineNo, "\"" + p + "\" would allow the whole Internet");
    }
    int broadest = p.family() == Family.V4 ? limits.broadestV4() : limits.broadestV6();
    if (p.length() < broadest) {
      throw rejected(where, lineNo, "\"" + p + "\" is broader than /" + broadest
          + " (no CDN publishes such a range)");
    }
    Optional<Map.Entry<Prefix, String>> special = SpecialRanges.overlapping(p);
    if (special.isPresent()) {
      throw rejected(where, lineNo, "\"" + p + "\" overlaps " + special.get().getKey() + ", "
          + special.get().getValue() + ", which is never a Cloudflare edge");
    }
  }

  private static String labels(Set<Family> families) {
    return ImmutableSet.copyOf(families).stream().map(Family::label)
        .reduce((a, b) -> a + "/" + b).orElse("nothing");
  }

  /**
   * The line as it may appear in a one-line message: shortened, and with quotes and control
   * characters (a stray CR, a tab) escaped so that the message stays on one line.
   */
  static String quote(String line) {
    String s = line.length() > MAX_QUOTED ? line.substring(0, MAX_QUOTED) + "…" : line;
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  private static SourceRejected rejected(String where, int lineNo, String reason) {
    return new SourceRejected("source " + where + (lineNo == NO_LINE ? "" : " line " + lineNo)
        + ": " + reason + "; firewall unchanged");
  }
}
