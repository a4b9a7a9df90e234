package io.cfsync.live;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs inside the client namespace: connects from one source address to the server every
 * interval and prints one letter per attempt: {@code C} connected, {@code R} refused,
 * {@code T} timed out, {@code E} other error. {@link Handle} tallies them in the test.
 */
public final class Prober {

  public static void main(String[] args) throws IOException {
    InetAddress from = InetAddress.getByName(args[0]);
    InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(args[1]),
        Integer.parseInt(args[2]));
    long intervalNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[3]));
    long next = System.nanoTime();
    while (true) {
      char c;
      try (Socket s = new Socket()) {
        s.bind(new InetSocketAddress(from, 0));
        s.connect(to, 1000);
        c = 'C';
      } catch (ConnectException e) {
        c = 'R';
      } catch (SocketTimeoutException e) {
        c = 'T';
      } catch (IOException e) {
        c = 'E';
      }
      System.out.println(c);
      System.out.flush();
      next += intervalNanos;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      } else {
        next = System.nanoTime();
      }
    }
  }

  /** The test's side: counts outcomes as the prober reports them. */
  public static final class Handle {
    private final Process process;
    private final AtomicInteger connected = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger timeouts = new AtomicInteger();
    private final AtomicInteger errors = new AtomicInteger();
    /** Failures after the first success: "once let in, never refused again". */
    private final AtomicInteger failedAfterConnect = new AtomicInteger();
    private final CountDownLatch first = new CountDownLatch(1);
    private final CountDownLatch firstFailure = new CountDownLatch(1);
    private final Thread reader;

    private Handle(Process process) {
      this.process = process;
      this.reader = new Thread(this::read, "prober-reader");
      reader.setDaemon(true);
      reader.start();
    }

    static Handle attach(Process p) {
      return new Handle(p);
    }

    private void read() {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.US_ASCII))) {
        String line;
        while ((line = r.readLine()) != null) {
          switch (line) {
            case "C" -> connected.incrementAndGet();
            case "R" -> refused.incrementAndGet();
            case "T" -> timeouts.incrementAndGet();
            default -> errors.incrementAndGet();
          }
          if (!line.equals("C")) {
            firstFailure.countDown();
            if (connected.get() > 0) {
              failedAfterConnect.incrementAndGet();
            }
          }
          first.countDown();
        }
      } catch (IOException e) {
        // The process was stopped; the counts so far stand.
      }
    }

    /** Waits until the first probe has been reported, so a test starts with probing live. */
    public Handle awaitFirst() throws InterruptedException {
      if (!first.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("prober reported nothing within 30 s");
      }
      return this;
    }

    /** Waits until a probe has failed (for tests that expect the path to close). */
    public Handle awaitFailure() throws InterruptedException {
      if (!firstFailure.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("no probe failed within 30 s");
      }
      return this;
    }

    /** Probes that failed after one had connected (for runs that start closed). */
    public int failedAfterConnect() {
      return failedAfterConnect.get();
    }

    /** Stops probing and returns the tally. */
    public Stats stop() throws InterruptedException {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
      reader.join(10_000);
      return new Stats(connected.get(), refused.get(), timeouts.get(), errors.get());
    }
  }

  /** How the probes went. */
  public record Stats(int connected, int refused, int timeouts, int errors) {
    public int total() {
      return connected + refused + timeouts + errors;
    }

    public int failed() {
      return refused + timeouts + errors;
    }
  }
}
