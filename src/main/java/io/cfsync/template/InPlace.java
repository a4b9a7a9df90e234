package io.cfsync.template;

import com.google.common.collect.ImmutableList;
import io.cfsync.error.BackendFailure;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Rewrites only cfsync's part of an existing file: the lines between marker comments, or,
 * in an nftables file without markers, the elements of cfsync's named sets. Every byte
 * outside those regions is kept, and the region itself is written with the line ending the
 * file uses there (a CRLF file stays CRLF).
 */
public final class InPlace {

  /** The new text (same byte-per-char form as {@link Text}) and what was done. */
  public record Outcome(String text, ImmutableList<String> notes, int regions) {}

  private record Splice(int from, int to, String with) {}

  private InPlace() {}

  public static Outcome rewrite(String file, Text t, Renderer r, Settings s) {
    return rewrite(file, t, r, s, List.of());
  }

  /**
   * @param nftSets names of nft sets whose elements to rewrite when the file has no markers;
   *     empty means cfsync's own ({@code cfsync-v4}, {@code cfsync-v6})
   */
  public static Outcome rewrite(String file, Text t, Renderer r, Settings s,
      List<String> nftSets) {
    ImmutableList<Blocks.Block> blocks = Blocks.find(file, t);
    if (!blocks.isEmpty()) {
      return markers(file, t, blocks, r.blocks(s), r, s);
    }
    List<String> names = nftSets.isEmpty() ? List.of(s.naming().set(Family.V4),
        s.naming().set(Family.V6)) : nftSets;
    if (r.kind() == Kind.NFTABLES) {
      Optional<Outcome> o = nftSets(file, t, s, names);
      if (o.isPresent()) {
        return o.get();
      }
    }
    String sets = r.kind() == Kind.NFTABLES ? " and no nft set " + String.join("/", names)
        + " with elements" : "";
    throw new BackendFailure(file + " has no \"# BEGIN cfsync\" block" + sets + "; put "
        + "\"# BEGIN cfsync ipv4\" and \"# END cfsync ipv4\" (and ipv6) around the lines cfsync "
        + "should manage, or render the whole file");
  }

  private static Outcome markers(String file, Text t, List<Blocks.Block> blocks,
      Map<String, Renderer.RenderedBlock> rendered, Renderer r, Settings s) {
    List<Splice> splices = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (Blocks.Block b : blocks) {
      List<String> lines = new ArrayList<>();
      Renderer.RenderedBlock rb = rendered.get(b.label());
      if (rb != null) {
        lines.addAll(reindent(rb, b.indent()));
      } else if (b.label().isEmpty() && !rendered.isEmpty()) {
        // An unlabelled block takes every block of the template, in order.
        for (Renderer.RenderedBlock x : rendered.values()) {
          lines.addAll(reindent(x, b.indent()));
        }
      } else if (familyLabel(b.label()).filter(f -> !s.families().contains(f)).isPresent()) {
        notes.add(file + ":" + b.begin().number() + ": block " + b.label() + " left as it is "
            + "(--family " + s.families().stream().map(Family::digit)
            .collect(Collectors.joining(",")) + ")");
        continue;
      } else {
        throw new BackendFailure(file + ":" + b.begin().number() + ": block \"" + b.label()
            + "\" has no counterpart in template " + r.template().name() + " (it has: "
            + (rendered.isEmpty() ? "no blocks" : String.join(", ", rendered.keySet()))
            + "); fix the label or use --template");
      }
      StringBuilder sb = new StringBuilder();
      for (String l : lines) {
        sb.append(l).append(b.ending());
      }
      splices.add(new Splice(b.begin().end(), b.end().start(), sb.toString()));
    }
    return apply(t, splices, notes);
  }

  private static Optional<Family> familyLabel(String label) {
    return switch (label) {
      case "ipv4", "v4", "4" -> Optional.of(Family.V4);
      case "ipv6", "v6", "6" -> Optional.of(Family.V6);
      default -> Optional.empty();
    };
  }

