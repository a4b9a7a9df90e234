package io.cfsync.backend.iptables;

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
class IptablesLiveTest extends XtLiveContract {

  @Override
  protected String backend() {
    return "iptables";
  }

  @Override
  protected Backend newBackend() {
    return new IptablesBackend();
  }

  @Override
  protected Backend legacyBackend() {
    return new IptablesBackend(XtFlavour.LEGACY);
  }

  /** Whole: no chain and no jump, or the chain of one list exactly and its one jump. */
  @Override
  protected void assertWhole(Netns net, Family f, List<PrefixSet> lists, Desired shape) {
    XtTable t = XtTable.parse(net.server().check(Command.of(f == Family.V4 ? "iptables-save"
        : "ip6tables-save", "-t", "filter")).stdout(), "filter");
    List<XtTable.Rule> jumps = t.referencesTo("CFSYNC").stream()
        .filter(r -> r.hasComment("cfsync")).toList();
    if (!t.hasChain("CFSYNC")) {
      assertThat(jumps).as("%s jump without chain", f).isEmpty();
      return;
    }
    Optional<XtChain> chain = XtChain.parse(t.rules("CFSYNC"));
    assertThat(chain).as("%s chain %s", f, t.rules("CFSYNC")).isPresent();
    assertThat(lists.stream().map(l -> XtChain.desired(shape.withPrefixes(l), f, l,
        List.of()))).as("%s chain is one of the lists", f).contains(chain.get());
    assertThat(jumps).as("%s jumps", f).singleElement().satisfies(j -> assertThat(j.args())
        .isEqualTo(XtChain.jump(shape.hook(), shape.ports(), shape.naming())));
  }
}
