package io.cfsync.exec;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;

/**
 * The commands a run would execute, in order, printable as a script an operator can paste:
 * each argv shell-quoted, stdin as a quoted here-document, notes as {@code #} comments.
 */
public final class Transcript {

  /** A command, or a note (a comment line in the script). */
  private final List<Object> entries = new ArrayList<>();

  synchronized void add(Command c) {
    entries.add(c);
  }

  synchronized void addNote(String text) {
    entries.add(text);
  }

  public synchronized ImmutableList<Command> commands() {
    return entries.stream().filter(Command.class::isInstance).map(Command.class::cast)
        .collect(ImmutableList.toImmutableList());
  }

  public synchronized boolean isEmpty() {
    return entries.stream().noneMatch(Command.class::isInstance);
  }

  /** The script form: {@code nft -f - <<'CFSYNC'} … {@code CFSYNC}. */
  public String render() {
    List<Object> copy;
    synchronized (this) {
      copy = List.copyOf(entries);
    }
    StringBuilder sb = new StringBuilder();
    for (Object e : copy) {
      if (e instanceof Command c) {
        sb.append(render(List.of(c)));
      } else {
        for (String line : Splitter.on('\n').split((String) e)) {
          sb.append(line.isEmpty() ? "#" : "# " + line).append('\n');
        }
      }
    }
    return sb.toString();
  }

  public static String render(List<Command> commands) {
    StringBuilder sb = new StringBuilder();
    for (Command c : commands) {
      sb.append(c.toShell());
      c.stdin().ifPresentOrElse(in -> {
        String marker = marker(in);
        sb.append(" <<'").append(marker).append("'\n").append(in);
        if (!in.endsWith("\n")) {
          sb.append('\n');
        }
        sb.append(marker).append('\n');
      }, () -> sb.append('\n'));
    }
    return sb.toString();
  }

  private static String marker(String body) {
    String m = "CFSYNC";
    while (body.contains(m)) {
      m = m + "_";
    }
    return m;
  }
}
