package io.cfsync.backend.nftables;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.error.BackendFailure;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one {@code nft -j list ...} printed: sets (with their elements already turned into
 * address ranges), chains and rules, plus any other objects ("counter NAME in table T"). Set elements are
 * read straight off the token stream: a 100k-element set is 5 MB of JSON, and building a map
 * per element first would double the read time.
 */
record Listing(ImmutableList<String> tables, ImmutableList<SetObj> sets,
    ImmutableList<ChainObj> chains, ImmutableList<RuleObj> rules,
    ImmutableList<String> others) {

  static final Listing EMPTY = new Listing(ImmutableList.of(), ImmutableList.of(),
      ImmutableList.of(), ImmutableList.of(), ImmutableList.of());

  /** An object that belongs to a table. */
  interface InTable {
    String table();
  }

  /** A set as listed. {@code plain}: no attribute beyond type, flags and comment. */
  record SetObj(String table, String name, String type, ImmutableList<String> flags,
      Optional<String> comment, boolean plain, Coverage coverage, boolean elementsUnderstood)
      implements InTable {

    /** The addresses the set holds (empty for sets of other types). */
    PrefixSet content() {
      return coverage.toPrefixSet();
    }

    /** The address family the set's type holds, if it is a plain address set. */
    Optional<Family> family() {
      return switch (type) {
        case "ipv4_addr" -> Optional.of(Family.V4);
        case "ipv6_addr" -> Optional.of(Family.V6);
        default -> Optional.empty();
      };
    }
  }

  /** A chain as listed; base chains carry type, hook, priority and policy. */
  record ChainObj(String table, String name, Optional<String> type, Optional<String> hook,
      Optional<Long> prio, Optional<String> policy, boolean plain) implements InTable {}

  /** A rule as listed, with its meaning if it has a shape cfsync writes. */
  record RuleObj(String table, String chain, long handle, Optional<String> comment,
      Optional<RuleSpec> spec) implements InTable {}

  /**
   * This listing with the elements of its sets taken from nft's text listing (see
   * {@link TextElements}); sets the text does not mention are empty.
   */
  Listing withElements(java.util.Map<String, TextElements.Found> found) {
    ImmutableList.Builder<SetObj> out = ImmutableList.builder();
    for (SetObj s : sets) {
      TextElements.Found f = found.get(s.name());
      Optional<Family> fam = s.family();
      if (fam.isEmpty()) {
        out.add(s);
        continue;
      }
      Coverage c = f == null ? Coverage.empty(fam.get()) : f.coverage(fam.get());
      Family other = fam.get() == Family.V4 ? Family.V6 : Family.V4;
      boolean understood = f == null || (f.understood && f.count(other) == 0);
      out.add(new SetObj(s.table(), s.name(), s.type(), s.flags(), s.comment(), s.plain(), c,
          understood && s.elementsUnderstood()));
    }
    return new Listing(tables, out.build(), chains, rules, others);
  }

  /** Only the objects of one table (a listing of a whole family holds every table's). */
  Listing ofTable(String table) {
    ImmutableList.Builder<String> o = ImmutableList.builder();
    for (String x : others) {
      if (x.endsWith(" in table " + table)) {
        o.add(x);
      }
    }
    return new Listing(ImmutableList.of(table), inTable(sets, table), inTable(chains, table),
        inTable(rules, table), o.build());
  }

  private static <T extends InTable> ImmutableList<T> inTable(List<T> objects, String table) {
    ImmutableList.Builder<T> out = ImmutableList.builder();
    for (T x : objects) {
      if (x.table().equals(table)) {
        out.add(x);
      }
    }
    return out.build();
  }

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final ImmutableSet<String> SET_KEYS =
      ImmutableSet.of("family", "name", "table", "type", "handle", "flags", "comment", "elem");
  private static final ImmutableSet<String> CHAIN_KEYS =
      ImmutableSet.of("family", "table", "name", "handle", "type", "hook", "prio", "policy");

  static Listing parse(String json) {
    List<SetObj> sets = new ArrayList<>();
    List<ChainObj> chains = new ArrayList<>();
    List<RuleObj> rules = new ArrayList<>();
    List<String> others = new ArrayList<>();
    List<String> tables = new ArrayList<>();
    try (JsonParser p = FACTORY.createParser(json)) {
      expect(p, JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String top = p.currentName();
        JsonToken t = p.nextToken();
        if (!top.equals("nftables") || t != JsonToken.START_ARRAY) {
          p.skipChildren();
          continue;
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String kind = p.currentName();
            p.nextToken();
            switch (kind) {
              case "set" -> sets.add(readSet(p));
              case "chain" -> chains.add(chain(asMap(readValue(p))));
              case "rule" -> rules.add(rule(asMap(readValue(p))));
              case "table" -> tables.add(Json.str(readValue(p), "name").orElse(""));
              case "metainfo" -> p.skipChildren();
              default -> {
                Object o = readValue(p);
                others.add(kind + " " + Json.str(o, "name").orElse("?") + " in table "
                    + Json.str(o, "table").orElse("?"));
              }
            }
          }
        }
      }
    } catch (IOException | ClassCastException | IllegalArgumentException e) {
      throw new BackendFailure("nft -j printed JSON cfsync cannot read (" + e.getMessage()
          + "); is nft older than 0.9.8?", e);
    }
    return new Listing(ImmutableList.copyOf(tables), ImmutableList.copyOf(sets),
        ImmutableList.copyOf(chains), ImmutableList.copyOf(rules), ImmutableList.copyOf(others));
  }

  private static void expect(JsonParser p, JsonToken want) throws IOException {
    if (p.nextToken() != want) {
      throw new IOException("expected " + want + " at " + p.currentLocation());
    }
  }

  private static ChainObj chain(Map<String, Object> m) {
    return new ChainObj(Json.str(m, "table").orElse(""), Json.str(m, "name").orElse(""),
        Json.str(m, "type"), Json.str(m, "hook"), Json.num(m, "prio"), Json.str(m, "policy"),
        CHAIN_KEYS.containsAll(m.keySet()));
  }

  private static RuleObj rule(Map<String, Object> m) {
    Optional<String> comment = Json.str(m, "comment");
    Optional<Object> expr = Json.path(m, "expr");
    Optional<RuleSpec> spec = expr.isPresent() && expr.get() instanceof List<?> e
        ? RuleSpec.fromJson(e, comment) : Optional.empty();
    return new RuleObj(Json.str(m, "table").orElse(""), Json.str(m, "chain").orElse(""),
        Json.num(m, "handle").orElse(-1L), comment, spec);
  }

  private static SetObj readSet(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new IOException("set is not an object");
    }
    Map<String, Object> attrs = new LinkedHashMap<>();
    Elements elems = new Elements();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String k = p.currentName();
      p.nextToken();
      if (k.equals("elem")) {
        elems.read(p);
      } else {
        attrs.put(k, readValue(p));
      }
    }
    Object typeValue = attrs.getOrDefault("type", "");
    String type = typeValue instanceof String s ? s : String.valueOf(typeValue);
    List<String> flags = new ArrayList<>();
    Object f = attrs.get("flags");
    if (f instanceof List<?> l) {
      for (Object x : l) {
        flags.add(String.valueOf(x));
      }
    } else if (f instanceof String s) {
      flags.add(s);
    }
    String table = Json.str(attrs, "table").orElse("");
    String name = Json.str(attrs, "name").orElse("");
    boolean plain = SET_KEYS.containsAll(attrs.keySet());
    Optional<Family> fam = switch (type) {
      case "ipv4_addr" -> Optional.of(Family.V4);
      case "ipv6_addr" -> Optional.of(Family.V6);
      default -> Optional.empty();
    };
    boolean understood = fam.isPresent() && elems.understood
        && elems.count(fam.get() == Family.V4 ? Family.V6 : Family.V4) == 0;
    Coverage coverage = fam.isPresent() ? elems.builder(fam.get()).build()
        : Coverage.empty(Family.V4);
    return new SetObj(table, name, type, ImmutableList.copyOf(flags), Json.str(attrs,
        "comment"), plain, coverage, understood);
  }

  /**
   * Set elements as address ranges: a prefix, a range, a bare address, or one of those
   * wrapped in {@code elem} (elements with counters or timeouts). The common prefix and
   * address shapes are read off the tokens directly.
   */
  private static final class Elements {
    private final Coverage.Builder v4 = new Coverage.Builder(Family.V4);
    private final Coverage.Builder v6 = new Coverage.Builder(Family.V6);
    private int v4Count;
    private int v6Count;
    private boolean understood = true;

    Coverage.Builder builder(Family f) {
      return f == Family.V4 ? v4 : v6;
    }

    int count(Family f) {
      return f == Family.V4 ? v4Count : v6Count;
    }

    void read(JsonParser p) throws IOException {
      if (p.currentToken() != JsonToken.START_ARRAY) {
        understood = false;
        p.skipChildren();
        return;
      }
      while (p.nextToken() != JsonToken.END_ARRAY) {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
          host(p.getText());
        } else if (p.currentToken() == JsonToken.START_OBJECT) {
          object(p);
        } else {
          understood = false;
          p.skipChildren();
        }
      }
    }

    private void object(JsonParser p) throws IOException {
      if (p.nextToken() != JsonToken.FIELD_NAME) {
        understood = false;
        return;
      }
      if (p.currentName().equals("prefix") && p.nextToken() == JsonToken.START_OBJECT) {
        String addr = null;
        long len = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String k = p.currentName();
          p.nextToken();
          if (k.equals("addr") && p.currentToken() == JsonToken.VALUE_STRING) {
            addr = p.getText();
          } else if (k.equals("len") && p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
            len = p.getLongValue();
          } else {
            p.skipChildren();
            understood = false;
          }
        }
        if (addr == null) {
          understood = false;
        } else {
          prefix(addr, len);
        }
        while (p.nextToken() != JsonToken.END_OBJECT) {
          p.skipChildren();
          understood = false;
        }
        return;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      String k = p.currentName();
      if (p.currentToken() == JsonToken.FIELD_NAME) {
        p.nextToken();
      }
      m.put(k, readValue(p));
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        p.nextToken();
        m.put(key, readValue(p));
      }
      element(m);
    }

    private void element(Object e) {
      Optional<Object> val = Json.path(e, "elem", "val");
      if (val.isPresent()) {
        // A counter, timeout or comment on the element: not one cfsync writes, but its
        // addresses still count (the removal guard measures what is installed).
        Optional<Object> elem = Json.path(e, "elem");
        understood &= elem.isPresent() && elem.get() instanceof Map<?, ?> x && x.size() == 1;
        e = val.get();
      }
      if (e instanceof String s) {
        host(s);
        return;
      }
      Optional<String> addr = Json.str(e, "prefix", "addr");
      Optional<Long> len = Json.num(e, "prefix", "len");
      if (addr.isPresent() && len.isPresent()) {
        prefix(addr.get(), len.get());
        return;
      }
      Optional<Object> range = Json.path(e, "range");
      if (range.isPresent() && range.get() instanceof List<?> r && r.size() == 2
          && r.get(0) instanceof String lo && r.get(1) instanceof String hi) {
        Optional<Addresses.Addr> a = Addresses.parse(lo);
        Optional<Addresses.Addr> b = Addresses.parse(hi);
        if (a.isPresent() && b.isPresent() && a.get().family() == b.get().family()
            && a.get().value().compareTo(b.get().value()) <= 0) {
          add(a.get().family(), a.get().value(), b.get().value().add(BigInteger.ONE));
          return;
        }
      }
      understood = false;
    }

    private void prefix(String addr, long len) {
      if (addr.indexOf(':') < 0) {
        // IPv4 as longs: no BigInteger per element of a 100k set
        long first = Addresses.v4(addr);
        if (first < 0 || len < 0 || len > 32 || (first & ((1L << (32 - len)) - 1)) != 0) {
          understood = false;
          return;
        }
        v4.addV4(first, first + (1L << (32 - len)));
        v4Count++;
        return;
      }
      Optional<Addresses.Addr> a = Addresses.parse(addr);
      if (a.isEmpty() || len < 0 || len > a.get().family().bits()) {
        understood = false;
        return;
      }
      int hostBits = a.get().family().bits() - (int) len;
      BigInteger first = a.get().value();
      if (hostBits > 0 && first.signum() != 0 && first.getLowestSetBit() < hostBits) {
        understood = false; // host bits set: not an element nft would print
        return;
      }
      add(a.get().family(), first, first.add(BigInteger.ONE.shiftLeft(hostBits)));
    }

    private void host(String text) {
      if (text.indexOf(':') < 0) {
        long v = Addresses.v4(text);
        if (v < 0) {
          understood = false;
          return;
        }
        v4.addV4(v, v + 1);
        v4Count++;
        return;
      }
      Optional<Addresses.Addr> a = Addresses.parse(text);
      if (a.isEmpty()) {
        understood = false;
        return;
      }
      add(a.get().family(), a.get().value(), a.get().value().add(BigInteger.ONE));
    }

    private void add(Family f, BigInteger first, BigInteger end) {
      builder(f).add(first, end);
      if (f == Family.V4) {
        v4Count++;
      } else {
        v6Count++;
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object o) {
    if (!(o instanceof Map<?, ?>)) {
      throw new IllegalArgumentException("expected an object, got " + o);
    }
    return (Map<String, Object>) o;
  }

  /** A JSON value as maps, lists, strings, longs, doubles and booleans; null becomes "". */
  private static Object readValue(JsonParser p) throws IOException {
    switch (p.currentToken()) {
      case START_OBJECT: {
        Map<String, Object> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String k = p.currentName();
          p.nextToken();
          m.put(k, readValue(p));
        }
        return m;
      }
      case START_ARRAY: {
        List<Object> l = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          l.add(readValue(p));
        }
        return l;
      }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getLongValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return "";
      default:
        throw new IOException("unexpected " + p.currentToken() + " at " + p.currentLocation());
    }
  }
}
