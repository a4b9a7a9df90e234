package io.cfsync.source;

/** How forgiving a list's syntax is. */
public enum Syntax {
  /**
   * A remote body: one CIDR a line, CRLF or LF, optional final newline and leading BOM;
   * nothing else. A blank line or a comment in a download means it is not the list.
   */
  REMOTE,
  /** The operator's own file: blank lines, {@code #} comments and surrounding spaces allowed. */
  FILE
}
