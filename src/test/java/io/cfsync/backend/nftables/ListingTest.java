package io.cfsync.backend.nftables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfsync.error.BackendFailure;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import org.junit.jupiter.api.Test;

class ListingTest {

  @Test
  void readsElementsAsPrefixesRangesBareAddressesAndWrappedElements() {
    // The wrapped element carries a counter: counted, but not an element cfsync writes.
    String json = "{\"nftables\": [{\"metainfo\": {}}, {\"set\": {\"family\": \"inet\", "
        + "\"name\": \"s\", \"table\": \"t\", \"type\": \"ipv4_addr\", \"handle\": 1, "
        + "\"flags\": [\"interval\"], \"elem\": [\"192.0.2.1\", {\"prefix\": {\"addr\": "
        + "\"198.51.100.0\", \"len\": 24}}, {\"range\": [\"203.0.113.0\", \"203.0.113.127\"]}, "
        + "{\"elem\": {\"val\": {\"prefix\": {\"addr\": \"10.0.0.0\", \"len\": 8}}, "
        + "\"counter\": {\"packets\": 1, \"bytes\": 60}}}]}}]}";
    Listing.SetObj s = Listing.parse(json).sets().get(0);
    assertThat(s.elementsUnderstood()).isFalse();
    assertThat(s.content()).isEqualTo(PrefixSet.of(Prefix.parse("192.0.2.1/32"),
        Prefix.parse("198.51.100.0/24"), Prefix.parse("203.0.113.0/25"),
        Prefix.parse("10.0.0.0/8")));
  }

  @Test
  void anElementOfTheWrongFamilyOrShapeIsNotUnderstood() {
    String json = "{\"nftables\": [{\"set\": {\"name\": \"s\", \"table\": \"t\", "
        + "\"type\": \"ipv4_addr\", \"elem\": [\"2001:db8::1\"]}}, {\"set\": {\"name\": \"u\", "
        + "\"table\": \"t\", \"type\": \"ipv4_addr\", \"elem\": [{\"concat\": [1, 2]}]}}]}";
    assertThat(Listing.parse(json).sets()).extracting(Listing.SetObj::elementsUnderstood)
        .containsExactly(false, false);
  }

  @Test
  void setAttributesBeyondTypeFlagsAndCommentMarkTheSetAsReshaped() {
    Listing l = Listing.parse(NftTesting.resource(
        "nftables/listings/variant-automerge-counters.json"));
    assertThat(l.sets()).extracting(Listing.SetObj::name, Listing.SetObj::plain)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("cfsync-v4", true),
            org.assertj.core.groups.Tuple.tuple("cfsync-v6", false));
    assertThat(l.sets().get(1).family()).contains(Family.V6);
  }

  @Test
  void jsonItCannotReadIsABackendFailureNotACrash() {
    assertThatThrownBy(() -> Listing.parse("Error: not json")).isInstanceOf(
        BackendFailure.class).hasMessageContaining("nft -j");
    assertThatThrownBy(() -> Listing.parse("{\"nftables\": [{\"rule\": 5}]}"))
        .isInstanceOf(BackendFailure.class);
  }

  @Test
  void textListingGivesTheSameAddressesAsJson() {
    for (String name : java.util.List.of("restrict-cf", "restrict-2021",
        "restrict-docker-user-reject")) {
      Listing json = Listing.parse(NftTesting.resource("nftables/listings/" + name + ".json"));
      Listing text = Listing.parse(NftTesting.resource("nftables/listings/" + name
          + ".ruleset-terse.json")).ofTable("cfsync").withElements(TextElements.parse(
          NftTesting.resource("nftables/listings/" + name + ".txt")));
      assertThat(text.sets()).as(name).isEqualTo(json.sets());
      assertThat(text.rules()).extracting(Listing.RuleObj::spec).as(name)
          .isEqualTo(json.rules().stream().map(Listing.RuleObj::spec).toList());
    }
    assertThat(Listing.parse(NftTesting.resource("nftables/listings/restrict-cf.json")).sets()
        .stream().map(Listing.SetObj::content).reduce(PrefixSet.empty(), PrefixSet::union))
        .isEqualTo(NftTesting.cloudflare());
  }

  @Test
  void textElementsWithAnnotationsCountButAreNotCfsyncs() {
    var found = TextElements.parse(NftTesting.resource(
        "nftables/listings/variant-automerge-counters.txt"));
    assertThat(found.get("cfsync-v4").understood).isTrue();
    assertThat(found.get("cfsync-v4").coverage(Family.V4).toPrefixSet()).isEqualTo(
        PrefixSet.of(Prefix.parse("1.1.1.1/32"), Prefix.parse("104.16.0.0/13"),
            Prefix.parse("104.24.0.0/14"), Prefix.parse("198.41.128.0/17")));
    assertThat(found.get("cfsync-v6").understood).isFalse();
    assertThat(found.get("cfsync-v6").coverage(Family.V6).toPrefixSet()).isEqualTo(
        PrefixSet.of(Prefix.parse("2400:cb00::/32"), Prefix.parse("2606:4700::/31")));
    var bad = TextElements.parse("table inet t {\n\tset s {\n\t\ttype ipv4_addr\n"
        + "\t\telements = { 1.2.3.4/33, 10.0.0.1-10.0.0.0, \"x}\" }\n\t}\n}\n");
    assertThat(bad.get("s").understood).isFalse();
  }
}
