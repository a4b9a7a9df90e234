package io.cfsync.template;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Compares the groups a file allows with the current lists, by the addresses they cover
 * (never by text: 104.16.0.0/12 covers today's 104.16.0.0/13 and 104.24.0.0/14, and also
 * 104.28.0.0/14, which Cloudflare no longer lists).
 */
public final class Checker {

  /** A prefix missing from a group, or a stale part of one of its entries. */
  public record Finding(Family family, Prefix prefix, int line, String group,
      Optional<String> entry) {}

  /** One group as compared. */
  public record Compared(Group group, Family family, int entries, ImmutableList<Finding> missing,
      ImmutableList<Finding> stale) {}

  /** The comparison of one file. */
  public record Result(ImmutableList<Compared> groups, ImmutableList<Finding> missing,
      ImmutableList<Finding> stale, ImmutableList<Family> absent) {
    public boolean current() {
      return missing.isEmpty() && stale.isEmpty();
    }
  }

  private Checker() {}

  /**
   * Whether a group without cfsync's marker or name holds Cloudflare's list: at least two of
   * its entries, and at least half, overlap the current ranges. A fail2ban set that happens
   * to ban one edge address, or an office allowlist, does not.
   */
  public static boolean looksLikeCloudflare(Group g, PrefixSet current) {
    if (g.owned()) {
      return true;
    }
    int overlap = 0;
    for (Entry e : g.entries()) {
      if (!e.covers().intersection(current).isEmpty()) {
        overlap++;
      }
    }
    return overlap >= 2 && overlap * 2 >= g.entries().size();
  }

  /**
   * @param required families that must appear in the file (an explicit {@code --family});
   *     others are compared only where the file has them
   */
  public static Result compare(List<Group> found, PrefixSet current, Set<Family> selected,
      Set<Family> required) {
    List<Compared> compared = new ArrayList<>();
    List<Finding> missing = new ArrayList<>();
    List<Finding> stale = new ArrayList<>();
    Set<Family> seen = EnumSet.noneOf(Family.class);
    for (Group g : found) {
      if (!looksLikeCloudflare(g, current)) {
        continue;
      }
      for (Family f : Family.values()) {
        if (!selected.contains(f) || !g.families().contains(f)) {
          continue;
        }
        seen.add(f);
        Compared c = compare(g, f, current.only(f));
        compared.add(c);
        missing.addAll(c.missing());
        stale.addAll(c.stale());
      }
    }
    List<Family> absent = new ArrayList<>();
    for (Family f : Family.values()) {
      if (required.contains(f) && !seen.contains(f)) {
        absent.add(f);
        for (Prefix p : current.prefixes(f)) {
          missing.add(new Finding(f, p, 0, "the file", Optional.empty()));
        }
      }
    }
    return new Result(ImmutableList.copyOf(compared), ImmutableList.copyOf(missing),
        ImmutableList.copyOf(stale), ImmutableList.copyOf(absent));
  }

  static Compared compare(Group g, Family f, PrefixSet want) {
    int n = 0;
    List<Entry> counted = new ArrayList<>();
    List<Prefix> parts = new ArrayList<>();
    for (Entry e : g.entries()) {
      if (e.family() != f || local(e)) {
        continue;
      }
      n++;
      counted.add(e);
      parts.addAll(e.covers().prefixes(f));
    }
    // One collapse for the whole group: a union per entry would be quadratic in big files.
    PrefixSet covered = PrefixSet.of(parts);
    List<Finding> missing = new ArrayList<>();
    for (Prefix p : want.difference(covered).prefixes(f)) {
      missing.add(new Finding(f, p, g.line(), g.what(), Optional.empty()));
    }
    List<Finding> stale = new ArrayList<>();
    PrefixSet extra = covered.difference(want);
    PrefixSet reported = PrefixSet.empty();
    for (Entry e : extra.isEmpty() ? List.<Entry>of() : counted) {
      PrefixSet part = e.covers().intersection(extra).difference(reported);
      for (Prefix p : part.prefixes(f)) {
        stale.add(new Finding(f, p, e.line(), g.what(), Optional.of(e.text())));
      }
      reported = reported.union(part);
    }
    return new Compared(g, f, n, ImmutableList.copyOf(missing), ImmutableList.copyOf(stale));
  }

  /**
   * Private, loopback, link-local and ULA addresses are the operator's own (a local proxy in
   * {@code set_real_ip_from}, a LAN in an allowlist): Cloudflare never lists them, so they
   * are neither compared nor stale.
   */
  static boolean local(Entry e) {
    Prefix p = e.covers().prefixes(e.family()).get(0);
    InetAddress a = p.network();
    byte[] b = a.getAddress();
    boolean ula = b.length == 16 && (b[0] & 0xfe) == 0xfc;
    boolean cgnat = b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
    // 0.0.0.0/0 starts at the "any" address but is everyone: stale, never the operator's own.
    boolean unspecified = a.isAnyLocalAddress() && p.length() == e.family().bits();
    return a.isSiteLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress()
        || unspecified || ula || cgnat;
  }

  static final ImmutableSet<Family> BOTH = ImmutableSet.of(Family.V4, Family.V6);
}
