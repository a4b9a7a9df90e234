package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.net.InetAddresses;
import io.cfsync.model.Family;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcNetTcpTest {

  private static List<String> listening(ImmutableList<ListenSocket> s) {
    return s.stream().filter(ListenSocket::listening).map(ListenSocket::endpoint).toList();
  }

  @Test
  void readsIpv4RowsInHostByteOrderWithTheirStatesAndInodes() {
    ImmutableList<ListenSocket> s = ProcNetTcp.parse(Fixtures.text("proc-netns/net/tcp"), false,
        ByteOrder.LITTLE_ENDIAN);
    assertThat(s).hasSize(6);
    assertThat(listening(s)).containsExactly("203.0.113.5:83", "127.0.0.1:443", "0.0.0.0:80",
        "10.0.0.5:81");
    ListenSocket any = s.get(2);
    assertThat(any.wildcard()).isTrue();
    assertThat(any.inode()).isEqualTo(498459L);
    assertThat(any.uid()).isZero();
    // The established pair of the loopback connection: TIME_WAIT/FIN states, not listeners.
    assertThat(s.stream().filter(x -> !x.listening()).map(ListenSocket::state))
        .containsExactlyInAnyOrder(0x08, 0x05);
  }

  @Test
  void readsTheIpv6WildcardLoopbackAndAGlobalAddress() {
    ImmutableList<ListenSocket> s = ProcNetTcp.parse(Fixtures.text("proc-netns/net/tcp6"), true,
        ByteOrder.LITTLE_ENDIAN);
    assertThat(listening(s)).containsExactly("[::]:80", "[::ffff:127.0.0.1]:8443",
        "[2001:db8::5]:82", "[::1]:8080", "[::]:8444");
    ListenSocket wild = s.get(0);
    assertThat(wild.local()).isInstanceOf(Inet6Address.class);
    assertThat(wild.wildcard()).isTrue();
    assertThat(wild.family()).isEqualTo(Family.V6);
    assertThat(s.get(3).local()).isEqualTo(InetAddresses.forString("::1"));
  }

  @Test
  void aV4MappedBindingServesIpv4ButStaysAnIpv6Socket() {
    ListenSocket mapped = ProcNetTcp.parse(Fixtures.text("proc-netns/net/tcp6"), true,
        ByteOrder.LITTLE_ENDIAN).get(1);
    assertThat(mapped.v6Table()).isTrue();
    assertThat(mapped.local()).isInstanceOf(Inet4Address.class)
        .isEqualTo(InetAddresses.forString("127.0.0.1"));
    assertThat(mapped.family()).isEqualTo(Family.V4);
    assertThat(mapped.wildcard()).isFalse();
    assertThat(mapped.port()).isEqualTo(8443);
  }

  @Test
  void honoursABigEndianHostsByteOrder() {
    String row = "   0: 7F000001:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000"
        + "   33        0 4242 1 0000000000000000 100 0 0 10 0\n";
    ListenSocket s = ProcNetTcp.parse(row, false, ByteOrder.BIG_ENDIAN).get(0);
    assertThat(s.local()).isEqualTo(InetAddresses.forString("127.0.0.1"));
    assertThat(s.uid()).isEqualTo(33);
    String v6 = "   0: 20010DB8000000000000000000000005:0050 000000000000000000000000000"
        + "00000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7 1\n";
    assertThat(ProcNetTcp.parse(v6, true, ByteOrder.BIG_ENDIAN).get(0).local())
        .isEqualTo(InetAddresses.forString("2001:db8::5"));
  }

  @Test
  void skipsTheHeaderAndMalformedRows() {
    String text = "  sl  local_address rem_address   st tx_queue ...\n"
        + "   0: 0100007F:ZZZZ 00000000:0000 0A 0:0 00:0 0 0 0 1 1\n"
        + "   1: 0100:0050 00000000:0000 0A 0:0 00:0 0 0 0 1 1\n"
        + "garbage\n";
    assertThat(ProcNetTcp.parse(text, false, ByteOrder.LITTLE_ENDIAN)).isEmpty();
  }
}
