package io.cfsync.doctor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of doctor that runs inside its throw-away namespaces, started as
 * {@code ip netns exec NS java -cp CFSYNC io.cfsync.doctor.LabAgent ...}: Java cannot enter
 * a network namespace itself, and a listener or a SYN must come from inside one. Plain JDK
 * only, so it starts fast. It lives until its stdin closes, so it dies with doctor.
 *
 * <ul>
 *   <li>{@code listen PORT...}: accept (and close) connections on {@code [::]} (both
 *       families) on each port; prints {@code ready}.</li>
 *   <li>{@code probe TIMEOUT_MS}: reads {@code ID FROM TO PORT} lines, connects from FROM to
 *       TO:PORT concurrently, prints {@code ID CONNECTED|REFUSED|UNREACHABLE|TIMEOUT|ERROR
 *       detail} per line.</li>
 * </ul>
 */
public final class LabAgent {

  private LabAgent() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (args.length >= 2 && args[0].equals("listen")) {
      listen(args, out);
    } else if (args.length == 2 && args[0].equals("probe")) {
      probe(Integer.parseInt(args[1]), out);
    } else {
      System.err.println("usage: LabAgent listen PORT... | probe TIMEOUT_MS");
      System.exit(64);
    }
  }

  private static void listen(String[] args, PrintStream out) throws IOException {
    List<ServerSocket> servers = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      ServerSocket ss = new ServerSocket();
      ss.setReuseAddress(true);
      ss.bind(new InetSocketAddress(InetAddress.getByName("::"), Integer.parseInt(args[i])), 1024);
      servers.add(ss);
    }
    for (ServerSocket ss : servers) {
      Thread t = new Thread(() -> acceptLoop(ss), "accept-" + ss.getLocalPort());
      t.setDaemon(true);
      t.start();
    }
    out.println("ready");
    awaitStdinClosed();
  }

  private static void acceptLoop(ServerSocket ss) {
    while (true) {
      try {
        ss.accept().close();
      } catch (IOException e) {
        // A client that reset before accept: keep serving the others.
      }
    }
  }

  private static void probe(int timeoutMs, PrintStream out) throws IOException, InterruptedException {
    List<Thread> threads = new ArrayList<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] f = line.trim().split(" ");
      if (f.length != 4) {
        continue;
      }
      Thread t = new Thread(() -> out.println(f[0] + " " + connect(f[1], f[2],
          Integer.parseInt(f[3]), timeoutMs)), "probe-" + f[0]);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  static String connect(String from, String to, int port, int timeoutMs) {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      s.connect(new InetSocketAddress(InetAddress.getByName(to), port), timeoutMs);
      return "CONNECTED";
    } catch (NoRouteToHostException e) {
      return "UNREACHABLE " + e.getMessage();
    } catch (ConnectException e) {
      String m = String.valueOf(e.getMessage());
      return (m.contains("refused") ? "REFUSED " : "UNREACHABLE ") + m;
    } catch (SocketTimeoutException e) {
      return "TIMEOUT";
    } catch (IOException e) {
      return "ERROR " + e;
    }
  }

  private static void awaitStdinClosed() throws IOException {
    while (System.in.read() >= 0) {
      // Doctor never writes to the listener; EOF means doctor is done (or gone).
    }
    System.exit(0);
  }
}
