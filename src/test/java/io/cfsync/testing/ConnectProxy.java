package io.cfsync.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A minimal HTTPS proxy on loopback: it answers {@code CONNECT host:port} by opening the
 * tunnel and copying bytes both ways, optionally after demanding Basic credentials (407). It
 * records every request head so a test can see that the client came through it.
 */
public final class ConnectProxy implements AutoCloseable {

  private final ServerSocket server;
  private final Optional<String> requiredAuthorization;
  private final List<String> heads = new CopyOnWriteArrayList<>();
  private final Thread thread;

  /** @param requiredAuthorization the exact Proxy-Authorization value to demand, if any */
  public ConnectProxy(Optional<String> requiredAuthorization) {
    this.requiredAuthorization = requiredAuthorization;
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    thread = new Thread(this::loop, "connect-proxy-" + server.getLocalPort());
    thread.setDaemon(true);
    thread.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** The request heads received, in order (request line and headers). */
  public List<String> heads() {
    return List.copyOf(heads);
  }

  private void loop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      Thread t = new Thread(() -> serve(client), "connect-proxy-conn");
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(Socket client) {
    try (client) {
      String head = readHead(client.getInputStream());
      heads.add(head);
      String[] requestLine = head.lines().findFirst().orElse("").split(" ");
      OutputStream out = client.getOutputStream();
      if (requestLine.length < 2 || !requestLine[0].equals("CONNECT")) {
        out.write("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        return;
      }
      if (requiredAuthorization.isPresent() && head.lines().noneMatch(l -> l.equalsIgnoreCase(
          "Proxy-Authorization: " + requiredAuthorization.get()))) {
        out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic "
            + "realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        return;
      }
      String[] hostPort = requestLine[1].split(":");
      try (Socket upstream = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
        out.write("HTTP/1.1 200 Connection established\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Thread up = new Thread(() -> pump(client, upstream), "connect-proxy-up");
        up.setDaemon(true);
        up.start();
        pump(upstream, client);
        up.join(10_000);
      }
    } catch (IOException | InterruptedException e) {
      // The tunnel ends when either side closes; nothing to report.
    }
  }

  private static void pump(Socket from, Socket to) {
    try {
      from.getInputStream().transferTo(to.getOutputStream());
      to.shutdownOutput();
    } catch (IOException e) {
      // One side went away.
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int state = 0;
    int c;
    while ((c = in.read()) != -1) {
      buf.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
          : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
      if (state == 4) {
        break;
      }
    }
    return buf.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() {
    try {
      server.close();
      thread.join(5000);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
