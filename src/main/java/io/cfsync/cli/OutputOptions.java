package io.cfsync.cli;

import picocli.CommandLine.Option;

/** {@code --json}, {@code -q}, {@code -v}: how a command talks. */
public final class OutputOptions {

  @Option(names = "--json", description = "Print one JSON document on stdout (see docs/json.md).")
  boolean json;

  @Option(names = {"-q", "--quiet"}, description = "Print only warnings and errors on stderr.")
  boolean quiet;

  @Option(names = {"-v", "--verbose"}, description = "Say more; show stack traces on errors.")
  boolean verbose;

  int verbosity() {
    return quiet ? -1 : verbose ? 1 : 0;
  }

  Console console() {
    return new Console(System.err, verbosity());
  }
}
