package io.cfsync.backend.nftables;

import static io.cfsync.live.Netns.Outcome.CONNECTED;
import static io.cfsync.live.Netns.Outcome.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.exec.SystemProcessRunner;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --hook docker-user}: a published container port is DNATed in prerouting and
 * forwarded, so it never reaches the input hook. A "container" namespace behind the server
 * with Docker's kind of DNAT (host :80 to container :8080) shows the input form missing it
 * and the forward form catching it, while the container's own outgoing connections to port
 * 80 keep working.
 */
@Live(tools = {"nft", "socat"})
class NftablesDockerUserLiveTest {

  static final String CTR_V4 = "172.17.0.2";
  static final String CTR_V6 = "fd00:17::2";

  @TempDir
  Path tmp;

  /** A namespace behind the server, like a container on docker0, listening on 8080. */
  static final class Container implements AutoCloseable {
    final String name;
    final ProcessRunner host = new SystemProcessRunner();
    final List<Process> processes = new ArrayList<>();

    Container(Netns net) {
      String id = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
      name = "cfs" + id + "k";
      String vs = "ck" + id + "s";
      String vc = "ck" + id + "c";
      ip("netns", "add", name);
      ip("link", "add", vs, "type", "veth", "peer", "name", vc);
      ip("link", "set", vs, "netns", net.serverName());
      ip("link", "set", vc, "netns", name);
      ip("-n", name, "link", "set", "lo", "up");
      ip("-n", name, "link", "set", vc, "up");
      ip("-n", net.serverName(), "link", "set", vs, "up");
      ip("-n", net.serverName(), "addr", "add", "172.17.0.1/16", "dev", vs);
      ip("-n", net.serverName(), "addr", "add", "fd00:17::1/64", "dev", vs, "nodad");
      ip("-n", name, "addr", "add", CTR_V4 + "/16", "dev", vc);
      ip("-n", name, "addr", "add", CTR_V6 + "/64", "dev", vc, "nodad");
      ip("-n", name, "route", "add", "default", "via", "172.17.0.1");
      ip("-n", name, "-6", "route", "add", "default", "via", "fd00:17::1");
      // The client's on-link default route would ARP for the container's address, which
      // nobody answers: reach the container network through the server, as the Internet would.
      String vcl = net.client().check(Command.of("ip", "-o", "link", "show", "type", "veth"))
          .stdout().split(":")[1].strip().split("@")[0];
      net.client().check(Command.of("ip", "route", "add", "172.17.0.0/16", "via",
          Netns.SERVER_V4, "dev", vcl, "onlink"));
      net.client().check(Command.of("ip", "-6", "route", "add", "fd00:17::/64", "via",
          Netns.SERVER_V6, "dev", vcl, "onlink"));
      net.server().check(Command.of("sysctl", "-qw", "net.ipv4.ip_forward=1"));
      net.server().check(Command.of("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"));
      // Docker's -p 80:8080 as its nat chains do it: only traffic to a local address.
      net.server().check(Command.of("nft", "-f", "-").withStdin("""
          table ip nat {
          	chain prerouting {
          		type nat hook prerouting priority dstnat; policy accept;
          		fib daddr type local tcp dport 80 dnat to 172.17.0.2:8080
          	}
          }
          table ip6 nat {
          	chain prerouting {
          		type nat hook prerouting priority dstnat; policy accept;
          		fib daddr type local tcp dport 80 dnat to [fd00:17::2]:8080
          	}
          }
          """));
      start("ip", "netns", "exec", name, "socat", "-u",
          "TCP6-LISTEN:8080,ipv6only=0,reuseaddr,fork", "OPEN:/dev/null");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!runner().run(Command.of("ss", "-Hltn", "sport = :8080")).stdout()
          .contains(":8080")) {
        assertThat(System.nanoTime()).as("container listener").isLessThan(deadline);
        Thread.onSpinWait();
      }
    }

    ProcessRunner runner() {
      return new SystemProcessRunner(List.of("ip", "netns", "exec", name), Map.of());
    }

    /** An outgoing connection from the container, as an app calling an API on port 80. */
    Netns.Outcome connectOut(String to, int port) {
      String target = to.contains(":") ? "TCP6:[" + to + "]:" + port : "TCP4:" + to + ":" + port;
      Result r = runner().run(Command.of("socat", "-u", "OPEN:/dev/null",
          target + ",connect-timeout=1"));
      return r.ok() ? CONNECTED : r.stderr().contains("refused") ? Netns.Outcome.REFUSED
          : TIMEOUT;
    }

    void start(String... argv) {
      try {
        processes.add(new ProcessBuilder(argv).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    private void ip(String... args) {
      List<String> argv = new ArrayList<>(List.of("ip"));
      argv.addAll(List.of(args));
      host.check(Command.of(ImmutableList.copyOf(argv)));
    }

    @Override
    public void close() {
      for (Process p : processes) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
      Result pids = host.run(Command.of("ip", "netns", "pids", name));
      for (String pid : pids.stdout().split("\\s+")) {
        if (!pid.isBlank()) {
          ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
      host.run(Command.of("ip", "netns", "del", name));
    }
  }

  Result cli(Netns net, String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.addAll(List.of("--source", "builtin", "--state-dir", tmp.resolve("state").toString()));
    Result r = net.cfsyncRun(tmp, a.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    return r;
  }

  @Test
  void forwardFormRestrictsPublishedPortsThatTheInputHookNeverSees() {
    try (Netns net = Netns.create(); Container ctr = new Container(net)) {
      NftTesting.awaitConnected(net, Netns.OTHER_V4, 80);
      NftTesting.awaitConnected(net, Netns.OTHER_V6, 80);

      // The input hook does not see DNATed traffic: restricting it leaves the port open.
      cli(net, "apply");
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.OTHER_V6, 80)).isEqualTo(CONNECTED);

      cli(net, "apply", "--hook", "docker-user");
      assertThat(net.connect(Netns.CF_V4, 80)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.CF_V6, 80)).isEqualTo(CONNECTED);
      assertThat(net.connect(Netns.OTHER_V4, 80)).isEqualTo(TIMEOUT);
      assertThat(net.connect(Netns.OTHER_V6, 80)).isEqualTo(TIMEOUT);

      // ct status dnat: the container's own new connections to port 80 are not inbound
      // traffic and pass, though their source is outside the sets.
      Process out = null;
      try {
        out = new ProcessBuilder("ip", "netns", "exec", net.clientName(), "socat", "-u",
            "TCP6-LISTEN:80,ipv6only=0,reuseaddr,fork", "OPEN:/dev/null")
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!net.client().run(Command.of("ss", "-Hltn", "sport = :80")).stdout()
            .contains(":80")) {
          assertThat(System.nanoTime()).as("client listener").isLessThan(deadline);
          Thread.onSpinWait();
        }
        assertThat(ctr.connectOut(Netns.OTHER_V4, 80)).isEqualTo(CONNECTED);
        assertThat(ctr.connectOut(Netns.OTHER_V6, 80)).isEqualTo(CONNECTED);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } finally {
        if (out != null) {
          out.descendants().forEach(ProcessHandle::destroyForcibly);
          out.destroyForcibly();
        }
      }
    }
  }
}
