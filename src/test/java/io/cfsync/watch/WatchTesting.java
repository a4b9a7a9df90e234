package io.cfsync.watch;

import io.cfsync.exec.Command;
import io.cfsync.exec.Result;
import io.cfsync.live.Netns;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Shared steps of the watch live tests. */
final class WatchTesting {

  private WatchTesting() {}

  /** Starts {@code cfsync watch} in the server namespace and waits until it watches. */
  static WatchProcess watch(Netns net, Path tmp, String... extra) {
    List<String> a = new ArrayList<>(List.of("watch", "--state-dir",
        tmp.resolve("state").toString(), "-v"));
    a.addAll(List.of(extra));
    if (!a.contains("--source")) {
      a.addAll(List.of("--source", "builtin"));
    }
    WatchProcess w = new WatchProcess(net.cfsync(tmp, a.toArray(String[]::new)));
    w.await(l -> l.contains("cfsync: watching "), "its \"watching\" line");
    return w;
  }

  /** Connects until the outcome is {@code want} (30 s deadline); returns the last outcome. */
  static Netns.Outcome until(Netns net, String from, int port, Netns.Outcome want) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Netns.Outcome o;
    do {
      o = net.connect(from, port);
    } while (o != want && System.nanoTime() < deadline);
    return o;
  }

  /** nft -i: one process, each stdin line its own transaction, milliseconds apart. */
  static Result nftBurst(Netns net, List<String> commands) {
    return net.server().run(Command.of("nft", "-i").withStdin(String.join("\n", commands)
        + "\n"));
  }
}
