package io.cfsync.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cfsync.model.Prefix;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The training run for the class-data-sharing archive (make-cds-archive, at install): one JVM
 * that goes through the paths a timer run takes, so the archive holds their classes. The lists
 * are the built-in snapshot served on loopback by the JDK's own HTTP server: a download, a
 * 304, a run from the fresh cache ({@code --max-age}) and, with {@code apply} and only inside a
 * network namespace made for it, an apply, a change and a no-op apply. The first lists served
 * are the snapshot as it was before one Cloudflare change ({@link #previous}): its last IPv4
 * prefix stands in for the next block of that size, so that the second apply downloads the
 * real snapshot and changes one prefix out for another, as the timer does when Cloudflare
 * publishes a change. Nothing leaves the machine and, without {@code apply}, no firewall is
 * read or written. {@code apply BACKEND...} trains those backends, each with a state directory
 * of its own ({@code auto}: the one the host's detection picks), one after the other; plain
 * {@code apply} trains {@code auto}. Not a user command.
 */
public final class CdsTraining {

  private CdsTraining() {}

  /** Serve the lists as they were before the change ({@link #previous}) or as they are now. */
  private static volatile boolean before = true;

  public static void main(String[] args) throws IOException {
    if (args.length < 1 || (args.length >= 2 && !args[1].equals("apply"))) {
      throw new IllegalArgumentException("usage: CdsTraining WORK_DIR [apply [BACKEND...]]");
    }
    Path work = Path.of(args[0]);
    List<String> backends = args.length > 2 ? List.of(args).subList(2, args.length)
        : args.length == 2 ? List.of(FirewallOptions.AUTO) : List.of();
    HttpServer server = HttpServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/ips-v4", ex -> serve(ex, "ips-v4.txt"));
    server.createContext("/ips-v6", ex -> serve(ex, "ips-v6.txt"));
    server.start();
    int failed = 0;
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort();
      List<String> common = List.of("--config", "/dev/null", "--source", "cloudflare",
          "--ipv4-url", base + "/ips-v4", "--ipv6-url", base + "/ips-v6", "--metrics-file",
          work.resolve("cfsync.prom").toString(), "-q");
      List<String> first = state(common, work.resolve("state"));
      before = true;
      failed += run("fetch", first);                    // download, store the cache
      failed += run("fetch", first);                    // conditional request: 304
      failed += run("fetch", first, "--max-age", "1h"); // from the fresh cache
      for (int i = 0; i < backends.size(); i++) {
        String b = backends.get(i);
        // The first backend installs from that fresh cache; the others download it again.
        boolean cached = i == 0;
        List<String> mine = state(common, cached ? work.resolve("state")
            : work.resolve("state-" + b));
        mine.addAll(List.of("--backend", b));
        before = true;
        failed += cached ? run("apply", mine, "--max-age", "1h") // installs (own namespace)
            : run("apply", mine);
        before = false;
        failed += run("apply", mine);                      // downloads a change, applies it
        failed += run("apply", mine);                      // 304: the timer's usual no-op
      }
    } finally {
      server.stop(0);
    }
    // A failed step archives less than it should: the caller then trains without it.
    System.exit(failed == 0 ? 0 : 1);
  }

  private static List<String> state(List<String> common, Path dir) {
    List<String> out = new ArrayList<>(common);
    out.addAll(List.of("--state-dir", dir.toString()));
    return out;
  }

  /**
   * The list one Cloudflare change ago: the same, but for its last prefix, which stands in
   * for the block of the same size right after it (131.0.72.0/22 for 131.0.76.0/22, say).
   */
  static String previous(String list) {
    List<String> lines = new ArrayList<>(list.lines().filter(l -> !l.isBlank()).toList());
    Prefix last = Prefix.parse(lines.get(lines.size() - 1).strip());
    Prefix next = Prefix.of(last.family(), last.end(), last.length());
    lines.set(lines.size() - 1, next.toString());
    return String.join("\n", lines) + "\n";
  }

  private static int run(String command, List<String> common, String... more) {
    List<String> args = new ArrayList<>();
    args.add(command);
    args.addAll(common);
    args.addAll(List.of(more));
    return Main.run(args.toArray(String[]::new)) == 0 ? 0 : 1;
  }

  private static void serve(HttpExchange ex, String file) throws IOException {
    try (ex) {
      String list;
      try (InputStream in = CdsTraining.class.getResourceAsStream(
          "/io/cfsync/source/builtin/" + file)) {
        list = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      }
      byte[] body = (before && file.equals("ips-v4.txt") ? previous(list) : list)
          .getBytes(StandardCharsets.US_ASCII);
      String etag = "\"" + Integer.toHexString(java.util.Arrays.hashCode(body)) + "\"";
      ex.getResponseHeaders().set("ETag", etag);
      ex.getResponseHeaders().set("Content-Type", "text/plain");
      if (etag.equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
        ex.sendResponseHeaders(304, -1);
        return;
      }
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
