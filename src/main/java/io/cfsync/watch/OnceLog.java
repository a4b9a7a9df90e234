package io.cfsync.watch;

import io.cfsync.sync.Log;
import java.util.HashMap;
import java.util.Map;

/**
 * A log that repeats a warning only after an hour: a watch checks often, and the plan's
 * notes (an untagged rule seen, a broader allow) would otherwise fill the journal.
 */
final class OnceLog implements Log {

  private static final long REPEAT_NANOS = 3_600_000_000_000L;

  private final Log log;
  private final Map<String, Long> said = new HashMap<>();

  OnceLog(Log log) {
    this.log = log;
  }

  @Override
  public synchronized void warn(String message) {
    long now = System.nanoTime();
    Long at = said.get(message);
    if (at == null || now - at > REPEAT_NANOS) {
      said.put(message, now);
      log.warn(message);
    }
  }

  @Override
  public void info(String message) {
    log.info(message);
  }

  @Override
  public void debug(String message) {
    log.debug(message);
  }
}
