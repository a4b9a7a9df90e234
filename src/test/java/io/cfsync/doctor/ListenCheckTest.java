package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableListMultimap;
import com.google.common.collect.ImmutableMap;
import com.google.common.net.InetAddresses;
import io.cfsync.model.Family;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Listening sockets from the captured /proc fixture, judged against different hosts. */
class ListenCheckTest {

  private static final HostNet PUBLIC_HOST = host("203.0.113.5/24", "2001:db8::5/64");
  private static final HostNet NAT_HOST = host("10.0.0.5/24");
  private static final HostNet V4_ONLY_HOST = host("203.0.113.5/24");

  static HostNet host(String... cidrs) {
    List<HostNet.IfAddr> addrs = new ArrayList<>();
    for (String c : cidrs) {
      String[] p = c.split("/");
      addrs.add(new HostNet.IfAddr(InetAddresses.forString(p[0]), Integer.parseInt(p[1])));
    }
    return new HostNet(ImmutableList.of(
        new HostNet.Iface("lo", ImmutableList.of(
            new HostNet.IfAddr(InetAddresses.forString("127.0.0.1"), 8),
            new HostNet.IfAddr(InetAddresses.forString("::1"), 128))),
        new HostNet.Iface("eth0", ImmutableList.copyOf(addrs))),
        ImmutableMap.of(Family.V4, "eth0"));
  }

  static ImmutableList<ListenSocket> fixtureSockets() {
    List<ListenSocket> all = new ArrayList<>();
    all.addAll(ProcNetTcp.parse(Fixtures.text("proc-netns/net/tcp"), false,
        ByteOrder.LITTLE_ENDIAN));
    all.addAll(ProcNetTcp.parse(Fixtures.text("proc-netns/net/tcp6"), true,
        ByteOrder.LITTLE_ENDIAN));
    return ImmutableList.copyOf(all);
  }

  private static final ImmutableListMultimap<Long, SocketOwners.Owner> OWNERS =
      ImmutableListMultimap.of(498459L, new SocketOwners.Owner(812, "nginx",
          Optional.of("nginx.service")), 498450L, new SocketOwners.Owner(901, "caddy",
          Optional.empty()));

  private static ListenCheck check(HostNet net, boolean ssKnowsV6only, Optional<Boolean> sysctl) {
    return new ListenCheck(new ListenCheck.Sockets(fixtureSockets(), OWNERS,
        ssKnowsV6only ? SsV6Only.parse(Fixtures.text("ss-ltne.txt")) : ImmutableMap.of(),
        sysctl), net);
  }

  private static ListenCheck check(HostNet net) {
    return check(net, true, Optional.of(false));
  }

  @Test
  void aWildcardListenerIsOkAndNamesItsProcessAndUnit() {
    Finding f = check(PUBLIC_HOST).judge(80, Family.V4);
    assertThat(f.status()).isEqualTo(Status.OK);
    assertThat(f.name()).isEqualTo("listen 80/ipv4");
    assertThat(f.message()).isEqualTo("nginx (pid 812, nginx.service) listens on 0.0.0.0:80");
    assertThat(check(PUBLIC_HOST).judge(80, Family.V6).message()).contains("[::]:80");
  }

  @Test
  void aLoopbackOnlyListenerIsThe521ItIs() {
    Finding f = check(PUBLIC_HOST).judge(443, Family.V4);
    assertThat(f.status()).isEqualTo(Status.FAIL);
    assertThat(f.message()).isEqualTo("caddy (pid 901) listens only on 127.0.0.1:443: "
        + "Cloudflare cannot reach it (521)");
    assertThat(f.fix()).hasValueSatisfying(x -> assertThat(x).contains("`listen 443;`")
        .contains("not 127.0.0.1:443"));
  }

  @Test
  void aV4MappedLoopbackBindingCountsAsIpv4LoopbackOnly() {
    Finding f = check(PUBLIC_HOST).judge(8443, Family.V4);
    assertThat(f.status()).isEqualTo(Status.FAIL);
    assertThat(f.message()).contains("[::ffff:127.0.0.1]:8443");
    assertThat(check(PUBLIC_HOST).judge(8443, Family.V6).message())
        .startsWith("nothing listens on port 8443 over IPv6");
  }

  @Test
  void anIpv6LoopbackListenerFailsForIpv6() {
    Finding f = check(PUBLIC_HOST).judge(8080, Family.V6);
    assertThat(f.status()).isEqualTo(Status.FAIL);
    assertThat(f.message()).contains("only on [::1]:8080");
  }

