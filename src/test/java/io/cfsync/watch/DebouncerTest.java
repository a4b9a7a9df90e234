package io.cfsync.watch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DebouncerTest {

  private static final long MS = 1_000_000L;

  @Test
  void aBurstIsDueOnceAfterTheQuietTime() {
    Debouncer d = new Debouncer(150 * MS, 1000 * MS);
    assertThat(d.pending()).isFalse();
    for (long t = 0; t < 20; t++) {
      d.event(t * MS);
    }
    assertThat(d.isDue(100 * MS)).isFalse();
    assertThat(d.isDue(168 * MS)).isFalse();
    assertThat(d.isDue(169 * MS)).isTrue();
    d.clear();
    assertThat(d.isDue(500 * MS)).isFalse();
  }

  @Test
  void changesThatNeverPauseAreCheckedAfterTheMaximumDelay() {
    Debouncer d = new Debouncer(150 * MS, 1000 * MS);
    for (long t = 0; t <= 2000; t += 100) {
      d.event(t * MS);
      if (t >= 1000) {
        assertThat(d.isDue(t * MS)).as("at %s ms", t).isTrue();
        break;
      }
      assertThat(d.isDue(t * MS)).as("at %s ms", t).isFalse();
    }
  }

  @Test
  void backoffDoublesUpToItsCapAndResets() {
    Watcher.Backoff b = new Watcher.Backoff(2, 10);
    assertThat(b.next()).isEqualTo(2);
    assertThat(b.next()).isEqualTo(4);
    assertThat(b.next()).isEqualTo(8);
    assertThat(b.next()).isEqualTo(10);
    assertThat(b.next()).isEqualTo(10);
    b.reset();
    assertThat(b.next()).isEqualTo(2);
  }
}
