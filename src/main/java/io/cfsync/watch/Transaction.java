package io.cfsync.watch;

import com.google.common.collect.ImmutableList;

/**
 * One committed ruleset transaction as {@code nft monitor} printed it: the generation it
 * created, who committed it, a sample of its change lines ({@code delete table inet cfsync})
 * and how many there were. The lines only describe a heal; whether to heal is decided by
 * re-reading cfsync's state, never from them.
 */
public record Transaction(long generation, Culprit culprit, ImmutableList<String> sample,
    int lines) {

  /** Change lines kept per transaction: a 100k-element apply prints 100k lines. */
  static final int SAMPLE = 32;

  public Transaction {
    sample = ImmutableList.copyOf(sample);
  }

  public Transaction withCulprit(Culprit c) {
    return new Transaction(generation, c, sample, lines);
  }

  /** Whether a change line names one of {@code words} (a table, chain or set of cfsync's). */
  public boolean mentions(Iterable<String> words) {
    for (String line : sample) {
      for (String w : words) {
        if (containsWord(line, w)) {
          return true;
        }
      }
    }
    return false;
  }

  static boolean containsWord(String line, String word) {
    int at = line.indexOf(word);
    while (at >= 0) {
      boolean startOk = at == 0 || !isNameChar(line.charAt(at - 1));
      int end = at + word.length();
      boolean endOk = end == line.length() || !isNameChar(line.charAt(end));
      if (startOk && endOk) {
        return true;
      }
      at = line.indexOf(word, at + 1);
    }
    return false;
  }

  private static boolean isNameChar(char c) {
    return Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.';
  }
}
