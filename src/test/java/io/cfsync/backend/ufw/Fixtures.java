package io.cfsync.backend.ufw;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Action;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Hook;
import io.cfsync.backend.Naming;
import io.cfsync.backend.Policy;
import io.cfsync.backend.PortRange;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Fixture files, Cloudflare's lists and builders for UFW unit tests. */
final class Fixtures {

  static final UfwPaths PATHS = UfwPaths.SYSTEM;

  private Fixtures() {}

  static String resource(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("no resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String nutratech(Family f) {
    return resource(f == Family.V4 ? "nutratech-user.rules" : "nutratech-user6.rules");
  }

  static String golden(String name) {
    return resource("/golden/ufw/" + name);
  }

  /** Cloudflare's lists as the built-in snapshot holds them (the same as the shared data). */
  static PrefixSet cloudflare() {
    return io.cfsync.testing.Fixtures.builtin();
  }

  static PrefixSet prefixes(String... cidrs) {
    List<Prefix> out = new ArrayList<>();
    for (String c : cidrs) {
      out.add(Prefix.parse(c));
    }
    return PrefixSet.of(out);
  }

  static Desired desired(PrefixSet p, String ports, Policy policy, String mode,
      String... extraOptions) {
    Map<String, String> opts = new HashMap<>();
    opts.put("ufw-mode", mode);
    for (String o : extraOptions) {
      opts.put(o, "true");
    }
    return new Desired(p, ImmutableSet.of(Family.V4, Family.V6), PortRange.parseList(ports),
        policy, Hook.INPUT, Action.DROP, PrefixSet.empty(), Naming.DEFAULT,
        ImmutableMap.copyOf(opts));
  }

  static Desired desired(PrefixSet p, String mode) {
    return desired(p, "80,443", Policy.ALLOW, mode);
  }

  /** UFW enabled, default deny, both files as given, chains loaded from exactly these files. */
  static UfwState state(String v4, String v6) {
    return state(v4, v6, true, "DROP", true);
  }

  static UfwState state(String v4, String v6, boolean enabled, String input, boolean loaded) {
    ImmutableMap.Builder<Family, UfwState.FamilyState> m = ImmutableMap.builder();
    for (Family f : Family.values()) {
      String content = f == Family.V4 ? v4 : v6;
      if (content == null) {
        continue;
      }
      Path p = PATHS.rules(f);
      RulesFile file = RulesFile.parse(f, p.toString(), content);
      m.put(f, new UfwState.FamilyState(f, p, content, file,
          loaded ? Optional.of(file.shapes()) : Optional.empty()));
    }
    return new UfwState("cfsync", enabled, input, m.buildOrThrow());
  }

  static ImmutableList<String> lines(String s) {
    return ImmutableList.copyOf(s.split("\n", -1));
  }
}
