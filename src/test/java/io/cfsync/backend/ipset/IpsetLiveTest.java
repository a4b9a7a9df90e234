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
      IpsetSet set = IpsetSet.parse(net.server().check(Command.of("ipset", "save", name))
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
