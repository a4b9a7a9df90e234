package io.cfsync.testing;

import com.google.common.collect.ImmutableList;
import com.google.common.io.Resources;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/** Cloudflare's real lists (src/test/resources/data/cloudflare, see its README). */
public final class Fixtures {

  private Fixtures() {}

  public static String text(String name) {
    try {
      return Resources.toString(Resources.getResource("data/cloudflare/" + name),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Today's ips-v4 body, as Cloudflare serves it. */
  public static String v4() {
    return text("ips-v4.txt");
  }

  /** Today's ips-v6 body, as Cloudflare serves it. */
  public static String v6() {
    return text("ips-v6.txt");
  }

  public static ImmutableList<Prefix> prefixes(String body) {
    return body.lines().filter(l -> !l.isBlank()).map(String::strip).map(Prefix::parse)
        .collect(ImmutableList.toImmutableList());
  }

  /** The prefixes listed in these classpath resources, one per line (blank lines skipped). */
  public static PrefixSet listed(String... resources) {
    ImmutableList.Builder<Prefix> out = ImmutableList.builder();
    for (String r : resources) {
      try {
        out.addAll(prefixes(Resources.toString(Resources.getResource(r),
            StandardCharsets.UTF_8)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return PrefixSet.of(out.build());
  }

  /** The jar's built-in snapshot (15 IPv4, 7 IPv6 prefixes). */
  public static PrefixSet builtin() {
    return listed("io/cfsync/source/builtin/ips-v4.txt", "io/cfsync/source/builtin/ips-v6.txt");
  }

  /** Today's 22 prefixes, v4 then v6, in Cloudflare's order. */
  public static ImmutableList<Prefix> all() {
    return ImmutableList.<Prefix>builder().addAll(prefixes(v4())).addAll(prefixes(v6())).build();
  }

  /** The API document for the given lists. */
  public static String apiJson(String v4Body, String v6Body, String etag) {
    return "{\"result\":{\"ipv4_cidrs\":" + jsonArray(v4Body.lines().toList())
        + ",\"ipv6_cidrs\":" + jsonArray(v6Body.lines().toList()) + ",\"etag\":\"" + etag
        + "\"},\"success\":true,\"errors\":[],\"messages\":[]}";
  }

  static String jsonArray(List<String> items) {
    return items.stream().filter(s -> !s.isBlank()).map(s -> "\"" + s + "\"")
        .collect(Collectors.joining(",", "[", "]"));
  }
}
