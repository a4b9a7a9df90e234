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
 * One set as {@code ipset save NAME} prints it: the {@code create} line's type and options,
 * and the elements as address coverage. {@code odd} marks elements with options
 * ({@code nomatch}, {@code timeout}): cfsync never writes them, and they change what the set
 * matches, so such a set is rewritten rather than trusted.
 *
 * <p>A 100k-element set is read twice per change (to plan, and to verify), so the text is
 * scanned in place: no string per line or element. The members kept for {@link #recreate}
 * are ranges of that text, not copies of it.
 */
final class IpsetSet {

  /** Option words a re-created set may carry: anything else from the kernel is dropped. */
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  /** A member as saved, with its options ({@code 192.0.2.0/24 nomatch}). */
  private static final Pattern SAFE_MEMBER =
      Pattern.compile("[A-Za-z0-9_.:/-]+( [A-Za-z0-9_.:-]+)*");

  private final String type;
  private final ImmutableList<String> options;
  private final PrefixSet content;
  private final boolean odd;
  /** The saved text and, per kept member, its start and end in it, in saved order. */
  private final String saved;
  private final int[] members;
  private final int memberCount;

  private IpsetSet(String type, ImmutableList<String> options, PrefixSet content, boolean odd,
      String saved, int[] members, int memberCount) {
    this.type = type;
    this.options = options;
    this.content = content;
    this.odd = odd;
    this.saved = saved;
    this.members = members;
    this.memberCount = memberCount;
  }

  static Optional<IpsetSet> parse(String save, String name) {
    String type = null;
    List<String> options = new ArrayList<>();
    Cidrs.Collector elements = new Cidrs.Collector();
    int[] members = new int[64];
    int count = 0;
    boolean odd = false;
    String addPrefix = "add " + name + " ";
    String createPrefix = "create " + name + " ";
    int n = save.length();
    // one byte per char, so a byte index is a char index
    byte[] bytes = save.getBytes(StandardCharsets.ISO_8859_1);
    int next;
    for (int at = 0; at < n; at = next) {
      int nl = save.indexOf('\n', at);
      int end = nl < 0 ? n : nl;
      next = end + 1;
      // the line stripped of surrounding white space, as String.strip would
      int ls = at;
      while (ls < end && Character.isWhitespace(save.charAt(ls))) {
        ls++;
      }
      int le = end;
      while (le > ls && Character.isWhitespace(save.charAt(le - 1))) {
        le--;
      }
      if (save.startsWith(addPrefix, ls) && le - ls >= addPrefix.length()) {
        int rs = ls + addPrefix.length();
        while (rs < le && Character.isWhitespace(save.charAt(rs))) {
          rs++;
        }
        int sp = save.indexOf(' ', rs);
        boolean bare = sp < 0 || sp >= le;
        boolean plain = elements.add(bytes, rs, bare ? le : sp) && bare;
        odd |= !plain;
        // A plain member parsed as a CIDR is safe to write back; check the others' text.
        if (plain || SAFE_MEMBER.matcher(save.subSequence(rs, le)).matches()) {
          if (2 * count + 2 > members.length) {
            members = Arrays.copyOf(members, members.length * 2);
          }
          members[2 * count] = rs;
          members[2 * count + 1] = le;
          count++;
        }
      } else if (save.startsWith(createPrefix, ls) && le - ls >= createPrefix.length()) {
        String[] t = save.substring(ls, le).split("\\s+");
        type = t.length > 2 ? t[2] : "";
        for (int i = 3; i < t.length; i++) {
          if (SAFE.matcher(t[i]).matches()) {
            options.add(t[i]);
          }
        }
      }
    }
    if (type == null) {
      return Optional.empty();
    }
    return Optional.of(new IpsetSet(type, ImmutableList.copyOf(options), elements.build(), odd,
        save, members, count));
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
   * (initval included) and its members as saved, options and all, in saved order.
   */
  void recreate(String as, StringBuilder out) {
    out.append("create ").append(as).append(' ').append(type);
    for (String o : options) {
      out.append(' ').append(o);
    }
    out.append('\n');
    for (int i = 0; i < memberCount; i++) {
      out.append("add ").append(as).append(' ').append(saved, members[2 * i],
          members[2 * i + 1]).append('\n');
    }
  }
}
