package io.cfsync.backend.ufw;

import io.cfsync.error.BackendFailure;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * UFW's own lock. {@code /usr/sbin/ufw} opens {@code /run/ufw.lock} and takes
 * {@code fcntl.lockf(LOCK_EX)} on it for the whole command: a POSIX record lock over the
 * whole file. {@link FileChannel#tryLock()} is the same fcntl lock on Linux, so holding it
 * makes any concurrent {@code ufw} wait, and cfsync waits for a running one. Processes cfsync
 * starts do not inherit it (fcntl locks belong to the process), so no {@code ufw} command
 * may run while it is held: it would wait for cfsync forever.
 */
final class UfwLock implements AutoCloseable {

  private final FileChannel channel;
  private final FileLock lock;

  private UfwLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static UfwLock acquire(Path file, Duration wait) {
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new BackendFailure("cannot open UFW's lock " + file + " (" + e.getMessage()
          + "); run cfsync as root; nothing changed", e);
    }
    long deadline = System.nanoTime() + wait.toNanos();
    try {
      while (true) {
        FileLock l;
        try {
          l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
          l = null;
        }
        if (l != null) {
          return new UfwLock(ch, l);
        }
        if (System.nanoTime() > deadline) {
          throw new BackendFailure("another ufw run has held " + file + " for over "
              + wait.toSeconds() + " s; nothing changed; try again when it is done");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
    } catch (IOException e) {
      close(ch);
      throw new BackendFailure("cannot lock " + file + " (" + e.getMessage()
          + "); nothing changed", e);
    } catch (RuntimeException e) {
      close(ch);
      throw e;
    }
  }

  private static void close(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // closing drops the lock anyway
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException ignored) {
      // closing the channel below releases it too
    }
    close(channel);
  }
}
