package io.cfsync.bench;

import com.google.common.base.Stopwatch;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.template.Checker;
import io.cfsync.template.Finder;
import io.cfsync.template.InPlace;
import io.cfsync.template.Kind;
import io.cfsync.template.Renderer;
import io.cfsync.template.Settings;
import io.cfsync.template.Template;
import io.cfsync.template.Text;
import io.cfsync.text.UnifiedDiff;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Prints how long render, check and an in-place rewrite take on a large nftables.conf
 * (COUNT IPv4 /24s, default 100,000): render it, check it against the same list (current)
 * and against the list minus one prefix (one stale), rewrite it in place, diff the two.
 * Asserts nothing. Run: {@code java -cp target/test-classes:target/classes:DEPS
 * io.cfsync.bench.TemplateBench [COUNT [ROUNDS]]} (DEPS from {@code bin/bench}'s classpath).
 */
public final class TemplateBench {

  public static void main(String[] args) {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Random rnd = new Random(42);
    List<Prefix> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      // /24s in 11.0.0.0-99.255.255.0: public, distinct enough, never collapsing much.
      long base = (11L << 24) + (long) rnd.nextInt(89 << 16) * 256;
      list.add(Prefix.of(Family.V4, BigInteger.valueOf(base), 24));
    }
    PrefixSet all = PrefixSet.of(list);
    PrefixSet less = all.difference(PrefixSet.of(all.prefixes().get(count / 2)));
    Settings full = settings(all);
    Settings fewer = settings(less);
    Renderer r = new Renderer(Template.builtin(Kind.NFTABLES), Kind.NFTABLES, "bench");
    System.out.printf(Locale.ROOT, "%d IPv4 prefixes (%d after collapse), %d rounds%n", count,
        all.prefixCount(Family.V4), rounds);
    for (int round = 1; round <= rounds; round++) {
      Stopwatch sw = Stopwatch.createStarted();
      String rendered = r.render(full);
      long renderMs = sw.elapsed().toMillis();
      Text t = Text.ofString(rendered);
      sw.reset().start();
      Checker.Result cur = Checker.compare(Finder.find("f", t, Kind.NFTABLES, Naming.DEFAULT)
          .groups(), all, Set.of(Family.V4), Set.of());
      long checkMs = sw.elapsed().toMillis();
      sw.reset().start();
      Checker.Result drift = Checker.compare(Finder.find("f", t, Kind.NFTABLES,
          Naming.DEFAULT).groups(), less, Set.of(Family.V4), Set.of());
      long driftMs = sw.elapsed().toMillis();
      sw.reset().start();
      InPlace.Outcome o = InPlace.rewrite("f", t, r, fewer);
      long inPlaceMs = sw.elapsed().toMillis();
      sw.reset().start();
      String d = UnifiedDiff.diff("f", "f", t.chars(), o.text());
      long diffMs = sw.elapsed().toMillis();
      System.out.printf(Locale.ROOT, "round %d: render %d ms (%d KiB), check current %d ms "
          + "(%s), check drift %d ms (%d stale), in-place %d ms, diff %d ms (%d lines)%n",
          round, renderMs, rendered.length() / 1024, checkMs, cur.current() ? "current"
          : "DRIFT?", driftMs, drift.stale().size(), inPlaceMs, diffMs, d.lines().count());
    }
    Runtime rt = Runtime.getRuntime();
    System.out.printf(Locale.ROOT, "heap used after: %d MiB (max %d MiB)%n",
        (rt.totalMemory() - rt.freeMemory()) >> 20, rt.maxMemory() >> 20);
  }

  private static Settings settings(PrefixSet p) {
    return new Settings(p, ImmutableSet.of(Family.V4), ImmutableList.of(PortRange.of(443)),
        Policy.RESTRICT, Hook.INPUT, Action.DROP, PrefixSet.empty(), Naming.DEFAULT, "inet",
        "filter", "input");
  }
}
