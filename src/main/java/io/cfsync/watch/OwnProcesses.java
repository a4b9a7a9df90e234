package io.cfsync.watch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pids of the tools this process started, so that the transactions they commit (the
 * watch's own applies) are not mistaken for someone else's. A pid is remembered for a
 * minute: long enough for {@code nft monitor}'s report to arrive, short enough that the
 * kernel will not have handed the same number to another process.
 */
public final class OwnProcesses {

  private static final long KEEP_NANOS = 60_000_000_000L;

  private final Map<Long, Long> started = new ConcurrentHashMap<>();

  /** Records a child's pid (the runner's start callback). */
  public void started(long pid) {
    long now = System.nanoTime();
    started.put(pid, now);
    if (started.size() > 256) {
      started.values().removeIf(t -> now - t > KEEP_NANOS);
    }
  }

  boolean isOwn(long pid) {
    Long at = started.get(pid);
    return at != null && System.nanoTime() - at <= KEEP_NANOS;
  }
}
