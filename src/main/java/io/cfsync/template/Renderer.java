package io.cfsync.template;

import com.google.common.collect.ImmutableList;
import io.cfsync.error.UsageError;
import io.cfsync.model.Family;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders a template for a kind: a whole file, or only its marker blocks (for in-place). */
public final class Renderer {

  /** A rendered marker block: its label, the BEGIN marker's indentation and its lines. */
  public record RenderedBlock(String label, String indent, ImmutableList<String> lines) {}

  private final Template template;
  private final Kind kind;
  private final String version;

  public Renderer(Template template, Kind kind, String version) {
    this.template = template;
    this.kind = kind;
    this.version = version;
  }

  public Template template() {
    return template;
  }

  public Kind kind() {
    return kind;
  }

  /** The whole file. A per-family kind needs one family: its two files differ. */
  public String render(Settings s) {
    if (kind.perFamily() && s.families().size() > 1) {
      throw new UsageError("render --backend " + kind.word() + ": iptables-restore and "
          + "ip6tables-restore read separate files; render each with --family 4 (rules.v4) "
          + "and --family 6 (rules.v6)");
    }
    return template.render(Model.of(kind, s, version));
  }

  /** The template's marker blocks by label, rendered once per family for per-family kinds. */
  public Map<String, RenderedBlock> blocks(Settings s) {
    Map<Family, String> texts = new LinkedHashMap<>();
    if (kind.perFamily()) {
      for (Family f : Family.values()) {
        if (s.families().contains(f)) {
          texts.put(f, template.render(Model.of(kind, s.only(f), version)));
        }
      }
    } else {
      texts.put(null, template.render(Model.of(kind, s, version)));
    }
    Map<String, RenderedBlock> out = new LinkedHashMap<>();
    for (Map.Entry<Family, String> e : texts.entrySet()) {
      Text t = Text.ofString(e.getValue());
      for (Blocks.Block b : Blocks.find(template.name(), t)) {
        // A family's block comes from that family's rendering, even if the other one (with
        // an empty list) wrote the block too.
        Family other = e.getKey() == null ? null : e.getKey() == Family.V4 ? Family.V6
            : Family.V4;
        if (other != null && b.label().equals(other.label())) {
          continue;
        }
        List<String> lines = new ArrayList<>();
        for (Text.Line l : b.inner(t)) {
          lines.add(t.content(l));
        }
        out.putIfAbsent(b.label(), new RenderedBlock(b.label(), b.indent(),
            ImmutableList.copyOf(lines)));
      }
    }
    return out;
  }
}
