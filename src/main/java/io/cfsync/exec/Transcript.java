package io.cfsync.exec;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;

/**
 * The commands a run would execute, in order, printable as a script an operator can paste:
 * each argv shell-quoted, stdin as a quoted here-document.
 */
public final class Transcript {

  private final List<Command> commands = new ArrayList<>();

  synchronized void add(Command c) {
    commands.add(c);
  }

  public synchronized ImmutableList<Command> commands() {
    return ImmutableList.copyOf(commands);
  }

  public synchronized boolean isEmpty() {
    return commands.isEmpty();
  }

  /** The script form: {@code nft -f - <<'CFSYNC'} … {@code CFSYNC}. */
  public String render() {
    return render(commands());
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
