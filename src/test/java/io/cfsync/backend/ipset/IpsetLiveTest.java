package io.cfsync.backend.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.backend.Backend;
import io.cfsync.backend.Desired;
import io.cfsync.backend.XtChain;
import io.cfsync.backend.XtFlavour;
import io.cfsync.backend.XtLiveContract;
import io.cfsync.backend.XtTable;
import io.cfsync.exec.Command;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@Live(tools = {"iptables", "ip6tables", "ipset", "socat"})
class IpsetLiveTest extends XtLiveContract {

  @Override
  protected String backend() {
    return "ipset";
  }

  @Override
  protected Backend newBackend() {
    return new IpsetBackend();
  }

  /**
   * The set is read from {@code ipset list}, while the tool's own dump is {@code ipset save}:
   * the set rebuilt from what was listed (the swap-back after a failed run) must save exactly
   * as the original, header words and member options included. (A member whose comment
   * holds quotes is dropped from a rebuild by design, so it is not part of this check.)
   */
  @Test
  void aSetRebuiltFromItsListingSavesLikeTheOriginal() throws Exception {
    try (Netns net = Netns.create()) {
      var srv = net.server();
      srv.check(Command.of("ipset", "restore").withStdin("create cfsync-v4 hash:net family inet "
          + "hashsize 1024 maxelem 65536 counters comment\n"
          + "add cfsync-v4 192.0.2.0/24 packets 3 bytes 180\n"
          + "add cfsync-v4 198.51.100.0/25 nomatch\nadd cfsync-v4 203.0.113.7\n"));
      IpsetSet read = IpsetSet.parse(srv.check(Command.of("ipset", "list", "cfsync-v4"))
          .stdout(), "cfsync-v4").orElseThrow();
      assertThat(read.odd()).as("options and nomatch make it odd").isTrue();
      assertThat(read.compatible(Family.V4)).isTrue();
      StringBuilder rebuild = new StringBuilder();
      read.recreate("cfsync-t4", rebuild);
      srv.check(Command.of("ipset", "restore").withStdin(rebuild.toString()));
      assertThat(sorted(srv.check(Command.of("ipset", "save", "cfsync-t4")).stdout())
          .replace("cfsync-t4", "cfsync-v4").replaceAll(" initval 0x[0-9a-f]+", ""))
          .isEqualTo(sorted(srv.check(Command.of("ipset", "save", "cfsync-v4")).stdout())
              .replaceAll(" initval 0x[0-9a-f]+", ""))
          .contains("packets 3 bytes 180").contains("nomatch").contains("counters comment");
    }
  }

  private static String sorted(String save) {
    return save.lines().sorted().collect(java.util.stream.Collectors.joining("\n"));
  }

  /**
   * Whole: the set holds one list exactly (or does not exist), and the chain, when there,
   * matches it with its one jump. A set without chain (a first run killed between the two
   * tools) matches nothing yet; a leftover temporary set matches nothing ever.
   */
  @Override
  protected Backend legacyBackend() {
    return new IpsetBackend(XtFlavour.LEGACY);
  }

  @Override
  protected void assertWhole(Netns net, Family f, List<PrefixSet> lists, Desired shape) {
    String name = shape.naming().set(f);
    boolean exists = net.server().check(Command.of("ipset", "list", "-n")).stdout().lines()
        .anyMatch(name::equals);
    XtTable t = XtTable.parse(net.server().check(Command.of(f == Family.V4 ? "iptables-save"
        : "ip6tables-save", "-t", "filter")).stdout(), "filter");
    List<XtTable.Rule> jumps = t.referencesTo("CFSYNC").stream()
        .filter(r -> r.hasComment("cfsync")).toList();
    if (exists) {
      IpsetSet set = IpsetSet.parse(net.server().check(Command.of("ipset", "list", name))
          .stdout(), name).orElseThrow();
      assertThat(lists.stream().map(l -> l.only(f))).as("%s set content", f)
          .contains(set.content());
      assertThat(set.odd()).isFalse();
    }
    if (!t.hasChain("CFSYNC")) {
      assertThat(jumps).as("%s jump without chain", f).isEmpty();
      return;
    }
    assertThat(exists).as("%s chain refers to a set that exists", f).isTrue();
    Optional<XtChain> chain = XtChain.parse(t.rules("CFSYNC"));
    assertThat(chain).as("%s chain %s", f, t.rules("CFSYNC"))
        .contains(XtChain.desired(shape, f, PrefixSet.empty(), List.of(name)));
    assertThat(jumps).as("%s jumps", f).singleElement().satisfies(j -> assertThat(j.args())
        .isEqualTo(XtChain.jump(shape.hook(), shape.ports(), shape.naming())));
  }
}
