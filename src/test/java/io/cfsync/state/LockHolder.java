package io.cfsync.state;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A child JVM for RunLockTest: takes the lock in the directory given, says
 * {@code locked PID} on stdout, then holds it until its stdin closes (or it is killed).
 */
public final class LockHolder {

  private LockHolder() {}

  public static void main(String[] args) throws IOException {
    RunLock lock = RunLock.acquire(new StateDir(Path.of(args[0])),
        Duration.ofSeconds(Long.parseLong(args.length > 1 ? args[1] : "30")));
    try {
      System.out.println("locked " + ProcessHandle.current().pid());
      System.out.flush();
      while (System.in.read() != -1) {
        // Hold until the parent closes our stdin.
      }
    } finally {
      lock.close();
    }
    System.out.println("released");
    System.out.flush();
  }
}
