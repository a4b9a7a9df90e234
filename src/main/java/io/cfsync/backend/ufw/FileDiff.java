package io.cfsync.backend.ufw;

import io.cfsync.error.BackendFailure;
import io.cfsync.text.Sha256;
import io.cfsync.text.UnifiedDiff;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rule-file change as a unified diff that {@code patch} takes and a person can read. Its
 * header lines carry the SHA-256 of the file before and after ({@code --- PATH<TAB>sha256:…},
 * where diff puts a timestamp and patch ignores it), so that applying it can prove it starts
 * from exactly the file that was planned against and ends at exactly the planned file.
 */
final class FileDiff {

  /** A parsed plan diff: the file it is for, the hashes it goes from and to. */
  record Parsed(String path, String fromSha, String toSha, UnifiedDiff.Parsed diff) {}

  private FileDiff() {}

  /**
   * The hash of a rule file's bytes. A run hashes each file it changes when planning and
   * again when applying, where it is the same text (that is what the check proves); the last
   * few answers are kept, as hashing a few KiB costs milliseconds before the JIT has compiled
   * the hash, and comparing the strings costs microseconds.
   */
  static String sha256(String content) {
    synchronized (RECENT) {
      String known = RECENT.get(content);
      if (known != null) {
        return known;
      }
    }
    String hex = Sha256.hex(content.getBytes(StandardCharsets.ISO_8859_1));
    synchronized (RECENT) {
      RECENT.put(content, hex);
    }
    return hex;
  }

  private static final int REMEMBERED = 8;

  /** Content to hash, least recently used first; a handful of entries per run. */
  private static final Map<String, String> RECENT = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > REMEMBERED;
    }
  };

  /** The diff from {@code before} to {@code after}; empty when they are equal. */
  static String create(String path, String before, String after) {
    return UnifiedDiff.diff(path + "\tsha256:" + sha256(before),
        path + "\tsha256:" + sha256(after), before, after);
  }

  static Parsed parse(String diff) {
    UnifiedDiff.Parsed d;
    try {
      d = UnifiedDiff.parse(diff);
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
    String[] from = header(d.oldHeader());
    String[] to = header(d.newHeader());
    if (!from[0].equals(to[0])) {
      throw bad("it names two files");
    }
    return new Parsed(from[0], from[1], to[1], d);
  }

  private static String[] header(String h) {
    int tab = h.indexOf('\t');
    String path = tab < 0 ? h : h.substring(0, tab);
    String rest = tab < 0 ? "" : h.substring(tab + 1);
    String sha = rest.startsWith("sha256:") ? rest.substring("sha256:".length()) : "";
    if (sha.isEmpty()) {
      throw bad("the header carries no sha256 of the file");
    }
    return new String[] {path, sha};
  }

  /**
   * Applies {@code d} to {@code before}, strictly: {@code before} must hash to the diff's
   * from-hash and the result to its to-hash.
   */
  static String apply(Parsed d, String before) {
    if (!sha256(before).equals(d.fromSha())) {
      throw new BackendFailure(d.path() + " changed since cfsync read it (a concurrent ufw "
          + "run?); nothing changed; run cfsync again");
    }
    String after;
    try {
      after = UnifiedDiff.apply(d.diff(), before);
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
    if (!sha256(after).equals(d.toSha())) {
      throw bad("the result is not the planned file");
    }
    return after;
  }

  private static BackendFailure bad(String why) {
    return new BackendFailure("ufw: the planned rule-file diff cannot be applied (" + why
        + "); nothing changed; run cfsync again");
  }
}
