package io.cfsync.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import com.google.common.primitives.Bytes;
import io.cfsync.backend.Action;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.error.BackendFailure;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import io.cfsync.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** In-place rewrites touch only cfsync's region: every other byte stays as it was. */
class InPlaceTest {

  static Settings settings(ImmutableSet<Family> families) {
    PrefixSet all = PrefixSet.of(Fixtures.all());
    PrefixSet p = PrefixSet.empty();
    for (Family f : families) {
      p = p.union(all.only(f));
    }
    return new Settings(p, families, ImmutableList.of(PortRange.of(80), PortRange.of(443)),
        Policy.ALLOW, Hook.INPUT, Action.DROP, PrefixSet.empty(), Naming.DEFAULT, "inet",
        "filter", "input");
  }

  static Settings both() {
    return settings(ImmutableSet.of(Family.V4, Family.V6));
  }

  static Renderer renderer(Kind k) {
    return new Renderer(Template.builtin(k), k, "test");
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void markerBlockRewriteKeepsEveryOtherByteIncludingNonUtf8AndNoFinalNewline() {
    byte[] head = Bytes.concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf},
        bytes("# caf\u00e9 in Latin-1: \u00e9\n\tserver {\n  \t# BEGIN cfsync ipv4\n"));
    byte[] old = bytes("  \tset_real_ip_from 1.2.3.0/24;\n");
    byte[] tail = bytes("  \t# END cfsync ipv4\n\t}   \n# trailing, no newline");
    Text t = Text.ofBytes(Bytes.concat(head, old, tail));
    InPlace.Outcome o = InPlace.rewrite("f", t, renderer(Kind.NGINX), settings(
        ImmutableSet.of(Family.V4)));
    byte[] out = bytes(o.text());
    assertThat(Arrays.copyOfRange(out, 0, head.length)).isEqualTo(head);
    assertThat(Arrays.copyOfRange(out, out.length - tail.length, out.length)).isEqualTo(tail);
    String middle = new String(out, head.length, out.length - head.length - tail.length,
        StandardCharsets.ISO_8859_1);
    assertThat(middle.lines()).hasSize(15).allMatch(l -> l.startsWith("  \tset_real_ip_from "));
    assertThat(middle).startsWith("  \tset_real_ip_from 103.21.244.0/22;\n")
        .endsWith("  \tset_real_ip_from 198.41.128.0/17;\n");
  }

  @Test
  void crlfFileKeepsCrlfInsideTheBlockAndIsIdempotent() {
    String file = "# ops notes\r\n# BEGIN cfsync ipv4\r\nset_real_ip_from 1.2.3.0/24;\r\n"
        + "# END cfsync ipv4\r\n# BEGIN cfsync ipv6\r\n# END cfsync ipv6\r\n"
        + "real_ip_header CF-Connecting-IP;\r\n";
    InPlace.Outcome o = InPlace.rewrite("f", Text.ofBytes(bytes(file)), renderer(Kind.NGINX),
        both());
    assertThat(o.text()).startsWith("# ops notes\r\n# BEGIN cfsync ipv4\r\n"
        + "set_real_ip_from 103.21.244.0/22;\r\n")
        .contains("set_real_ip_from 2c0f:f248::/32;\r\n# END cfsync ipv6\r\n")
        .endsWith("real_ip_header CF-Connecting-IP;\r\n");
    assertThat(o.text().replace("\r\n", "")).doesNotContain("\n");
    assertThat(o.text().split("\r\n")).hasSize(2 + 15 + 2 + 7 + 2);
    InPlace.Outcome again = InPlace.rewrite("f", Text.ofBytes(bytes(o.text())),
        renderer(Kind.NGINX), both());
    assertThat(again.text()).isEqualTo(o.text());
  }

  @Test
  void unlabelledBlockTakesEveryTemplateBlockReindented() {
    String file = "http {\n    # BEGIN cfsync\n    # END cfsync\n}\n";
    InPlace.Outcome o = InPlace.rewrite("f", Text.ofBytes(bytes(file)), renderer(Kind.NGINX),
        both());
    assertThat(o.text().lines().filter(l -> l.startsWith("    set_real_ip_from "))).hasSize(22);
    assertThat(o.text()).startsWith("http {\n    # BEGIN cfsync\n    set_real_ip_from "
        + "103.21.244.0/22;\n").endsWith("    set_real_ip_from 2c0f:f248::/32;\n"
        + "    # END cfsync\n}\n");
  }

  @Test
  void blockOfAnUnselectedFamilyIsLeftAlone() {
    String v6 = "# BEGIN cfsync ipv6\nset_real_ip_from 2001:db8::/32;\n# END cfsync ipv6\n";
    String file = "# BEGIN cfsync ipv4\n# END cfsync ipv4\n" + v6;
    InPlace.Outcome o = InPlace.rewrite("f", Text.ofBytes(bytes(file)), renderer(Kind.NGINX),
        settings(ImmutableSet.of(Family.V4)));
    assertThat(o.text()).endsWith("# END cfsync ipv4\n" + v6);
    assertThat(o.notes()).singleElement().asString().contains("f:3: block ipv6 left as it is");
  }

  @Test
  void unknownLabelIsAnErrorNamingFileLineAndTheTemplatesBlocks() {
    String file = "a\n# BEGIN cfsync office\n# END cfsync office\n";
    assertThatThrownBy(() -> InPlace.rewrite("f", Text.ofBytes(bytes(file)),
        renderer(Kind.NGINX), both())).isInstanceOf(BackendFailure.class)
        .hasMessage("f:2: block \"office\" has no counterpart in template built-in "
            + "nginx-realip.conf.mustache (it has: ipv4, ipv6); fix the label or use --template");
  }

  @Test
  void perFamilyKindGetsEachFamilysBlockFromItsOwnRendering() {
    String file = "*filter\n:CFSYNC - [0:0]\n# BEGIN cfsync ipv4\n# END cfsync ipv4\n"
        + "COMMIT\n";
    InPlace.Outcome o = InPlace.rewrite("rules.v4", Text.ofBytes(bytes(file)),
        renderer(Kind.IPTABLES), both());
    assertThat(o.text()).contains("# BEGIN cfsync ipv4\n-A CFSYNC -s 103.21.244.0/22 -j ACCEPT\n")
        .doesNotContain("2400:cb00");
  }

  @Test
  void nftSetElementsAreRewrittenWithoutMarkersKeepingCommentsAroundThem() {
    String head = "#!/usr/sbin/nft -f\r\n# keep me { 1.2.3.4 }\r\ntable inet filter {\r\n"
        + "\tset cfsync-v4 {\r\n\t\ttype ipv4_addr # why: edge\r\n\t\tflags interval\r\n"
        + "\t\telements = {";
    String mid = "\r\n\t\t\t173.245.48.0/20, # old\r\n\t\t\t104.16.0.0/12\r\n\t\t";
    String tail = "}\r\n\t}\r\n\tset cfsync-v6 { type ipv6_addr; flags interval; elements = {";
    String mid6 = " 2400:cb00::/32 ";
    String tail6 = "} }\r\n\tset other { type ipv4_addr; elements = { 104.16.0.0/12 } }\r\n}";
    String file = head + mid + tail + mid6 + tail6;
    InPlace.Outcome o = InPlace.rewrite("nft", Text.ofBytes(bytes(file)),
        renderer(Kind.NFTABLES), both());
    assertThat(o.text()).startsWith(head + "\r\n\t\t\t103.21.244.0/22,\r\n")
        .contains("\t\t\t198.41.128.0/17,\r\n\t\t" + tail + " 2400:cb00::/32, 2405:8100::/32, ")
        .endsWith(", 2c0f:f248::/32 " + tail6);
    assertThat(o.regions()).isEqualTo(2);
  }

  @Test
  void fileWithNothingToRewriteIsAnErrorThatSaysHowToMarkIt() {
    assertThatThrownBy(() -> InPlace.rewrite("conf", Text.ofBytes(bytes("table inet f {}\n")),
        renderer(Kind.NFTABLES), both())).isInstanceOf(BackendFailure.class)
        .hasMessageContaining("conf has no \"# BEGIN cfsync\" block and no nft set "
            + "cfsync-v4/cfsync-v6 with elements");
  }

  @Test
  void strayMarkersAreErrorsWithLines() {
    assertThatThrownBy(() -> Blocks.find("x", Text.ofBytes(bytes("a\n# END cfsync\n"))))
        .hasMessageStartingWith("x:2: \"# END cfsync\" without a BEGIN");
    assertThatThrownBy(() -> Blocks.find("x", Text.ofBytes(bytes(
        "# BEGIN cfsync a\n# BEGIN cfsync b\n")))).hasMessageStartingWith("x:2: ");
    assertThatThrownBy(() -> Blocks.find("x", Text.ofBytes(bytes(
        "# BEGIN cfsync a\n# END cfsync b\n")))).hasMessageContaining("make the labels match");
  }

  @Test
  void perFamilyTemplateThatAlwaysWritesBothBlocksFillsEachFromItsFamily() {
    Template t = Template.compile("mine", "# BEGIN cfsync ipv4\n{{#ipv4}}\n-s {{cidr}}\n"
        + "{{/ipv4}}\n# END cfsync ipv4\n# BEGIN cfsync ipv6\n{{#ipv6}}\n-s {{cidr}}\n"
        + "{{/ipv6}}\n# END cfsync ipv6\n");
    String file = "# BEGIN cfsync ipv4\n# END cfsync ipv4\n# BEGIN cfsync ipv6\n"
        + "# END cfsync ipv6\n";
    InPlace.Outcome o = InPlace.rewrite("f", Text.ofBytes(bytes(file)),
        new Renderer(t, Kind.IPTABLES, "t"), both());
    assertThat(o.text().lines().filter(l -> l.startsWith("-s "))).hasSize(22);
    assertThat(o.text()).contains("-s 2c0f:f248::/32\n# END cfsync ipv6\n");
  }
}
