package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.net.InetAddresses;
import io.cfsync.model.Prefix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BanSetsTest {

  private static String shared(String name) throws IOException {
    return Fixtures.text("rulesets/" + name);
  }

  @Test
  void anAllowlistIpsetIsNoBanList() throws IOException {
    // The 2021 Cloudflare allowlist set "cf": not fail2ban's, not CrowdSec's.
    assertThat(BanSets.ipsets(shared("cloudflare-cf-hashnet-2021.txt"))).isEmpty();
  }

  @Test
  void readsFail2banAndCrowdsecIpsetsWithTimeoutsAndPortElements() {
    String save = "create f2b-nginx hash:ip family inet hashsize 1024 maxelem 65536 timeout 600\n"
        + "add f2b-nginx 173.245.48.5 timeout 512\n"
        + "create crowdsec-blacklists hash:net family inet hashsize 1024 maxelem 65536 timeout 300\n"
        + "add crowdsec-blacklists 104.16.0.0/24 timeout 200\n"
        + "create f2b-web hash:ip,port family inet\n"
        + "add f2b-web 198.51.100.7,tcp:443\n"
        + "create cfsync-v4 hash:net family inet\n"
        + "add cfsync-v4 173.245.48.0/20\n";
    List<BanSets.BanList> b = BanSets.ipsets(save);
    assertThat(b).extracting(BanSets.BanList::describe).containsExactly(
        "fail2ban ipset f2b-nginx", "crowdsec ipset crowdsec-blacklists", "fail2ban ipset f2b-web");
    assertThat(b.get(0).addresses().contains(InetAddresses.forString("173.245.48.5"))).isTrue();
    assertThat(b.get(1).addresses().encloses(Prefix.parse("104.16.0.0/24"))).isTrue();
    assertThat(b.get(2).addresses().contains(InetAddresses.forString("198.51.100.7"))).isTrue();
  }

  @Test
  void readsBanChainsOfIptablesSaveIncludingTheOldFail2banName() throws IOException {
    List<BanSets.BanList> legacy = BanSets.chains(
        shared("legacy-1.4.8-fail2ban-ssh-vpn.txt"), "iptables-legacy");
    assertThat(legacy).extracting(BanSets.BanList::name).containsExactly("fail2ban-ssh");
    assertThat(legacy.get(0).addresses().isEmpty()).isTrue();

    String save = "*filter\n:INPUT ACCEPT [0:0]\n:f2b-nginx - [0:0]\n"
        + "-A INPUT -p tcp -m multiport --dports 80,443 -j f2b-nginx\n"
        + "-A f2b-nginx -s 173.245.48.5/32 -j REJECT --reject-with icmp-port-unreachable\n"
        + "-A f2b-nginx ! -s 10.0.0.0/8 -j RETURN\n"
        + "-A f2b-nginx -s 104.16.0.7 -j DROP\n"
        + "-A f2b-nginx -j RETURN\nCOMMIT\n";
    BanSets.BanList f2b = BanSets.chains(save, "iptables-nft").get(0);
    assertThat(f2b.describe()).isEqualTo("fail2ban iptables-nft chain f2b-nginx");
    assertThat(f2b.addresses().prefixes()).containsExactly(Prefix.parse("104.16.0.7/32"),
        Prefix.parse("173.245.48.5/32"));
  }

  @Test
  void readsNftSetsOfFail2banAndCrowdsecInEveryElementForm() {
    String json = "{\"nftables\":[{\"metainfo\":{\"json_schema_version\":1}},"
        + "{\"set\":{\"family\":\"inet\",\"name\":\"addr-set-sshd\",\"table\":\"f2b-table\","
        + "\"type\":\"ipv4_addr\",\"elem\":[\"173.245.48.9\",{\"elem\":{\"val\":\"104.16.0.9\","
        + "\"timeout\":600,\"expires\":300}}]}},"
        + "{\"set\":{\"family\":\"ip\",\"name\":\"crowdsec-blacklists-CAPI\",\"table\":\"crowdsec\","
        + "\"type\":\"ipv4_addr\",\"flags\":[\"interval\"],\"elem\":[{\"prefix\":{\"addr\":"
        + "\"198.41.128.0\",\"len\":24}},{\"range\":[\"162.158.0.1\",\"162.158.0.3\"]}]}},"
        + "{\"set\":{\"family\":\"inet\",\"name\":\"cf4\",\"table\":\"filter\",\"type\":"
        + "\"ipv4_addr\",\"elem\":[\"173.245.48.1\"]}}]}";
    List<BanSets.BanList> b = BanSets.nftSets(json);
    assertThat(b).extracting(BanSets.BanList::describe).containsExactly(
        "fail2ban nft set inet f2b-table addr-set-sshd",
        "crowdsec nft set ip crowdsec crowdsec-blacklists-CAPI");
    assertThat(b.get(0).addresses().prefixes()).containsExactly(Prefix.parse("104.16.0.9/32"),
        Prefix.parse("173.245.48.9/32"));
    assertThat(b.get(1).addresses().prefixes()).containsExactly(Prefix.parse("162.158.0.1/32"),
        Prefix.parse("162.158.0.2/31"), Prefix.parse("198.41.128.0/24"));
  }

  @Test
  void findCollectsEverySourceOfASnapshot() {
    RulesetSnapshot snap = new RulesetSnapshot(ImmutableList.of(), ImmutableList.of(
        new RulesetSnapshot.Xtables("iptables-nft-save", "iptables-nft-restore",
            "*filter\n:f2b-sshd - [0:0]\n-A f2b-sshd -s 1.2.3.4/32 -j REJECT\nCOMMIT\n")),
        "create f2b-x hash:ip family inet\n", "", ImmutableList.of());
    assertThat(BanSets.find(snap)).extracting(BanSets.BanList::describe).containsExactly(
        "fail2ban ipset f2b-x", "fail2ban iptables-nft chain f2b-sshd");
  }

  @Test
  void unparsableElementsAreSkipped() {
    assertThat(BanSets.element("not-an-address")).isEmpty();
    assertThat(BanSets.element("10.0.0.7/24")).hasValue(List.of(Prefix.parse("10.0.0.0/24")));
  }
}
