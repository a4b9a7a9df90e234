package io.cfsync.state;

import io.cfsync.error.BackendFailure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One run at a time (invariant 7): an exclusive lock on {@code STATE/lock}. The kernel drops
 * it when the process dies, even by {@code kill -9}, so a crashed run never blocks the next.
 * The holder's pid is written into the file so that a waiting run can say who it waits for.
 *
 * <p>The JDK takes POSIX record locks ({@code fcntl}) on Linux, and closing <em>any</em>
 * descriptor of the file drops every lock the process holds on it. So within one JVM a second
 * acquirer must not even open the file while the first holds it: it waits on an in-process
 * semaphore per lock file first, and only its winner touches the file.
 */
public final class RunLock implements AutoCloseable {

  private static final ConcurrentMap<Path, Semaphore> IN_PROCESS = new ConcurrentHashMap<>();

  private final FileChannel channel;
  private final FileLock lock;
  private final Semaphore local;
  private final AtomicBoolean closed = new AtomicBoolean();

  private RunLock(FileChannel channel, FileLock lock, Semaphore local) {
    this.channel = channel;
    this.lock = lock;
    this.local = local;
  }

  /**
   * Takes the lock, waiting up to {@code timeout}; on timeout throws a {@link BackendFailure}
   * (exit 1) naming the holder.
   */
  public static RunLock acquire(StateDir dir, Duration timeout) {
    dir.ensure();
    Path file = dir.resolve("lock");
    long deadline = System.nanoTime() + timeout.toNanos();
    Semaphore fresh = new Semaphore(1);
    Semaphore held = IN_PROCESS.putIfAbsent(file, fresh);
    Semaphore local = held != null ? held : fresh;
    try {
      if (!local.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new BackendFailure("another cfsync run (pid " + ProcessHandle.current().pid()
            + ", this process) holds " + file + " for more than " + human(timeout)
            + "; wait for it or raise --lock-timeout");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackendFailure("interrupted while waiting for the lock " + file, e);
    }
    try {
      return acquireFile(file, deadline, timeout, local);
    } catch (RuntimeException e) {
      local.release();
      throw e;
    }
  }

  private static RunLock acquireFile(Path file, long deadline, Duration timeout,
      Semaphore local) {
    FileChannel ch;
    try {
      ch = FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE),
          PosixFilePermissions.asFileAttribute(StateDir.FILE_MODE));
    } catch (IOException e) {
      throw new BackendFailure("lock " + file + ": cannot open it (" + e.getMessage() + ")", e);
    }
    long pause = 10;
    try {
      while (true) {
        FileLock l = ch.tryLock();
        if (l != null) {
          ch.truncate(0);
          ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
              .getBytes(StandardCharsets.US_ASCII)), 0);
          return new RunLock(ch, l, local);
        }
        if (System.nanoTime() >= deadline) {
          String holder = holder(ch);
          ch.close();
          throw new BackendFailure("another cfsync run" + holder + " holds " + file + " for more "
              + "than " + human(timeout) + "; wait for it or raise --lock-timeout");
        }
        // Another process holds it; the kernel offers no wait-with-timeout, so poll.
        Thread.sleep(Math.max(1, Math.min(pause,
            TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
        pause = Math.min(pause * 2, 200);
      }
    } catch (IOException | OverlappingFileLockException e) {
      closeQuietly(ch);
      throw new BackendFailure("lock " + file + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(ch);
      throw new BackendFailure("interrupted while waiting for the lock " + file, e);
    }
  }

  /** "60 s", "1.5 s", "200 ms": the way --lock-timeout was probably written. */
  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.1f s",
        ms / 1000.0);
  }

  private static String holder(FileChannel ch) {
    try {
      ByteBuffer b = ByteBuffer.allocate(32);
      int n = ch.read(b, 0);
      String pid = n > 0 ? new String(b.array(), 0, n, StandardCharsets.US_ASCII).trim() : "";
      return pid.matches("\\d+") ? " (pid " + pid + ")" : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // Closing after a failure; the lock (if any) goes with the channel.
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      lock.release();
    } catch (IOException ignored) {
      // Closing the channel below releases it anyway.
    }
    closeQuietly(channel);
    local.release();
  }
}
