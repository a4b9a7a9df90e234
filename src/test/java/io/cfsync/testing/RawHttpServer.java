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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP server that answers with exact bytes, for answers WireMock will not give:
 * a body shorter than its Content-Length, a body delimited only by closing the connection.
 * Responses are served in order, the last one for every later request; each connection
 * carries one request and is closed after the answer.
 */
public final class RawHttpServer implements AutoCloseable {

  private final ServerSocket server;
  private final List<byte[]> responses;
  private final AtomicInteger served = new AtomicInteger();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final Thread thread;

  public RawHttpServer(byte[]... responses) {
    this.responses = List.of(responses);
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    thread = new Thread(this::loop, "raw-http-" + server.getLocalPort());
    thread.setDaemon(true);
    thread.start();
  }

  /** A complete response: status line, headers as given, then the body bytes. */
  public static byte[] response(String statusAndHeaders, byte[] body) {
    byte[] head = (statusAndHeaders.replace("\n", "\r\n") + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[head.length + body.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(body, 0, out, head.length, body.length);
    return out;
  }

  /** A correct 200 with a Content-Length. */
  public static byte[] ok(String contentType, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return response("HTTP/1.1 200 OK\nContent-Type: " + contentType + "\nContent-Length: "
        + b.length + "\nConnection: close", b);
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.getLocalPort() + path;
  }

  public int port() {
    return server.getLocalPort();
  }

  /** The request lines received so far. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  private void loop() {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        String head = readHead(s.getInputStream());
        requests.add(head.lines().findFirst().orElse(""));
        int i = Math.min(served.getAndIncrement(), responses.size() - 1);
        OutputStream out = s.getOutputStream();
        out.write(responses.get(i));
        out.flush();
        s.shutdownOutput();
      } catch (IOException e) {
        // Closed by close() or by a client that gave up: either way, next connection.
      }
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int state = 0;
    int c;
    while ((c = in.read()) != -1) {
      buf.write(c);
      // Stop at the blank line that ends the head: \r\n\r\n.
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
