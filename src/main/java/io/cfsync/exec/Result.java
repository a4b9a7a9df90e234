package io.cfsync.exec;

/** How a process ended: its exit code and everything it printed. */
public record Result(int exitCode, String stdout, String stderr) {

  public boolean ok() {
    return exitCode == 0;
  }

  /** The first non-blank line of stderr (or stdout), for one-line error messages. */
  public String firstErrorLine() {
    for (String s : new String[] {stderr, stdout}) {
      for (String line : s.split("\n")) {
        if (!line.isBlank()) {
          return line.strip();
        }
      }
    }
    return "(no output)";
  }
}
