package io.cfsync.sync;

/** Where a run reports what it does; the CLI prints it to stderr with levels. */
public interface Log {
  void warn(String message);

  void info(String message);

  void debug(String message);

  /** A log that drops everything (tests, benchmarks). */
  Log SILENT = new Log() {
    @Override
    public void warn(String message) {}

    @Override
    public void info(String message) {}

    @Override
    public void debug(String message) {}
  };
}
