package io.cfsync.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PrefixTest {

  @ParameterizedTest
  @CsvSource({
      "173.245.48.0/20, 173.245.48.0/20, V4",
      "2606:4700::/32, 2606:4700::/32, V6",
      "2606:4700:0:0:0:0:0:0/32, 2606:4700::/32, V6",
      "2A06:98C0::/29, 2a06:98c0::/29, V6",
      "2c0f:f248:0000::/32, 2c0f:f248::/32, V6",
      "0.0.0.0/0, 0.0.0.0/0, V4",
      "::/0, ::/0, V6",
      "198.41.128.1/32, 198.41.128.1/32, V4",
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128, V6",
      // An IPv4-compatible (not mapped) tail stays IPv6.
      "64:ff9b::1.2.3.0/120, 64:ff9b::102:300/120, V6",
  })
  void parsesIntoCanonicalForm(String text, String canonical, Family family) {
    Prefix p = Prefix.parse(text);
    assertThat(p.toString()).isEqualTo(canonical);
    assertThat(p.family()).isEqualTo(family);
    assertThat(Prefix.parse(p.toString())).isEqualTo(p);
  }

  @Test
  void rejectsHostBitsNamingTheNetwork() {
    assertThatThrownBy(() -> Prefix.parse("104.16.0.1/13"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("\"104.16.0.1/13\" has host bits set (network is 104.16.0.0/13)");
    assertThatThrownBy(() -> Prefix.parse("104.23.255.255/13"))
        .hasMessageContaining("network is 104.16.0.0/13");
    assertThatThrownBy(() -> Prefix.parse("2606:4700::1/32"))
        .hasMessage("\"2606:4700::1/32\" has host bits set (network is 2606:4700::/32)");
    assertThatThrownBy(() -> Prefix.parse("2a06:98c4::/29"))
        .hasMessageContaining("network is 2a06:98c0::/29");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "104.016.0.0/13", // octal to some parsers
      "104.16.00.0/13",
      "0104.16.0.0/13",
      "104.16.0.0/013",
      "2606:4700::/032",
      "104.16.0.0/00",
  })
  void rejectsLeadingZeros(String text) {
    assertThatThrownBy(() -> Prefix.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("\"" + text + "\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"fe80::%eth0/64", "fe80::%1/64", "2606:4700::%lo/32",
      "[2606:4700::]/32"})
  void rejectsZoneIdsAndBrackets(String text) {
    assertThatThrownBy(() -> Prefix.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("\"" + text + "\" is not a CIDR");
  }

  @ParameterizedTest
  @ValueSource(strings = {"::ffff:104.16.0.0/109", "::ffff:6810:0/109", "::ffff:0:0/96",
      "0:0:0:0:0:ffff:104.16.0.0/109", "::FFFF:1.2.3.4/128"})
  void rejectsIpv4MappedIpv6(String text) {
    // guava would hand back an Inet4Address and smuggle an IPv4 prefix into an IPv6 list.
    assertThatThrownBy(() -> Prefix.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("\"" + text + "\" is not a CIDR");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1.2.3.0/33|has prefix length 33 beyond 32",
      "2606:4700::/129|has prefix length 129 beyond 128",
      "1.2.3.0/1000|has no valid prefix length",
      "1.2.3.0/|has no valid prefix length",
      "1.2.3.0/-1|has no valid prefix length",
      "1.2.3.0/+8|has no valid prefix length",
      "1.2.3.0/ 24|has no valid prefix length",
      "'1.2.3.0/24 '|has no valid prefix length",
      "1.2.3.0/２４|has no valid prefix length",
      "1.2.3.0/24/24|has no valid prefix length",
      "1.2.3.4|is not a CIDR (no /length)",
      "2606:4700::|is not a CIDR (no /length)",
  })
  void rejectsBadLengths(String text, String reason) {
    assertThatThrownBy(() -> Prefix.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("\"" + text + "\" " + reason);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/24", " 1.2.3.0/24", "1.2.3/24", "1.2.3.0.0/24", "256.1.2.0/24",
      "0x68.16.0.0/13", "１.2.3.0/24", "1.2.3.-0/24", "1..3.0/24", "2606:4700:::/32",
      "2606:47000::/32", "g::/16", "localhost/32", "<html>/8", "1.2.3.0\t/24", "<html>", ""})
  void rejectsMalformedAddresses(String text) {
    assertThatThrownBy(() -> Prefix.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("\"" + text + "\" is not a CIDR");
  }

  @ParameterizedTest
  @CsvSource({
      "::, ::", "::1, ::1", "1::, 1::", "1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0",
      "::2:3:4:5:6:7:8, 0:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
      "2606:4700:0:0:0:0:0:0, 2606:4700::", "0:0:0:0:0:0:0:1, ::1",
      "::1.2.3.4, ::102:304", "1:2:3:4:5:6:1.2.3.4, 1:2:3:4:5:6:102:304",
      "64:ff9b::192.0.2.33, 64:ff9b::c000:221", "ABCD:EF01::, abcd:ef01::",
      "0001:0002::0003, 1:2::3"})
  void parsesEveryIpv6TextForm(String text, String canonical) {
    assertThat(Prefix.parseAddress(text)).hasValueSatisfying(a ->
        assertThat(InetAddresses.toAddrString(a)).isEqualTo(canonical));
  }

  @ParameterizedTest
  @ValueSource(strings = {":", ":::", "1:::2", "1::2::3", ":1::", "1::2:", "1:2:3:4:5:6:7:8:9",
      "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7", "12345::", "1:2:3:4:5:6:7:1.2.3.4",
      "1::2:3:4:5:6:1.2.3.4", "::1.2.3", "::1.2.3.04", "::256.1.1.1", "::a.2.3.4",
      "1.2.3.4::", "::1.2.3.4:5", "g::", "::%", "fe80::1%eth0", "::ffff:1.2.3.4",
      "::ffff:102:304", "1.2.3.4", "-1::", "+1::", " ::1", "::1 "})
  void rejectsMalformedIpv6AndIpv4Text(String text) {
    assertThat(Prefix.parseAddress(text)).as(text)
        .satisfiesAnyOf(o -> assertThat(o).isEmpty(),
            o -> assertThat(text).isEqualTo("1.2.3.4"));
  }

  /** The hand-written parser agrees with guava, minus what cfsync refuses on purpose. */
  @Test
  void parsesAddressesExactlyAsGuavaDoesApartFromMappedAndLeadingZeros() {
    java.util.Random rnd = new java.util.Random(4291L);
    String alphabet = "0123456789abcdefABCDEF:::::....";
    String[] seeds = {"2606:4700::", "1:2:3:4:5:6:7:8", "::1.2.3.4", "104.16.0.0", "::",
        "2a06:98c0::1", "64:ff9b::192.0.2.1", "fe80::", "1::", "255.255.255.255"};
    int checked = 0;
    for (int n = 0; n < 200_000; n++) {
      String text;
      if (n % 2 == 0) {
        StringBuilder sb = new StringBuilder();
        for (int i = rnd.nextInt(20); i >= 0; i--) {
          sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        text = sb.toString();
      } else {
        StringBuilder sb = new StringBuilder(seeds[rnd.nextInt(seeds.length)]);
        for (int i = rnd.nextInt(3); i >= 0; i--) {
          int at = rnd.nextInt(sb.length() + 1);
          switch (rnd.nextInt(3)) {
            case 0 -> sb.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
            case 1 -> {
              if (at < sb.length()) {
                sb.deleteCharAt(at);
              }
            }
            default -> {
              if (at < sb.length()) {
                sb.setCharAt(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
              }
            }
          }
        }
        text = sb.toString();
      }
      java.util.Optional<java.net.InetAddress> ours = Prefix.parseAddress(text);
      java.net.InetAddress theirs = InetAddresses.isInetAddress(text)
          ? InetAddresses.forString(text) : null;
      boolean v6Text = text.indexOf(':') >= 0;
      boolean refusedOnPurpose = theirs != null
          && ((v6Text && theirs instanceof java.net.Inet4Address)
              || (!v6Text && text.matches(".*(^|\\.)0\\d.*")));
      if (theirs == null || refusedOnPurpose) {
        assertThat(ours).as("\"%s\"", text).isEmpty();
      } else {
        assertThat(ours).as("\"%s\"", text).contains(theirs);
        checked++;
      }
    }
    assertThat(checked).as("valid inputs among the random ones").isGreaterThan(10_000);
  }

  @Test
  void tryParseReturnsEmptyInsteadOfThrowing() {
    assertThat(Prefix.tryParse("104.16.0.0/13")).contains(Prefix.parse("104.16.0.0/13"));
    assertThat(Prefix.tryParse("104.16.0.1/13")).isEmpty();
    assertThat(Prefix.tryParse("")).isEmpty();
  }

  @Test
  void constructorChecksCallerMistakes() {
    assertThatThrownBy(() -> new Prefix(InetAddresses.forString("10.0.0.1"), 8))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host bits");
    assertThatThrownBy(() -> new Prefix(InetAddresses.forString("10.0.0.0"), 33))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
    assertThatThrownBy(() -> new Prefix(InetAddresses.forString("10.0.0.0"), -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void knowsItsAddressRange() {
    Prefix p = Prefix.parse("104.16.0.0/13");
    assertThat(p.first()).isEqualTo(BigInteger.valueOf(0x68100000L));
    assertThat(p.size()).isEqualTo(BigInteger.valueOf(1L << 19));
    assertThat(p.end()).isEqualTo(BigInteger.valueOf(0x68180000L));
    Prefix all6 = Prefix.parse("::/0");
    assertThat(all6.end()).isEqualTo(BigInteger.ONE.shiftLeft(128));
    assertThat(Prefix.parse("2606:4700::/32").size()).isEqualTo(BigInteger.ONE.shiftLeft(96));
  }

  @Test
  void containsAddressesOfItsOwnFamilyOnly() {
    Prefix p = Prefix.parse("104.16.0.0/13");
    assertThat(p.contains(InetAddresses.forString("104.16.0.0"))).isTrue();
    assertThat(p.contains(InetAddresses.forString("104.23.255.255"))).isTrue();
    assertThat(p.contains(InetAddresses.forString("104.24.0.0"))).isFalse();
    assertThat(p.contains(InetAddresses.forString("104.15.255.255"))).isFalse();
    assertThat(Prefix.parse("::/0").contains(InetAddresses.forString("104.16.0.1"))).isFalse();
    assertThat(Prefix.parse("0.0.0.0/0").contains(InetAddresses.forString("2606:4700::1")))
        .isFalse();
  }

  @Test
  void containsAndOverlapsOtherPrefixes() {
    Prefix twelve = Prefix.parse("104.16.0.0/12");
    Prefix thirteen = Prefix.parse("104.16.0.0/13");
    Prefix fourteen = Prefix.parse("104.24.0.0/14");
    Prefix gone = Prefix.parse("104.28.0.0/14");
    assertThat(twelve.contains(thirteen)).isTrue();
    assertThat(twelve.contains(gone)).isTrue();
    assertThat(thirteen.contains(twelve)).isFalse();
    assertThat(thirteen.contains(fourteen)).isFalse();
    assertThat(thirteen.overlaps(fourteen)).isFalse(); // adjacent is not overlapping
    assertThat(twelve.overlaps(fourteen)).isTrue();
    assertThat(fourteen.overlaps(twelve)).isTrue();
    assertThat(twelve.overlaps(Prefix.parse("::/0"))).isFalse();
    assertThat(twelve.contains(twelve)).isTrue();
  }

  @Test
  void ordersV4BeforeV6ThenByAddressThenByLength() {
    Prefix a = Prefix.parse("104.16.0.0/12");
    Prefix b = Prefix.parse("104.16.0.0/13");
    Prefix c = Prefix.parse("173.245.48.0/20");
    Prefix d = Prefix.parse("2400:cb00::/32");
    assertThat(java.util.stream.Stream.of(d, c, b, a).sorted()).containsExactly(a, b, c, d);
  }

  @Test
  void buildsIpv6PrefixesInsideTheMappedBlockAsIpv6() {
    // The JDK turns 16 bytes of ::ffff:a.b.c.d into an Inet4Address; a v6 range walk can
    // produce such prefixes, and they must stay IPv6.
    Prefix mapped = Prefix.of(Family.V6, BigInteger.valueOf(0xffffL).shiftLeft(32), 96);
    assertThat(mapped.family()).isEqualTo(Family.V6);
    assertThat(mapped.size()).isEqualTo(BigInteger.ONE.shiftLeft(32));
    Prefix top = Prefix.of(Family.V6, BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE), 128);
    assertThat(top.toString()).isEqualTo("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
  }

  @Test
  void hostAndAddressAtStayInsideThePrefix() {
    assertThat(Prefix.host(InetAddresses.forString("2606:4700::10")).toString())
        .isEqualTo("2606:4700::10/128");
    Prefix p = Prefix.parse("173.245.48.0/20");
    assertThat(InetAddresses.toAddrString(p.addressAt(BigInteger.TEN))).isEqualTo("173.245.48.10");
    assertThat(InetAddresses.toAddrString(p.addressAt(BigInteger.valueOf(4095))))
        .isEqualTo("173.245.63.255");
    assertThatThrownBy(() -> p.addressAt(BigInteger.valueOf(4096)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
