package io.cfsync.exec;

import java.util.function.Supplier;

/**
 * One piece of work on a thread of its own, joined later: how independent reads (two
 * {@code nft} listings, the iptables dumps of both flavours) overlap their process starts. A
 * plain daemon thread, not a pool: a timer run does a handful of these, and a pool's set-up
 * would cost more start-up than it saves.
 */
public final class Forked<T> {

  private final Thread thread;
  private volatile T result;
  private volatile RuntimeException failure;

  private Forked(String name, Supplier<T> work) {
    thread = new Thread(new Runnable() {
      @Override
      public void run() {
        try {
          result = work.get();
        } catch (RuntimeException e) {
          failure = e;
        }
      }
    }, name);
    thread.setDaemon(true);
  }

  /** Runs {@code c} through {@code runner} on a thread called {@code name}. */
  public static Forked<Result> run(String name, ProcessRunner runner, Command c) {
    return start(name, new Supplier<Result>() {
      @Override
      public Result get() {
        return runner.run(c);
      }
    });
  }

  /** Starts {@code work} now on a thread called {@code name}. */
  public static <T> Forked<T> start(String name, Supplier<T> work) {
    Forked<T> f = new Forked<>(name, work);
    f.thread.start();
    return f;
  }

  /** Waits for the work (even through interrupts, re-asserted after) and returns its value. */
  public T join() {
    awaitQuietly();
    if (failure != null) {
      throw failure;
    }
    return result;
  }

  /** Waits for the work and ignores its outcome: for a read whose answer is no longer needed. */
  public void awaitQuietly() {
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
