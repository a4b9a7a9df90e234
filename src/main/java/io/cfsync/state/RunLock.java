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

/**
 * One run at a time (invariant 7): an exclusive {@code flock}-style lock on
 * {@code STATE/lock}. The kernel drops it when the process dies, even by {@code kill -9}, so
 * a crashed run never blocks the next. The holder's pid is written into the file so that a
 * waiting run can say who it waits for.
 */
public final class RunLock implements AutoCloseable {

  private final FileChannel channel;
  private final FileLock lock;

  private RunLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock, waiting up to {@code timeout}; on timeout throws a {@link BackendFailure}
   * (exit 1) naming the holder.
   */
  public static RunLock acquire(StateDir dir, Duration timeout) {
    dir.ensure();
    Path file = dir.resolve("lock");
    FileChannel ch;
    try {
      ch = FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE),
          PosixFilePermissions.asFileAttribute(StateDir.FILE_MODE));
    } catch (IOException e) {
      throw new BackendFailure("lock " + file + ": cannot open it (" + e.getMessage() + ")", e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = 10;
    try {
      while (true) {
        FileLock l;
        try {
          l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
          l = null; // held by another thread of this JVM (tests); wait like any other holder
        }
        if (l != null) {
          ch.truncate(0);
          ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
              .getBytes(StandardCharsets.US_ASCII)), 0);
          return new RunLock(ch, l);
        }
        if (System.nanoTime() >= deadline) {
          String holder = holder(ch);
          ch.close();
          throw new BackendFailure("another cfsync run" + holder + " holds " + file + " for more "
              + "than " + timeout.toSeconds() + " s; wait for it or raise --lock-timeout");
        }
        Thread.sleep(pause);
        pause = Math.min(pause * 2, 200);
      }
    } catch (IOException e) {
      closeQuietly(ch);
      throw new BackendFailure("lock " + file + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(ch);
      throw new BackendFailure("interrupted while waiting for the lock " + file, e);
    }
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
    try {
      lock.release();
    } catch (IOException ignored) {
      // Closing the channel below releases it anyway.
    }
    closeQuietly(channel);
  }
}
