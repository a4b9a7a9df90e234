package io.cfsync.backend.ipset;

import com.google.common.collect.ImmutableList;
import io.cfsync.backend.Cidrs;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One set as {@code ipset save NAME} prints it: the {@code create} line's type and options,
 * and the elements as address coverage. {@code odd} marks elements with options
 * ({@code nomatch}, {@code timeout}): cfsync never writes them, and they change what the set
 * matches, so such a set is rewritten rather than trusted.
 */
record IpsetSet(String name, String type, ImmutableList<String> options, PrefixSet content,
    ImmutableList<String> members, boolean odd) {

  /** Option words a re-created set may carry: anything else from the kernel is dropped. */
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  /** A member as saved, with its options ({@code 192.0.2.0/24 nomatch}). */
  private static final Pattern SAFE_MEMBER =
      Pattern.compile("[A-Za-z0-9_.:/-]+( [A-Za-z0-9_.:-]+)*");

  IpsetSet {
    options = ImmutableList.copyOf(options);
    members = ImmutableList.copyOf(members);
  }

  static Optional<IpsetSet> parse(String save, String name) {
    String type = null;
    List<String> options = new ArrayList<>();
    Cidrs.Collector elements = new Cidrs.Collector();
    List<String> members = new ArrayList<>();
    boolean odd = false;
    String addPrefix = "add " + name + " ";
    for (String raw : save.split("\n")) {
      String line = raw.strip();
      if (line.startsWith(addPrefix)) {
        String rest = line.substring(addPrefix.length()).strip();
        int sp = rest.indexOf(' ');
        String elem = sp < 0 ? rest : rest.substring(0, sp);
        boolean plain = elements.add(elem) && sp < 0;
        odd |= !plain;
        // A plain member parsed as a CIDR is safe to write back; check the others' text.
        if (plain || SAFE_MEMBER.matcher(rest).matches()) {
          members.add(rest);
        }
      } else if (line.startsWith("create " + name + " ")) {
        String[] t = line.split("\\s+");
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
    return Optional.of(new IpsetSet(name, type, ImmutableList.copyOf(options),
        elements.build(), ImmutableList.copyOf(members), odd));
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
    for (String m : members) {
      out.append("add ").append(as).append(' ').append(m).append('\n');
    }
  }
}
