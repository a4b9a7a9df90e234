package io.cfsync.backend;

import com.google.common.collect.ImmutableList;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.exec.SystemProcessRunner;
import io.cfsync.live.Netns;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A third namespace behind the server, as a Docker container sits behind its host: a veth
 * (172.18.0.0/24, fd00:dead:beef::/64), forwarding on in the server, listeners on 8080 and
 * 8081. The test adds the DNAT and DOCKER-USER rules Docker would.
 */
final class Container implements AutoCloseable {

  private final String ns;
  private final ProcessRunner host = new SystemProcessRunner();
  private final List<Process> listeners = new ArrayList<>();

  /** The container's addresses, as DNAT targets take them. */
  static final String V4 = "172.18.0.2";
  static final String V6 = "[fd00:dead:beef::2]";

  private Container(String ns) {
    this.ns = ns;
  }

  static Container attach(Netns net) {
    String srv = net.serverName();
    String id = srv.substring(3, srv.length() - 1);
    Container c = new Container("cfs" + id + "k");
    try {
      c.setUp(srv, "ck" + id + "a", "ck" + id + "b");
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  private void setUp(String srv, String hostSide, String boxSide) {
    ip("netns", "add", ns);
    ip("link", "add", hostSide, "type", "veth", "peer", "name", boxSide);
    ip("link", "set", hostSide, "netns", srv);
    ip("link", "set", boxSide, "netns", ns);
    ip("-n", srv, "addr", "add", "172.18.0.1/24", "dev", hostSide);
    ip("-n", srv, "addr", "add", "fd00:dead:beef::1/64", "dev", hostSide, "nodad");
    ip("-n", srv, "link", "set", hostSide, "up");
    ip("-n", ns, "link", "set", "lo", "up");
    ip("-n", ns, "addr", "add", "172.18.0.2/24", "dev", boxSide);
    ip("-n", ns, "addr", "add", "fd00:dead:beef::2/64", "dev", boxSide, "nodad");
    ip("-n", ns, "link", "set", boxSide, "up");
    ip("-n", ns, "route", "add", "default", "via", "172.18.0.1");
    ip("-n", ns, "-6", "route", "add", "default", "via", "fd00:dead:beef::1");
    check(List.of("ip", "netns", "exec", srv, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1",
        "net.ipv6.conf.all.forwarding=1"));
    for (String port : List.of("8080", "8081")) {
      try {
        listeners.add(new ProcessBuilder("ip", "netns", "exec", ns, "socat", "-u",
            "TCP6-LISTEN:" + port + ",ipv6only=0,reuseaddr,fork", "OPEN:/dev/null")
            .redirectError(ProcessBuilder.Redirect.DISCARD).start());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (String port : List.of("8080", "8081")) {
      while (!host.run(Command.of("ip", "netns", "exec", ns, "ss", "-Hltn", "sport = :" + port))
          .stdout().contains(":" + port)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("container listener " + port + " did not start");
        }
        Thread.onSpinWait();
      }
    }
  }

  String v4() {
    return V4;
  }

  String v6() {
    return V6;
  }

  private void ip(String... args) {
    List<String> argv = new ArrayList<>(List.of("ip"));
    argv.addAll(List.of(args));
    check(argv);
  }

  private void check(List<String> argv) {
    Result r = host.run(Command.of(ImmutableList.copyOf(argv)));
    if (!r.ok()) {
      throw new IllegalStateException(String.join(" ", argv) + ": " + r.stderr());
    }
  }

  @Override
  public void close() {
    for (Process p : listeners) {
      p.destroyForcibly();
    }
    Result pids = host.run(Command.of("ip", "netns", "pids", ns));
    for (String pid : pids.stdout().split("\\s+")) {
      if (!pid.isBlank()) {
        ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    host.run(Command.of("ip", "netns", "del", ns));
  }
}
