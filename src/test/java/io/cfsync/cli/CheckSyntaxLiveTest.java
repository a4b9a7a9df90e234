package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.error.ExitCode;
import io.cfsync.live.Live;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check --syntax} through the command line: a file that would not load exits 1. */
@Live(tools = {"nft"})
class CheckSyntaxLiveTest {

  @TempDir
  Path tmp;

  @Test
  void currentButUnloadableFileExitsOneAndSaysWhy() throws IOException {
    CliRun r = CliRun.inProcess("render", "--source", "builtin", "--state-dir",
        tmp.resolve("s").toString());
    Path good = tmp.resolve("good.nft");
    Files.writeString(good, r.out());
    Path bad = tmp.resolve("bad.nft");
    Files.writeString(bad, r.out().replace("policy accept;", "policy acept;"));

    CliRun ok = CliRun.inProcess("check", "--syntax", "--source", "builtin", "--state-dir",
        tmp.resolve("s").toString(), good.toString());
    assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
    assertThat(ok.out()).contains(good + ": syntax ok (nft -c -f in a throw-away network "
        + "namespace)");

    CliRun fail = CliRun.inProcess("check", "--syntax", "--json", "--source", "builtin",
        "--state-dir", tmp.resolve("s").toString(), good.toString(), bad.toString());
    assertThat(fail.exit()).isEqualTo(ExitCode.ERROR);
    assertThat(fail.out()).contains("\"status\" : \"failed\"").contains("\"tool\" : \"nft\"")
        .contains("\"exitCode\" : 1");
  }
}
