package io.cfsync.backend;

import com.google.common.base.CharMatcher;
import io.cfsync.error.UsageError;
import java.util.regex.Pattern;

/**
 * Table, chain, set names and comment tags end up inside nft scripts and restore files, so
 * they pass a strict pattern first (invariant 6): a name cannot smuggle a rule.
 */
public final class Names {

  /** Letters, digits, {@code _} and {@code -}, starting with a letter; ipset allows 31 chars. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,27}");
  private static final Pattern COMMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

  private Names() {}

  public static String name(String what, String value) {
    if (!NAME.matcher(value).matches()) {
      throw new UsageError(what + " \"" + value + "\" is not a safe name: use 1-28 letters, "
          + "digits, _ or -, starting with a letter");
    }
    return value;
  }

  public static String comment(String what, String value) {
    if (!COMMENT.matcher(value).matches() || !CharMatcher.ascii().matchesAllOf(value)) {
      throw new UsageError(what + " \"" + value + "\" is not a safe comment tag: use 1-64 "
          + "letters, digits, _ . : or -");
    }
    return value;
  }
}
