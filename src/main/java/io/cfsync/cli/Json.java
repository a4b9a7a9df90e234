package io.cfsync.cli;

import com.fasterxml.jackson.jr.ob.JSON;
import io.cfsync.exec.Command;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.sync.Resolution;
import io.cfsync.sync.SourceOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --json} documents. Each has a {@code schema} field; fields are added, never
 * renamed (docs/json.md). Built as ordered maps so the key order is part of the contract.
 */
final class Json {

  private Json() {}

  static String write(Map<String, Object> doc) {
    try {
      return JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT, JSON.Feature.WRITE_NULL_PROPERTIES).asString(doc) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Map<String, Object> doc(String schema) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema", schema);
    return m;
  }

  static List<String> strings(List<Prefix> prefixes) {
    List<String> out = new ArrayList<>(prefixes.size());
    for (Prefix p : prefixes) {
      out.add(p.toString());
    }
    return out;
  }

  static Map<String, Object> byFamily(PrefixSet set) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (Family f : Family.values()) {
      m.put(f.label(), strings(set.prefixes(f)));
    }
    return m;
  }

  static List<Object> sources(Resolution r) {
    List<Object> out = new ArrayList<>();
    for (SourceOutcome o : r.outcomes()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("source", o.source());
      m.put("origin", o.origin().word());
      m.put("fallback", o.origin().fallback());
      m.put("etag", o.etag().orElse(null));
      m.put("fetchedAt", o.fetchedAt().map(Object::toString).orElse(null));
      m.put("sha256", o.sha256());
      m.put("snapshotDate", o.snapshotDate().orElse(null));
      m.put("failure", o.failure().orElse(null));
      for (Family f : Family.values()) {
        m.put(f.label(), strings(o.prefixes().stream().filter(p -> p.family() == f).toList()));
      }
      out.add(m);
    }
    return out;
  }

  static List<Object> commands(List<Command> commands) {
    List<Object> out = new ArrayList<>();
    for (Command c : commands) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("argv", c.argv());
      m.put("stdin", c.stdin().orElse(null));
      out.add(m);
    }
    return out;
  }
}
