package io.cfsync.watch;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns {@code nft monitor}'s text into transactions. nft prints each object a transaction
 * touched, then {@code # new generation N by process PID (COMM)} once the kernel committed
 * it (kernels before 5.x, or nft before 0.9.x, leave out the process part). iptables-nft
 * changes appear the same way, as rules of the {@code ip filter} table.
 */
final class MonitorParser {

  private static final Pattern GENERATION =
      Pattern.compile("# new generation (\\d+)(?: by process (\\d+) \\((.*)\\))?\\s*");

  private final List<String> sample = new ArrayList<>();
  private int lines;

  /** Feeds one line; returns the transaction it completes, if it is a generation line. */
  Optional<Transaction> line(String line) {
    Matcher m = GENERATION.matcher(line);
    if (m.matches()) {
      long gen = Long.parseLong(m.group(1));
      Culprit c = m.group(2) == null ? Culprit.UNKNOWN
          : Culprit.of(Long.parseLong(m.group(2)), m.group(3));
      Transaction t = new Transaction(gen, c, ImmutableList.copyOf(sample), lines);
      sample.clear();
      lines = 0;
      return Optional.of(t);
    }
    if (!line.isBlank()) {
      lines++;
      if (sample.size() < Transaction.SAMPLE) {
        sample.add(line.strip());
      }
    }
    return Optional.empty();
  }
}
