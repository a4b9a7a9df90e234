package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.error.ExitCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The definition of done, as an operator would run it (real processes): check on a
 * deliberately stale nftables.conf exits 2 naming the missing prefixes; render --in-place
 * fixes it, touching only the set elements; check then exits 0.
 */
class StaleNftablesEndToEndTest {

  @TempDir
  Path tmp;

  private CliRun cfsync(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = args[0];
    all[1] = "--source";
    all[2] = "builtin";
    all[3] = "--state-dir=" + tmp.resolve("state");
    System.arraycopy(args, 1, all, 4, args.length - 1);
    return CliRun.process(Map.of(), all);
  }

  @Test
  void staleNftablesConfDriftsThenRenderInPlaceFixesIt() throws IOException {
    Path conf = tmp.resolve("nftables.conf");
    // An operator's file: their own table, and cfsync's sets as rendered in 2021, by hand.
    String operator = "#!/usr/sbin/nft -f\nflush ruleset\n\ntable inet filter {\n"
        + "\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n"
        + "\t\tct state established,related accept\n\t\ttcp dport 22 accept\n\t}\n}\n\n";
    String stale = "table inet cfsync {\n\tset cfsync-v4 {\n\t\ttype ipv4_addr\n"
        + "\t\tflags interval\n\t\telements = {\n\t\t\t# BEGIN cfsync ipv4\n"
        + "\t\t\t103.21.244.0/22,\n\t\t\t103.22.200.0/22,\n\t\t\t103.31.4.0/22,\n"
        + "\t\t\t104.16.0.0/12,\n\t\t\t108.162.192.0/18,\n\t\t\t131.0.72.0/22,\n"
        + "\t\t\t141.101.64.0/18,\n\t\t\t162.158.0.0/15,\n\t\t\t172.64.0.0/13,\n"
        + "\t\t\t173.245.48.0/20,\n\t\t\t188.114.96.0/20,\n\t\t\t190.93.240.0/20,\n"
        + "\t\t\t197.234.240.0/22,\n\t\t\t# END cfsync ipv4\n\t\t}\n\t}\n"
        + "\tset cfsync-v6 {\n\t\ttype ipv6_addr\n\t\tflags interval\n\t\telements = {\n"
        + "\t\t\t# BEGIN cfsync ipv6\n\t\t\t2400:cb00::/32,\n\t\t\t2606:4700::/32,\n"
        + "\t\t\t# END cfsync ipv6\n\t\t}\n\t}\n}\n";
    Files.writeString(conf, operator + stale);

    CliRun drift = cfsync("check", conf.toString());
    assertThat(drift.exit()).as(drift.err()).isEqualTo(ExitCode.DRIFT);
    assertThat(drift.out()).contains(conf + ": drift (nftables): 6 missing, 1 stale\n")
        .contains(conf + ":17: missing 198.41.128.0/17 (block ipv4)\n")
        .contains(conf + ":38: missing 2405:8100::/32 (block ipv6)\n")
        .contains(conf + ":38: missing 2c0f:f248::/32 (block ipv6)\n")
        .contains(conf + ":21: stale 104.28.0.0/14 (in 104.16.0.0/12, block ipv4)\n");

    CliRun fix = cfsync("render", "--in-place", conf.toString());
    assertThat(fix.exit()).as(fix.err()).isZero();
    String fixed = Files.readString(conf);
    assertThat(fixed).startsWith(operator + "table inet cfsync {\n\tset cfsync-v4 {\n")
        .contains("\t\t\t104.16.0.0/13,\n\t\t\t104.24.0.0/14,\n")
        .contains("\t\t\t2c0f:f248::/32,\n\t\t\t# END cfsync ipv6\n\t\t}\n\t}\n}\n");

    CliRun ok = cfsync("check", conf.toString());
    assertThat(ok.exit()).as(ok.out()).isZero();
    assertThat(ok.out()).isEqualTo(conf + ": current (nftables; block ipv4: 15 IPv4, "
        + "block ipv6: 7 IPv6)\n");
    assertThat(cfsync("render", "--in-place", conf.toString(), "--check").exit()).isZero();
  }
}
