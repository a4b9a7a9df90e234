package io.cfsync.cli;

import io.cfsync.sync.Log;
import java.io.PrintStream;

/**
 * stderr, one line per event, {@code cfsync: } first (journald keeps lines whole). Levels:
 * warnings always, information unless {@code -q}, debug with {@code -v}.
 */
final class Console implements Log {

  private final PrintStream err;
  private final int verbosity;

  Console(PrintStream err, int verbosity) {
    this.err = err;
    this.verbosity = verbosity;
  }

  int verbosity() {
    return verbosity;
  }

  @Override
  public void warn(String message) {
    err.println("cfsync: " + message);
  }

  @Override
  public void info(String message) {
    if (verbosity >= 0) {
      err.println("cfsync: " + message);
    }
  }

  @Override
  public void debug(String message) {
    if (verbosity > 0) {
      err.println("cfsync: " + message);
    }
  }
}
