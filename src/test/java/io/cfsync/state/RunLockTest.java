package io.cfsync.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cfsync.error.BackendFailure;
import io.cfsync.error.ExitCode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {

  @TempDir
  Path dir;

  private Process child;

  @AfterEach
  void killChild() throws InterruptedException {
    if (child != null && child.isAlive()) {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private StateDir state() {
    return new StateDir(dir.resolve("state"));
  }

  /** Starts a JVM that takes the lock, and waits until it says it has it. */
  private long startHolder() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    child = new ProcessBuilder(List.of(java, "-Xmx32m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
        state().root().toString()))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.US_ASCII));
    String line = out.readLine(); // blocks until the child holds the lock or dies
    assertThat(line).as("the child's first line").isNotNull().startsWith("locked ");
    long pid = Long.parseLong(line.substring("locked ".length()));
    assertThat(pid).isEqualTo(child.pid());
    return pid;
  }

  @Test
  void writesTheHoldersPidIntoA0600File() throws IOException {
    RunLock lock = RunLock.acquire(state(), Duration.ofSeconds(1));
    try {
      Path f = state().resolve("lock");
      assertThat(Files.readString(f)).isEqualTo(ProcessHandle.current().pid() + "\n");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
          .isEqualTo("rw-------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state().root())))
          .isEqualTo("rwx------");
    } finally {
      lock.close();
    }
  }

  @Test
  void aSecondProcessWaitsThenFailsWithExit1NamingTheHolder() throws IOException {
    long pid = startHolder();
    long started = System.nanoTime();
    Throwable t = catchThrowable(() -> RunLock.acquire(state(), Duration.ofMillis(300)));
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertThat(t).isInstanceOf(BackendFailure.class).hasMessage("another cfsync run (pid " + pid
        + ") holds " + state().resolve("lock") + " for more than 300 ms; wait for it or raise "
        + "--lock-timeout");
    assertThat(((BackendFailure) t).exitCode()).isEqualTo(ExitCode.ERROR);
    // It did wait (the timeout is a lower bound, not a timing assertion on the machine).
    assertThat(waitedMs).isGreaterThanOrEqualTo(300);
  }

  @Test
  void aLockIsFreedWhenItsHolderIsKilled() throws Exception {
    startHolder();
    assertThat(catchThrowable(() -> RunLock.acquire(state(), Duration.ofMillis(50))))
        .isInstanceOf(BackendFailure.class);

    child.destroyForcibly(); // SIGKILL: no shutdown hook, no close(); only the kernel cleans up
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

    RunLock lock = RunLock.acquire(state(), Duration.ofSeconds(30));
    assertThat(Files.readString(state().resolve("lock")))
        .isEqualTo(ProcessHandle.current().pid() + "\n");
    lock.close();
  }

  @Test
  void aWaitingProcessGetsTheLockWhenTheHolderFinishes() throws Exception {
    startHolder();
    CompletableFuture<RunLock> waiter = CompletableFuture.supplyAsync(
        () -> RunLock.acquire(state(), Duration.ofSeconds(60)));
    assertThat(waiter).isNotDone();
    child.getOutputStream().close(); // the holder finishes its run
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).isZero();
    RunLock lock = waiter.get(60, TimeUnit.SECONDS);
    assertThat(Files.readString(state().resolve("lock")))
        .isEqualTo(ProcessHandle.current().pid() + "\n");
    lock.close();
  }

  @Test
  void aSecondThreadWaitsThenFailsWithoutBreakingTheFirstsLock() throws Exception {
    RunLock first = RunLock.acquire(state(), Duration.ofSeconds(1));
    try {
      Throwable t = CompletableFuture.supplyAsync(() -> catchThrowable(
          () -> RunLock.acquire(state(), Duration.ofMillis(200)))).get(30, TimeUnit.SECONDS);
      assertThat(t).isInstanceOf(BackendFailure.class)
          .hasMessageContaining("holds " + state().resolve("lock") + " for more than 200 ms");
      assertThat(((BackendFailure) t).exitCode()).isEqualTo(ExitCode.ERROR);

      // POSIX locks vanish when any descriptor of the file closes: the failed waiter must not
      // have freed the first holder's lock for other processes.
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process other = new ProcessBuilder(List.of(java, "-Xmx32m", "-XX:TieredStopAtLevel=1",
          "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
          state().root().toString(), "0"))
          .redirectErrorStream(true).start();
      other.getOutputStream().close();
      String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(other.exitValue()).isNotZero();
      assertThat(output).contains("another cfsync run (pid " + ProcessHandle.current().pid()
          + ")").doesNotContain("locked");
    } finally {
      first.close();
    }
  }

  @Test
  void aSecondThreadGetsTheLockOnceTheFirstCloses() throws Exception {
    RunLock first = RunLock.acquire(state(), Duration.ofSeconds(1));
    CompletableFuture<RunLock> second = CompletableFuture.supplyAsync(
        () -> RunLock.acquire(state(), Duration.ofSeconds(60)));
    assertThat(second).isNotDone();
    first.close();
    first.close(); // closing twice is harmless
    RunLock l = second.get(60, TimeUnit.SECONDS);
    assertThat(Files.readString(state().resolve("lock")))
        .isEqualTo(ProcessHandle.current().pid() + "\n");
    l.close();
    // And the lock is free again afterwards.
    RunLock.acquire(state(), Duration.ofMillis(100)).close();
  }

  @Test
  void formatsTimeoutsTheWayTheyWereWritten() {
    assertThat(RunLock.human(Duration.ofMillis(300))).isEqualTo("300 ms");
    assertThat(RunLock.human(Duration.ofSeconds(60))).isEqualTo("60 s");
    assertThat(RunLock.human(Duration.ofMillis(1500))).isEqualTo("1.5 s");
  }
}
