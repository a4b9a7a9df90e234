package io.cfsync.backend;

import java.util.ArrayList;
import java.util.List;

/**
 * An {@code iptables-restore --noflush} script for one table, built line by line. With
 * {@code --noflush} only the chains the script declares ({@code :NAME - [0:0]}) are flushed,
 * and the whole script is one kernel transaction: one bad line and nothing is applied.
 */
public final class XtRestore {

  private final String table;
  private final List<String> lines = new ArrayList<>();

  public XtRestore(String table) {
    this.table = table;
  }

  /** {@code :CHAIN - [0:0]}: creates the user chain, or flushes it if it exists. */
  public XtRestore declare(String chain) {
    lines.add(":" + chain + " - [0:0]");
    return this;
  }

  public XtRestore append(String chain, List<String> args) {
    lines.add("-A " + chain + " " + XtTable.join(args));
    return this;
  }

  /** {@code -I CHAIN POS ...}, 1-based. */
  public XtRestore insert(String chain, int position, List<String> args) {
    lines.add("-I " + chain + " " + position + " " + XtTable.join(args));
    return this;
  }

  /** {@code -D CHAIN ...}: deletes the first rule with exactly these arguments. */
  public XtRestore delete(String chain, List<String> args) {
    lines.add("-D " + chain + " " + XtTable.join(args));
    return this;
  }

  public XtRestore flush(String chain) {
    lines.add("-F " + chain);
    return this;
  }

  /** {@code -X CHAIN}: the chain must be empty and unreferenced by then. */
  public XtRestore deleteChain(String chain) {
    lines.add("-X " + chain);
    return this;
  }

  public boolean isEmpty() {
    return lines.isEmpty();
  }

  public String render() {
    StringBuilder sb = new StringBuilder(64 + lines.size() * 40);
    sb.append('*').append(table).append('\n');
    for (String l : lines) {
      sb.append(l).append('\n');
    }
    return sb.append("COMMIT\n").toString();
  }
}