  static List<String> reindent(Renderer.RenderedBlock rb, String indent) {
    List<String> out = new ArrayList<>();
    for (String l : rb.lines()) {
      if (l.isEmpty()) {
        out.add(l);
      } else if (l.startsWith(rb.indent())) {
        out.add(indent + l.substring(rb.indent().length()));
      } else {
        out.add(l);
      }
    }
    return out;
  }

  private static Optional<Outcome> nftSets(String file, Text t, Settings s,
      List<String> names) {
    String chars = t.chars();
    List<Splice> splices = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (NftScanner.Frame f : NftScanner.scan(t)) {
      if (f.kind() != NftScanner.Kind.ELEMENTS || !names.contains(f.name())) {
        continue;
      }
      Optional<Family> fam = Finder.family(f, s.naming());
      if (fam.isEmpty() && !f.entries().isEmpty()) {
        // No type line in sight (add element …): the elements it holds tell the family.
        fam = Optional.of(f.entries().get(0).family());
      }
      if (fam.isEmpty()) {
        throw new BackendFailure(file + ":" + f.line() + ": cannot tell the family of set "
            + f.name() + " (no type and no elements); give it a type line or markers");
      }
      if (!s.families().contains(fam.get())) {
        notes.add(file + ":" + f.line() + ": set " + f.name() + " left as it is (--family "
            + s.families().iterator().next().digit() + ")");
        splices.add(new Splice(f.open() + 1, f.open() + 1, ""));
        continue;
      }
      List<String> elems = s.prefixes().prefixes(fam.get()).stream().map(Prefix::toString)
          .toList();
      String inner = chars.substring(f.open() + 1, f.close());
      String with;
      if (inner.indexOf('\n') < 0) {
        with = " " + String.join(", ", elems) + " ";
      } else {
        int lineStart = chars.lastIndexOf('\n', f.open()) + 1;
        Text.Line braceLine = t.lines().get(t.lineOf(f.open()) - 1);
        String eol = braceLine.ending(chars);
        String outer = leading(chars.substring(lineStart, f.open()));
        String closing = inner.substring(inner.lastIndexOf('\n') + 1);
        if (!closing.isBlank()) {
          closing = outer;
        }
        String indent = firstIndent(inner).orElse(outer + (outer.contains("\t") || outer.isEmpty()
            ? "\t" : "    "));
        StringBuilder sb = new StringBuilder(eol);
        for (String e : elems) {
          sb.append(indent).append(e).append(',').append(eol);
        }
        sb.append(closing);
        with = sb.toString();
      }
      splices.add(new Splice(f.open() + 1, f.close(), with));
    }
    if (splices.isEmpty()) {
      return Optional.empty();
    }
    splices.removeIf(x -> x.from() == x.to() && x.with().isEmpty());
    return Optional.of(apply(t, splices, notes));
  }

  private static String leading(String s) {
    int i = 0;
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    return s.substring(0, i);
  }

  /** The indentation of the first line inside the braces that holds something. */
  private static Optional<String> firstIndent(String inner) {
    String[] lines = inner.split("\n", -1);
    for (int i = 1; i < lines.length; i++) {
      String l = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1)
          : lines[i];
      if (!l.isBlank() && i < lines.length - 1) {
        return Optional.of(leading(l));
      }
    }
    return Optional.empty();
  }

  private static Outcome apply(Text t, List<Splice> splices, List<String> notes) {
    List<Splice> sorted = new ArrayList<>(splices);
    sorted.sort(Comparator.comparingInt(Splice::from).reversed());
    StringBuilder sb = new StringBuilder(t.chars());
    for (Splice sp : sorted) {
      sb.replace(sp.from(), sp.to(), sp.with());
    }
    return new Outcome(sb.toString(), ImmutableList.copyOf(notes), splices.size());
  }
}
