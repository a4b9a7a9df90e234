package io.cfsync.testing;

import io.cfsync.sync.Log;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A log that keeps what a run said, by level, for assertions. */
public final class RecordingLog implements Log {

  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final List<String> infos = new CopyOnWriteArrayList<>();

  @Override
  public void warn(String message) {
    warnings.add(message);
  }

  @Override
  public void info(String message) {
    infos.add(message);
  }

  @Override
  public void debug(String message) {
    infos.add(message);
  }

  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  public List<String> infos() {
    return List.copyOf(infos);
  }
}
