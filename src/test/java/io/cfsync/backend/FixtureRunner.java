package io.cfsync.backend;

import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers read commands ({@code iptables -V}, {@code iptables-nft-save -t filter},
 * {@code ipset save NAME}) from fixture text, so plans can be golden-tested without a kernel.
 * Only reads: anything it has no answer for fails the test, so a read path that grows a
 * command nobody planned for shows up here. The live tests run the same code for real.
 */
public final class FixtureRunner implements ProcessRunner {

  private final Map<String, Result> answers = new HashMap<>();
  private final List<Command> ran = new ArrayList<>();

  public FixtureRunner answer(String argv, String stdout) {
    answers.put(argv, new Result(0, stdout, ""));
    return this;
  }

  public FixtureRunner answer(String argv, Result r) {
    answers.put(argv, r);
    return this;
  }

  /** A host running iptables-nft with these filter tables (null: only built-in chains). */
  public static FixtureRunner nft(String v4Dump, String v6Dump) {
    String empty = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        + "COMMIT\n";
    return new FixtureRunner()
        .answer("iptables -V", "iptables v1.8.9 (nf_tables)\n")
        .answer("ip6tables -V", "ip6tables v1.8.9 (nf_tables)\n")
        .answer("iptables-nft-save -t filter", v4Dump == null ? empty : v4Dump)
        .answer("ip6tables-nft-save -t filter", v6Dump == null ? empty : v6Dump);
  }

  public static String resource(String path) {
    try (var in = FixtureRunner.class.getResourceAsStream("/" + path)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized Result run(Command c) {
    ran.add(c);
    Result r = answers.get(String.join(" ", c.argv()));
    if (r == null) {
      throw new AssertionError("unexpected command: " + c.toShell());
    }
    return r;
  }

  public synchronized List<Command> ran() {
    return List.copyOf(ran);
  }
}
