package io.cfsync.backend.ipset;

import com.google.common.collect.ImmutableList;
import io.cfsync.backend.Cidrs;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One set as {@code ipset list NAME} prints it: its type and header options,
 * and the elements as address coverage. {@code odd} marks elements with options
 * ({@code nomatch}, {@code timeout}): cfsync never writes them, and they change what the set
 * matches, so such a set is rewritten rather than trusted.
 *
 * <p>A 100k-element set is read twice per change (to plan, and to verify), so the text is
 * scanned in place: no string per line or member. The members kept for {@link #recreate}
 * are ranges of that text, not copies of it.
 */
final class IpsetSet {

  /** Option words a re-created set may carry: anything else from the kernel is dropped. */
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  /** A member as listed, with its options ({@code 192.0.2.0/24 nomatch}). */
  private static final Pattern SAFE_MEMBER =
      Pattern.compile("[A-Za-z0-9_.:/-]+( [A-Za-z0-9_.:-]+)*");

  private final String type;
  private final ImmutableList<String> options;
  private final PrefixSet content;
  private final boolean odd;
  /** The listed text and, per kept member, its start and end in it, in listed order. */
  private final String listed;
  private final int[] members;
  private final int memberCount;

  private IpsetSet(String type, ImmutableList<String> options, PrefixSet content, boolean odd,
      String listed, int[] members, int memberCount) {
    this.type = type;
    this.options = options;
    this.content = content;
    this.odd = odd;
    this.listed = listed;
    this.members = members;
    this.memberCount = memberCount;
  }

  /**
   * Reads {@code ipset list NAME}: the {@code Type:} and {@code Header:} lines, then one
   * member a line after {@code Members:}. The same data as {@code ipset save NAME} (whose
   * {@code create} line carries the same header words, and whose {@code add} lines the same
   * member text), but the tool formats it about a fifth faster, and the text is a third
   * shorter to scan.
   */
  static Optional<IpsetSet> parse(String listed, String name) {
    String type = null;
    List<String> options = new ArrayList<>();
    Cidrs.Collector elements = new Cidrs.Collector();
    int[] members = new int[64];
    int count = 0;
    boolean odd = false;
    boolean named = false;
    boolean inMembers = false;
    int n = listed.length();
    // one byte per char, so a byte index is a char index
    byte[] bytes = listed.getBytes(StandardCharsets.ISO_8859_1);
    int next;
    for (int at = 0; at < n; at = next) {
      int nl = listed.indexOf('\n', at);
      int end = nl < 0 ? n : nl;
      next = end + 1;
      // the line stripped of surrounding white space, as String.strip would
      int ls = at;
      while (ls < end && Character.isWhitespace(listed.charAt(ls))) {
        ls++;
      }
      int le = end;
      while (le > ls && Character.isWhitespace(listed.charAt(le - 1))) {
        le--;
      }
      if (ls == le) {
        continue;
      }
      if (inMembers) {
        // the first space within the line (String.indexOf would scan on to the end of the
        // text for every bare member: quadratic at 100k)
        int sp = ls;
        while (sp < le && bytes[sp] != ' ') {
          sp++;
        }
        boolean bare = sp == le;
        boolean plain = elements.add(bytes, ls, bare ? le : sp) && bare;
        odd |= !plain;
        // A plain member parsed as a CIDR is safe to write back; check the others' text.
        if (plain || SAFE_MEMBER.matcher(listed.subSequence(ls, le)).matches()) {
          if (2 * count + 2 > members.length) {
            members = Arrays.copyOf(members, members.length * 2);
          }
          members[2 * count] = ls;
          members[2 * count + 1] = le;
          count++;
        }
        continue;
      }
      String line = listed.substring(ls, le);
      if (line.equals("Name: " + name)) {
        named = true;
      } else if (line.startsWith("Type:")) {
        type = line.substring(5).strip();
      } else if (line.startsWith("Header:")) {
        for (String w : line.substring(7).strip().split("\\s+")) {
          if (SAFE.matcher(w).matches()) {
            options.add(w);
          }
        }
      } else if (line.equals("Members:")) {
        inMembers = true;
      }
    }
    if (!named || type == null) {
      return Optional.empty();
    }
    return Optional.of(new IpsetSet(type, ImmutableList.copyOf(options), elements.build(), odd,
        listed, members, count));
  }

  /** The set's type from its create line ({@code hash:net}). */
  String type() {
    return type;
  }

  /** The addresses its elements cover. */
  PrefixSet content() {
    return content;
  }

  /** True when some element carries options, or is no CIDR cfsync would write. */
  boolean odd() {
    return odd;
  }

  /** The option after {@code key} on the create line ({@code family inet}). */
  Optional<String> option(String key) {
    int i = options.indexOf(key);
    return i >= 0 && i + 1 < options.size() ? Optional.of(options.get(i + 1)) : Optional.empty();
  }

  /** True when cfsync can swap a set of {@code family} with this one. */
  boolean compatible(Family family) {
    return type.equals("hash:net") && option("family").orElse("inet")
        .equals(family.ipsetFamily());
  }

  /**
   * The restore lines that build this set again under {@code as}: its create options
   * (initval included) and its members as listed, options and all, in listed order.
   */
  void recreate(String as, StringBuilder out) {
    out.append("create ").append(as).append(' ').append(type);
    for (String o : options) {
      out.append(' ').append(o);
    }
    out.append('\n');
    for (int i = 0; i < memberCount; i++) {
      out.append("add ").append(as).append(' ').append(listed, members[2 * i],
          members[2 * i + 1]).append('\n');
    }
  }
}
