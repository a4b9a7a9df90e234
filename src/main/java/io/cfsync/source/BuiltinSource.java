package io.cfsync.source;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import com.google.common.io.Resources;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Properties;

/**
 * The snapshot of Cloudflare's lists shipped in the jar: the offline default and the last
 * fallback. It passes the same validator as a download, so a bad snapshot cannot ship.
 */
public final class BuiltinSource implements Source {

  private static final String BASE = "/io/cfsync/source/builtin/";

  @Override
  public String name() {
    return "builtin";
  }

  @Override
  public boolean remote() {
    return false;
  }

  /** The date the snapshot was taken, ISO-8601. */
  public static String date() {
    Properties p = new Properties();
    try (InputStream in = BuiltinSource.class.getResourceAsStream(BASE + "snapshot.properties")) {
      if (in == null) {
        throw new IllegalStateException("snapshot.properties missing from the jar");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("date", "unknown");
  }

  @Override
  public Fetched fetch(FetchContext ctx) {
    ImmutableList.Builder<Prefix> all = ImmutableList.builder();
    for (Family f : ctx.families()) {
      String file = f == Family.V4 ? "ips-v4.txt" : "ips-v6.txt";
      all.addAll(Validator.parse(name() + " (" + file + ")", read(file), Syntax.REMOTE,
          ImmutableSet.of(f), ImmutableSet.of(f), ctx.limits()));
    }
    ImmutableList<Prefix> prefixes = all.build();
    Validator.checkCounts(name(), prefixes, ctx.families(), ctx.limits());
    return new Fetched(name(), prefixes, ImmutableList.of(), Optional.empty(), false,
        Optional.of(date()));
  }

  private static String read(String file) {
    URL url = BuiltinSource.class.getResource(BASE + file);
    if (url == null) {
      throw new IllegalStateException(file + " missing from the jar");
    }
    try {
      return Resources.toString(url, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
