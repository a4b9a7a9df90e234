package io.cfsync.exec;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import java.time.Duration;
import java.util.Optional;

/** One process to start: its argument vector, what to feed on stdin, and how long it may take. */
public record Command(ImmutableList<String> argv, Optional<String> stdin, Duration timeout) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  public Command {
    argv = ImmutableList.copyOf(argv);
    checkArgument(!argv.isEmpty(), "empty argv");
    checkArgument(!timeout.isNegative() && !timeout.isZero(), "timeout %s", timeout);
  }

  public static Command of(String... argv) {
    return new Command(ImmutableList.copyOf(argv), Optional.empty(), DEFAULT_TIMEOUT);
  }

  public static Command of(ImmutableList<String> argv) {
    return new Command(argv, Optional.empty(), DEFAULT_TIMEOUT);
  }

  public Command withStdin(String input) {
    return new Command(argv, Optional.of(input), timeout);
  }

  public Command withTimeout(Duration t) {
    return new Command(argv, stdin, t);
  }

  /** The program name, for messages: {@code nft}, {@code iptables-restore}. */
  public String tool() {
    String p = argv.get(0);
    int slash = p.lastIndexOf('/');
    return slash < 0 ? p : p.substring(slash + 1);
  }

  /** The argv as a line an operator could paste into a POSIX shell. */
  public String toShell() {
    StringBuilder sb = new StringBuilder();
    for (String a : argv) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(quote(a));
    }
    return sb.toString();
  }

  static String quote(String a) {
    if (!a.isEmpty() && a.chars().allMatch(c -> Character.isLetterOrDigit(c)
        || "@%+=:,./-_".indexOf(c) >= 0)) {
      return a;
    }
    return "'" + a.replace("'", "'\\''") + "'";
  }
}
