package io.cfsync.exec;

import io.cfsync.error.BackendFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Starts real processes from an argument vector, never through a shell. stdout and stderr
 * are drained concurrently (a tool blocked on a full pipe would otherwise deadlock), stdin is
 * read from a complete temp file (see {@link #run}), and on timeout the process is killed.
 * {@code LC_ALL=C} because stderr gets parsed and quoted.
 */
public final class SystemProcessRunner implements ProcessRunner {

  private final List<String> prefix;
  private final Map<String, String> extraEnv;
  private final LongConsumer started;

  private static final LongConsumer NO_LISTENER = new LongConsumer() {
    @Override
    public void accept(long pid) {
      // nobody asked for pids
    }
  };

  /** Runs commands directly. */
  public SystemProcessRunner() {
    this(List.of(), Map.of());
  }

  /**
   * Runs every command behind {@code prefix}, e.g. {@code ip netns exec NAME}: how tests and
   * {@code doctor} reach a network namespace without a shell.
   */
  public SystemProcessRunner(List<String> prefix, Map<String, String> extraEnv) {
    this(prefix, extraEnv, NO_LISTENER);
  }

  /**
   * The same, telling {@code started} the pid of every process it starts: {@code cfsync watch}
   * tells its own firewall transactions from others' by the pid {@code nft monitor} names.
   */
  public SystemProcessRunner(List<String> prefix, Map<String, String> extraEnv,
      LongConsumer started) {
    this.prefix = List.copyOf(prefix);
    this.extraEnv = Map.copyOf(extraEnv);
    this.started = started;
  }

  @Override
  public Result run(Command c) {
    List<String> argv = new java.util.ArrayList<>(prefix);
    argv.addAll(c.argv());
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().put("LC_ALL", "C");
    pb.environment().putAll(extraEnv);
    Process p;
    Path input = null;
    try {
      if (c.stdin().isPresent()) {
        // Input goes through a private temp file, not a pipe: if cfsync is killed while
        // feeding a pipe, the tool reads a truncated script up to EOF, and nft commits the
        // complete commands it got (it has no COMMIT line). From a file written before the
        // start the tool gets all of it, or is never started (invariant 4).
        input = Files.createTempFile("cfsync-stdin-", ".tmp");
        Files.writeString(input, c.stdin().get(), StandardCharsets.UTF_8);
        pb.redirectInput(input.toFile());
      }
      p = pb.start();
      started.accept(p.pid());
    } catch (IOException e) {
      throw new BackendFailure(c.tool() + " could not be started (" + e.getMessage()
          + "); is it installed and on PATH?", e);
    } finally {
      deleteQuietly(input);
    }
    Forked<byte[]> out = drain(p.getInputStream());
    Forked<byte[]> err = drain(p.getErrorStream());
    if (c.stdin().isEmpty()) {
      closeQuietly(p.getOutputStream());
    }
    try {
      if (!p.waitFor(c.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor();
        throw new BackendFailure(c.tool() + " did not finish within " + c.timeout().toSeconds()
            + " s and was killed");
      }
      return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
          new String(err.join(), StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new BackendFailure("interrupted while " + c.tool() + " ran", e);
    } catch (UncheckedIOException e) {
      throw new BackendFailure(c.tool() + ": I/O with the process failed ("
          + e.getCause().getMessage() + ")", e);
    }
  }

  /** The child holds the file open; the name can go as soon as it started (or failed to). */
  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        // A leftover 0600 file in the temp dir is harmless; the run's outcome stands.
      }
    }
  }

  /** Reads a stream to its end on a thread of its own (a plain thread: see {@link Forked}). */
  private static Forked<byte[]> drain(InputStream s) {
    return Forked.start("drain", new Supplier<byte[]>() {
      @Override
      public byte[] get() {
        try (s) {
          ByteArrayOutputStream buf = new ByteArrayOutputStream();
          s.transferTo(buf);
          return buf.toByteArray();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    });
  }

  /**
   * A command without input gets end-of-file at once: closing the pipe's write end never
   * blocks, and a tool that has already exited cannot mind.
   */
  private static void closeQuietly(OutputStream s) {
    try {
      s.close();
    } catch (IOException e) {
      // The tool exited first and its end is gone: it reads no input either way.
    }
  }
}
