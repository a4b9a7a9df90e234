package io.cfsync.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One run of the CLI: its exit code and what it printed. */
record CliRun(int exit, String out, String err) {

  /** The lines printed on stderr. */
  List<String> errLines() {
    return err.lines().toList();
  }

  /**
   * Runs {@link Main#run} in this JVM with stdout and stderr captured. Tests run one at a time
   * (surefire's default), so swapping the process-wide streams is safe here.
   */
  static synchronized CliRun inProcess(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      System.setOut(o);
      System.setErr(e);
      exit = Main.run(args);
      o.flush();
      e.flush();
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new CliRun(exit, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  /** Runs the CLI as its own JVM (real System.exit, real environment), with extra env vars. */
  static CliRun process(Map<String, String> env, String... args) {
    List<String> argv = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv);
    for (String k : List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
        "NO_PROXY", "no_proxy")) {
      pb.environment().remove(k);
    }
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      p.getOutputStream().close();
      // Drain stderr on its own thread so a chatty child cannot block on a full pipe.
      var errFuture = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("cfsync " + String.join(" ", args) + " did not finish");
      }
      return new CliRun(p.exitValue(), out, errFuture.join());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
