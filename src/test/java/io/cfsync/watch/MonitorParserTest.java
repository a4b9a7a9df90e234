package io.cfsync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** nft monitor's text as nft 1.0.6 prints it (captured in a namespace). */
class MonitorParserTest {

  private static List<Transaction> parse(String text) {
    MonitorParser p = new MonitorParser();
    List<Transaction> out = new ArrayList<>();
    for (String l : text.split("\n", -1)) {
      p.line(l).ifPresent(out::add);
    }
    return out;
  }

  @Test
  void eachGenerationLineClosesOneTransactionWithItsCommitter() {
    List<Transaction> t = parse("""
        delete rule ip filter INPUT handle 2
        delete chain ip filter INPUT
        delete table ip filter
        # new generation 12 by process 5619 (nft)
        add rule ip filter CFSYNC ip saddr 1.2.3.0/24 counter packets 0 bytes 0 accept
        # new generation 13 by process 5620 (iptables-nft-re)
        """);
    assertThat(t).hasSize(2);
    assertThat(t.get(0).generation()).isEqualTo(12);
    assertThat(t.get(0).culprit().pid()).isEqualTo(5619);
    assertThat(t.get(0).culprit().comm()).isEqualTo("nft");
    assertThat(t.get(0).sample()).containsExactly("delete rule ip filter INPUT handle 2",
        "delete chain ip filter INPUT", "delete table ip filter");
    assertThat(t.get(0).lines()).isEqualTo(3);
    assertThat(t.get(1).culprit().comm()).isEqualTo("iptables-nft-re");
    assertThat(t.get(1).mentions(List.of("CFSYNC"))).isTrue();
    assertThat(t.get(0).mentions(List.of("CFSYNC"))).isFalse();
  }

  @Test
  void olderKernelsWithoutTheProcessPartStillCloseTransactions() {
    List<Transaction> t = parse("delete table inet cfsync\n# new generation 7\n");
    assertThat(t).hasSize(1);
    assertThat(t.get(0).culprit().known()).isFalse();
    assertThat(t.get(0).culprit().describe()).isEqualTo("unknown");
  }

  @Test
  void hugeTransactionsKeepOnlyASampleButCountEveryLine() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      sb.append("add element inet cfsync cfsync-v4 { 10.0.").append(i % 250).append(".0/24 }\n");
    }
    sb.append("# new generation 3 by process 1 (nft)\n");
    Transaction t = parse(sb.toString()).get(0);
    assertThat(t.lines()).isEqualTo(1000);
    assertThat(t.sample()).hasSize(Transaction.SAMPLE);
  }

  @Test
  void namesMatchWholeWordsOnly() {
    assertThat(Transaction.containsWord("delete table inet cfsync", "cfsync")).isTrue();
    assertThat(Transaction.containsWord("delete table inet cfsync2", "cfsync")).isFalse();
    assertThat(Transaction.containsWord("delete set inet cfsync cfsync-v4", "cfsync-v4"))
        .isTrue();
    assertThat(Transaction.containsWord("delete set inet x cfsync-v46", "cfsync-v4")).isFalse();
  }
}
