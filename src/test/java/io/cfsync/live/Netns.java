package io.cfsync.live;

import com.google.common.collect.ImmutableList;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.exec.SystemProcessRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away pair of network namespaces joined by a veth: a server (where the firewall
 * under test lives, with listeners on the protected ports) and a client holding addresses
 * inside and outside Cloudflare's ranges, both families. Nothing touches the host's own
 * firewall; {@link #close()} removes everything.
 */
public final class Netns implements AutoCloseable {

  /** The server's addresses (documentation ranges, inside the namespace only). */
  public static final String SERVER_V4 = "192.0.2.1";
  public static final String SERVER_V6 = "2001:db8::1";
  /** Client addresses inside Cloudflare's ranges (173.245.48.0/20, 104.16.0.0/13, 2606:4700::/32). */
  public static final String CF_V4 = "173.245.48.10";
  public static final String CF_V4_B = "104.16.0.10";
  public static final String CF_V6 = "2606:4700::10";
  /** Client addresses outside them (documentation ranges). */
  public static final String OTHER_V4 = "198.51.100.10";
  public static final String OTHER_V6 = "2001:db8:1::10";

  private final String server;
  private final String client;
  private final List<Process> processes = new ArrayList<>();
  private final ProcessRunner host = new SystemProcessRunner();

  private Netns(String server, String client) {
    this.server = server;
    this.client = client;
  }

  /** Creates both namespaces, the veth between them, addresses and routes. */
  public static Netns create() {
    String id = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    Netns n = new Netns("cfs" + id + "s", "cfs" + id + "c");
    try {
      n.setUp(id);
    } catch (RuntimeException e) {
      n.close();
      throw e;
    }
    return n;
  }

  private void setUp(String id) {
    String vs = "cv" + id + "s";
    String vc = "cv" + id + "c";
    ip("netns", "add", server);
    ip("netns", "add", client);
    ip("link", "add", vs, "type", "veth", "peer", "name", vc);
    ip("link", "set", vs, "netns", server);
    ip("link", "set", vc, "netns", client);
    for (String[] ns : new String[][] {{server, vs}, {client, vc}}) {
      ip("-n", ns[0], "link", "set", "lo", "up");
      ip("-n", ns[0], "link", "set", ns[1], "up");
    }
    ip("-n", server, "addr", "add", SERVER_V4 + "/32", "dev", vs);
    ip("-n", server, "addr", "add", SERVER_V6 + "/128", "dev", vs, "nodad");
    for (String a : List.of(CF_V4, CF_V4_B, OTHER_V4)) {
      ip("-n", client, "addr", "add", a + "/32", "dev", vc);
    }
    for (String a : List.of(CF_V6, OTHER_V6)) {
      ip("-n", client, "addr", "add", a + "/128", "dev", vc, "nodad");
    }
    ip("-n", server, "route", "add", "default", "dev", vs);
    ip("-n", server, "-6", "route", "add", "default", "dev", vs);
    ip("-n", client, "route", "add", "default", "dev", vc);
    ip("-n", client, "-6", "route", "add", "default", "dev", vc);
  }

  private void ip(String... args) {
    List<String> argv = new ArrayList<>(List.of("ip"));
    argv.addAll(List.of(args));
    host.check(Command.of(ImmutableList.copyOf(argv)));
  }

  public String serverName() {
    return server;
  }

  public String clientName() {
    return client;
  }

  /** Runs commands inside the server namespace: what a backend under test is given. */
  public ProcessRunner server() {
    return new SystemProcessRunner(List.of("ip", "netns", "exec", server), Map.of());
  }

  public ProcessRunner client() {
    return new SystemProcessRunner(List.of("ip", "netns", "exec", client), Map.of());
  }

  /** Starts a listener on each port (both families) in the server and waits until they listen. */
  public void listen(int... ports) {
    for (int port : ports) {
      start(List.of("ip", "netns", "exec", server, "socat", "-u",
          "TCP6-LISTEN:" + port + ",ipv6only=0,reuseaddr,fork,backlog=512", "OPEN:/dev/null"));
    }
    awaitListening(ports);
  }

  /**
   * Starts a listener bound to one address only ({@code 127.0.0.1}, {@code ::1}, ...; an IPv6
   * one is v6only) in the server and waits until it listens.
   */
  public void listenOn(String bind, int port) {
    String spec = bind.contains(":")
        ? "TCP6-LISTEN:" + port + ",bind=[" + bind + "],ipv6only=1"
        : "TCP4-LISTEN:" + port + ",bind=" + bind;
    start(List.of("ip", "netns", "exec", server, "socat", "-u",
        spec + ",reuseaddr,fork,backlog=512", "OPEN:/dev/null"));
    awaitListening(port);
  }

  private void awaitListening(int... ports) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (int port : ports) {
      while (!server().run(Command.of("ss", "-Hltn", "sport = :" + port)).stdout().contains(
          ":" + port)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("listener on port " + port + " did not start");
        }
        Thread.onSpinWait();
      }
    }
  }

  /** What a connection attempt met. */
  public enum Outcome { CONNECTED, REFUSED, TIMEOUT, OTHER }

  /** One TCP connection attempt from {@code from} (a client address) to the server. */
  public Outcome connect(String from, int port) {
    boolean v6 = from.contains(":");
    String to = v6 ? "TCP6:[" + SERVER_V6 + "]:" + port + ",bind=[" + from + "]"
        : "TCP4:" + SERVER_V4 + ":" + port + ",bind=" + from;
    Result r = client().run(Command.of("socat", "-u", "OPEN:/dev/null",
        to + ",connect-timeout=1"));
    if (r.ok()) {
      return Outcome.CONNECTED;
    }
    if (r.stderr().contains("refused")) {
      return Outcome.REFUSED;
    }
    if (r.stderr().contains("timed out")) {
      return Outcome.TIMEOUT;
    }
    return Outcome.OTHER;
  }

  /**
   * Starts a prober in the client namespace that connects from {@code from} to the server
   * every {@code interval} until stopped; see {@link Prober}.
   */
  public Prober.Handle probe(String from, int port, Duration interval) {
    String to = from.contains(":") ? SERVER_V6 : SERVER_V4;
    Process p = start(List.of("ip", "netns", "exec", client, javaBin(), "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), Prober.class.getName(), from, to,
        Integer.toString(port), Long.toString(interval.toMillis())));
    return Prober.Handle.attach(p);
  }

  /** Runs the cfsync CLI inside the server namespace as its own process. */
  public Process cfsync(Path workDir, String... args) {
    return cfsync(workDir, Map.of(), args);
  }

  /** The same with extra environment variables (PATH, NOTIFY_SOCKET, ...). */
  public Process cfsync(Path workDir, Map<String, String> env, String... args) {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", server, javaBin(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
        System.getProperty("java.class.path"), "io.cfsync.cli.Main"));
    argv.addAll(List.of(args));
    try {
      ProcessBuilder pb = new ProcessBuilder(argv).directory(workDir.toFile());
      pb.environment().remove("HTTPS_PROXY");
      pb.environment().remove("https_proxy");
      pb.environment().putAll(env);
      Process p = pb.start();
      synchronized (processes) {
        processes.add(p);
      }
      return p;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs the cfsync CLI in the server namespace to completion. */
  public Result cfsyncRun(Path workDir, String... args) {
    Process p = cfsync(workDir, args);
    try {
      var out = p.getInputStream().readAllBytes();
      var err = p.getErrorStream().readAllBytes();
      int rc = p.waitFor();
      return new Result(rc, new String(out, java.nio.charset.StandardCharsets.UTF_8),
          new String(err, java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private Process start(List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      synchronized (processes) {
        processes.add(p);
      }
      return p;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    synchronized (processes) {
      for (Process p : processes) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
      for (Process p : processes) {
        try {
          p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    // Anything still running inside (a listener's forked child) must go before the netns.
    for (String ns : List.of(server, client)) {
      Result pids = host.run(Command.of("ip", "netns", "pids", ns));
      for (String pid : pids.stdout().split("\\s+")) {
        if (!pid.isBlank()) {
          ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
      host.run(Command.of("ip", "netns", "del", ns));
    }
  }
}
