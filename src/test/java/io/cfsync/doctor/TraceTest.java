package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceTest {

  private static List<Trace.Packet> packets() {
    Trace t = new Trace();
    Fixtures.text("nft-monitor-trace.txt").lines().forEach(t::accept);
    return t.packets();
  }

  @Test
  void groupsEventsByTraceIdWithTheSynsAddressesAndPorts() {
    List<Trace.Packet> p = packets();
    assertThat(p).hasSize(3);
    assertThat(p.get(0).saddr()).isEqualTo(InetAddresses.forString("173.245.48.1"));
    assertThat(p.get(0).daddr()).isEqualTo(InetAddresses.forString("192.0.2.1"));
    assertThat(p.get(0).dport()).isEqualTo(80);
    assertThat(p.get(0).sport()).isEqualTo(52853);
    assertThat(p.get(0).neighbourDiscovery()).isFalse();
  }

  @Test
  void anAcceptedSynHasNoDropButNamesItsAcceptingRule() {
    Trace.Packet ok = packets().get(0);
    assertThat(ok.drop()).isEmpty();
    assertThat(ok.accepts()).extracting(Trace.Event::describe)
        .containsExactly("inet filter input rule tcp dport 80 ip saddr @cf4 accept");
  }

  @Test
  void aPolicyDropIsTheDecider() {
    Trace.Packet dropped = packets().get(1);
    assertThat(dropped.saddr()).isEqualTo(InetAddresses.forString("104.16.0.1"));
    assertThat(dropped.drop()).hasValueSatisfying(e -> {
      assertThat(e.kind()).isEqualTo(Trace.Kind.POLICY);
      assertThat(e.describe()).isEqualTo("inet filter input policy drop");
    });
  }

  @Test
  void ruleVerdictsAreReadAndCountersLeftOut() {
    Trace t = new Trace();
    t.accept("trace id 1 ip filter INPUT packet: iif \"eth0\" ip saddr 2606:4700::1 ip daddr "
        + "2001:db8::1 tcp sport 4000 tcp dport 443 tcp flags == syn");
    t.accept("trace id 1 ip filter INPUT rule meta l4proto tcp tcp dport { 80, 443 } xt match "
        + "set counter packets 3 bytes 180 reject (verdict drop)");
    t.accept("not a trace line");
    Trace.Packet p = t.packets().get(0);
    assertThat(p.drop()).hasValueSatisfying(e -> assertThat(e.describe()).isEqualTo(
        "ip filter INPUT rule meta l4proto tcp tcp dport { 80, 443 } xt match set reject"));
  }

  @Test
  void neighbourDiscoveryPacketsHaveNoPorts() {
    Trace t = new Trace();
    t.accept("trace id 9 netdev cfsyncdoctor in packet: iif \"eth0\" ip6 saddr fe80::c ip6 "
        + "daddr ff02::1:ff00:1 ip6 nexthdr ipv6-icmp icmpv6 type nd-neighbor-solicit");
    t.accept("trace id 9 inet filter input policy drop ");
    Trace.Packet p = t.packets().get(0);
    assertThat(p.neighbourDiscovery()).isTrue();
    assertThat(p.dport()).isEqualTo(-1);
    assertThat(p.drop()).isPresent();
  }
}
