package io.cfsync.backend.nftables;

import io.cfsync.exec.Command;
import io.cfsync.model.Prefix;
import java.time.Duration;
import java.util.List;

/**
 * One {@code nft -f -} script under construction: everything in it is one kernel transaction.
 * Elements go in {@code add element} commands of at most {@link #CHUNK} elements, eight to a
 * line, so a 100k-prefix plan stays readable in an editor and no single command grows huge.
 */
final class Script {

  /** Elements per {@code add element} command. */
  static final int CHUNK = 1024;
  private static final int PER_LINE = 8;

  private final StringBuilder sb = new StringBuilder();
  private long elements;

  Script line(String s) {
    sb.append(s).append('\n');
    return this;
  }

  /** {@code add element} commands putting the prefixes into the set (nothing if none). */
  Script addElements(TableRef table, String set, List<Prefix> all) {
    for (int from = 0; from < all.size(); from += CHUNK) {
      List<Prefix> chunk = all.subList(from, Math.min(all.size(), from + CHUNK));
      sb.append("add element ").append(table).append(' ').append(set).append(" {");
      for (int i = 0; i < chunk.size(); i++) {
        sb.append(i % PER_LINE == 0 ? "\n\t" : " ");
        element(sb, chunk.get(i));
        if (i < chunk.size() - 1) {
          sb.append(',');
        }
      }
      sb.append("\n}\n");
      elements += chunk.size();
    }
    return this;
  }

  /** A host prefix as nft lists it: the bare address. */
  static void element(StringBuilder sb, Prefix p) {
    if (p.length() == p.family().bits()) {
      sb.append(com.google.common.net.InetAddresses.toAddrString(p.network()));
    } else {
      sb.append(p);
    }
  }

  boolean isEmpty() {
    return sb.length() == 0;
  }

  String text() {
    return sb.toString();
  }

  /**
   * The script as a command. The timeout grows with the element count: nft needs about 2 s
   * per 100k interval elements on a small machine, and a kill on timeout only rolls back.
   */
  Command command() {
    return Command.of("nft", "-f", "-").withStdin(sb.toString())
        .withTimeout(Command.DEFAULT_TIMEOUT.plus(Duration.ofMillis(elements)));
  }
}
