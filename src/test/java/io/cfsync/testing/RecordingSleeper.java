package io.cfsync.testing;

import io.cfsync.source.HttpFetcher;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A retry sleeper that remembers the pauses it was asked for instead of waiting. */
public final class RecordingSleeper implements HttpFetcher.Sleeper {

  private final List<Duration> pauses = new CopyOnWriteArrayList<>();

  @Override
  public void sleep(Duration d) {
    pauses.add(d);
  }

  public List<Duration> pauses() {
    return List.copyOf(pauses);
  }
}