  @Test
  void aDualStackWildcardServesIpv4WhenSsSaysV6onlyIsOff() {
    Finding f = check(PUBLIC_HOST).judge(8444, Family.V4);
    assertThat(f.status()).isEqualTo(Status.OK);
    assertThat(f.message()).contains("[::]:8444").contains("takes IPv4 too");
  }

  @Test
  void aV6onlyWildcardDoesNotServeIpv4() {
    ListenCheck.Sockets only6 = new ListenCheck.Sockets(fixtureSockets().stream()
        .filter(s -> !(s.port() == 80 && !s.v6Table())).collect(ImmutableList.toImmutableList()),
        OWNERS, SsV6Only.parse(Fixtures.text("ss-ltne.txt")), Optional.of(false));
    Finding f = new ListenCheck(only6, PUBLIC_HOST).judge(80, Family.V4);
    assertThat(f.status()).isEqualTo(Status.FAIL);
    assertThat(f.message()).isEqualTo("nothing listens on port 80 over IPv4: Cloudflare gets 521");
  }

  @Test
  void withoutSsTheDualStackIsOnlyPresumedAndSaysSo() {
    Finding f = check(PUBLIC_HOST, false, Optional.of(false)).judge(8444, Family.V4);
    assertThat(f.status()).isEqualTo(Status.WARN);
    assertThat(f.message()).contains("IPV6_V6ONLY");
    Finding strict = check(PUBLIC_HOST, false, Optional.of(true)).judge(8444, Family.V4);
    assertThat(strict.status()).isEqualTo(Status.FAIL);
  }

  @Test
  void aPrivateBindingFailsOnAHostWithAPublicAddressButNotBehindNat() {
    Finding pub = check(PUBLIC_HOST).judge(81, Family.V4);
    assertThat(pub.status()).isEqualTo(Status.FAIL);
    assertThat(pub.message()).contains("private 10.0.0.5:81").contains("203.0.113.5");
    Finding nat = check(NAT_HOST).judge(81, Family.V4);
    assertThat(nat.status()).isEqualTo(Status.OK);
    assertThat(nat.message()).contains("no public IPv4 address");
  }

  @Test
  void aSpecificPublicBindingIsOk() {
    assertThat(check(PUBLIC_HOST).judge(83, Family.V4).status()).isEqualTo(Status.OK);
    assertThat(check(PUBLIC_HOST).judge(82, Family.V6).status()).isEqualTo(Status.OK);
  }

  @Test
  void missingIpv6ListenerIsAWarningWhenIpv4IsServedAndNothingWithoutIpv6() {
    Finding warn = check(PUBLIC_HOST).judge(443, Family.V6);
    assertThat(warn.status()).isEqualTo(Status.WARN);
    assertThat(warn.message()).contains("AAAA");
    Finding none = check(V4_ONLY_HOST).judge(443, Family.V6);
    assertThat(none.status()).isEqualTo(Status.OK);
    assertThat(none.message()).contains("no IPv6 address besides loopback/link-local");
  }

  @Test
  void nothingListeningIsAFailWithTheFix() {
    Finding f = check(PUBLIC_HOST).judge(9000, Family.V4);
    assertThat(f.status()).isEqualTo(Status.FAIL);
    assertThat(f.fix()).hasValueSatisfying(x -> assertThat(x).contains("start the web server"));
  }

  @Test
  void runJudgesEveryPortInBothFamilies() {
    assertThat(check(PUBLIC_HOST).run(List.of(80, 443)).stream().map(Finding::name))
        .containsExactly("listen 80/ipv4", "listen 80/ipv6", "listen 443/ipv4",
            "listen 443/ipv6");
  }

  @Test
  void aPortDnatedToAContainerNeedsNoListenerHere() {
    var dnat = java.util.Map.of(8000, List.of(new RulesetSnapshot.Dnat(
        InetAddresses.forString("10.100.200.10"), Optional.of(8000), ImmutableList.of(8000))));
    ListenCheck c = new ListenCheck(new ListenCheck.Sockets(fixtureSockets(), OWNERS,
        ImmutableMap.of(), Optional.of(false)), PUBLIC_HOST, dnat);
    Finding v4 = c.judge(8000, Family.V4);
    assertThat(v4.status()).isEqualTo(Status.OK);
    assertThat(v4.message()).isEqualTo("nothing listens on port 8000 over IPv4 here, but the "
        + "firewall DNATs it to 10.100.200.10:8000 (a container?): the firewall check follows it");
    // The DNAT is IPv4 only: IPv6 on that port is still unserved.
    assertThat(c.judge(8000, Family.V6).status()).isEqualTo(Status.WARN);
  }
}
