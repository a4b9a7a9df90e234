package io.cfsync.cli;

import io.cfsync.sync.Log;
import java.io.PrintStream;

/**
 * stderr, one line per event, {@code cfsync: } first (journald keeps lines whole). Levels:
 * warnings always, notices (a run that changed the firewall or fell back) always, information
 * unless {@code -q}, debug with {@code -v}. When stderr is the journal, each line starts with
 * its syslog level ({@code <4>}), which journald strips and stores as the priority, so
 * {@code journalctl -p warning -u cfsync} shows only what needs a look.
 */
final class Console implements Log {

  private final PrintStream err;
  private final int verbosity;
  private final boolean journal;

  Console(PrintStream err, int verbosity) {
    this(err, verbosity, Journal.isStderr());
  }

  Console(PrintStream err, int verbosity, boolean journal) {
    this.err = err;
    this.verbosity = verbosity;
    this.journal = journal;
  }

  int verbosity() {
    return verbosity;
  }

  @Override
  public void warn(String message) {
    err.println(Journal.prefix(journal, Journal.WARNING) + "cfsync: " + message);
  }

  /** Worth a line even with {@code -q}: cron mails it, journald keeps it at notice. */
  void notice(String message) {
    err.println(Journal.prefix(journal, Journal.NOTICE) + "cfsync: " + message);
  }

  @Override
  public void info(String message) {
    if (verbosity >= 0) {
      err.println(Journal.prefix(journal, Journal.INFO) + "cfsync: " + message);
    }
  }

  @Override
  public void debug(String message) {
    if (verbosity > 0) {
      err.println(Journal.prefix(journal, Journal.DEBUG) + "cfsync: " + message);
    }
  }
}
