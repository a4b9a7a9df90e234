package io.cfsync.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Is stderr connected to the systemd journal? systemd sets {@code JOURNAL_STREAM=DEV:INODE}
 * for a service whose output goes to journald; the variable is inherited by children whose
 * stderr may have been redirected since, so it counts only when it names the very stream
 * stderr is (sd-daemon(3), systemd.exec(5) "JOURNAL_STREAM"). Then lines carry the
 * {@code <N>} syslog-level prefix that journald turns into the entry's priority.
 */
final class Journal {

  static final int ERR = 3;
  static final int WARNING = 4;
  static final int NOTICE = 5;
  static final int INFO = 6;
  static final int DEBUG = 7;

  private static final boolean STDERR =
      matches(System.getenv("JOURNAL_STREAM"), Path.of("/proc/self/fd/2"));

  private Journal() {}

  static boolean isStderr() {
    return STDERR;
  }

  static String prefix(boolean journal, int level) {
    return journal ? "<" + level + ">" : "";
  }

  /** True when {@code journalStream} ("dev:inode", decimal) is the file {@code fd} points at. */
  static boolean matches(String journalStream, Path fd) {
    if (journalStream == null || !journalStream.matches("\\d+:\\d+")) {
      return false;
    }
    try {
      // stat(2) through the /proc magic link reaches the socket itself, as fstat(2) would.
      Object dev = Files.getAttribute(fd, "unix:dev");
      Object ino = Files.getAttribute(fd, "unix:ino");
      return journalStream.equals(dev + ":" + ino);
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }
}
