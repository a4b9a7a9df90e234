package io.cfsync.doctor;

import com.fasterxml.jackson.jr.ob.JSON;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.source.BuiltinSource;
import io.cfsync.source.FetchContext;
import io.cfsync.source.Limits;
import io.cfsync.state.CachedList;
import io.cfsync.state.ListCache;
import io.cfsync.state.StateDir;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * cfsync itself: when its lists were last fetched (the last-known-good cache in the state
 * dir), what the last {@code apply} recorded ({@code metrics-apply.properties}, written when
 * it runs with {@code --metrics-file}), and whether something runs it (the systemd timer, or
 * a cron entry). Every file is read tolerantly: a missing or odd file is reported, never a
 * crash.
 */
public final class SelfCheck {

  static final String CHECK = "cfsync";
  static final String RUN_RECORD = "metrics-apply.properties";

  /** The list doctor compares against: the cached lists if any, else the built-in snapshot. */
  public record Reference(ImmutableList<Prefix> prefixes, String name) {
    public Reference {
      prefixes = ImmutableList.copyOf(prefixes);
    }

    public PrefixSet set() {
      return PrefixSet.of(prefixes);
    }
  }

  private final StateDir state;
  private final Instant now;
  private final Duration staleAfter;

  public SelfCheck(StateDir state, Instant now, Duration staleAfter) {
    this.state = state;
    this.now = now;
    this.staleAfter = staleAfter;
  }

  /** Every valid cached list, newest first; damaged ones are reported through {@code warn}. */
  public List<CachedList> caches(List<String> warnings) {
    List<CachedList> out = new ArrayList<>();
    Path root = state.root();
    if (!Files.isDirectory(root)) {
      return out;
    }
    ListCache cache = new ListCache(state);
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "cache-*.json")) {
      for (Path p : ds) {
        Optional<String> source = sourceOf(p);
        if (source.isEmpty()) {
          warnings.add("cache " + p + " is unreadable; ignoring it");
          continue;
        }
        cache.load(source.get(), warnings::add).ifPresent(out::add);
      }
    } catch (IOException e) {
      warnings.add("state dir " + root + " cannot be listed (" + e.getMessage() + ")");
    }
    out.sort(Comparator.comparing(CachedList::fetchedAt).reversed());
    return out;
  }

  private static Optional<String> sourceOf(Path p) {
    try {
      Map<String, Object> doc = JSON.std.mapFrom(Files.readAllBytes(p));
      return doc.get("source") instanceof String s ? Optional.of(s) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The union of the cached Cloudflare lists, or the built-in snapshot when none is cached. */
  public static Reference reference(List<CachedList> caches) {
    List<CachedList> cf = caches.stream().filter(c -> c.source().startsWith("cloudflare"))
        .toList();
    List<CachedList> use = cf.isEmpty() ? caches : cf;
    if (!use.isEmpty()) {
      List<Prefix> all = new ArrayList<>();
      use.forEach(c -> all.addAll(c.prefixes()));
      CachedList newest = use.get(0);
      return new Reference(PrefixSet.of(all).prefixes(), "the cached list of "
          + newest.source() + " (" + newest.fetchedAt() + ")");
    }
    var b = new BuiltinSource().fetch(new FetchContext(Set.of(Family.V4, Family.V6),
        Limits.DEFAULT, () -> {
          throw new IllegalStateException("the built-in snapshot needs no HTTP");
        }, url -> Optional.empty()));
    return new Reference(b.prefixes(), "the built-in snapshot of " + BuiltinSource.date());
  }

  public ImmutableList<Finding> run(List<CachedList> caches, List<String> warnings,
      ProcessRunner run, boolean systemd, Path cronDir) {
    ImmutableList.Builder<Finding> out = ImmutableList.builder();
    out.add(cache(caches, warnings));
    runRecord().ifPresent(out::add);
    out.add(scheduler(run, systemd, cronDir));
    return out.build();
  }

  Finding cache(List<CachedList> caches, List<String> warnings) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("stateDir", state.root().toString());
    d.put("caches", caches.stream().map(c -> ImmutableMap.of("source", c.source(),
        "fetchedAt", c.fetchedAt().toString(), "prefixes", c.prefixes().size())).toList());
    d.put("warnings", warnings);
    ImmutableMap<String, Object> details = ImmutableMap.copyOf(d);
    if (caches.isEmpty()) {
      return Finding.of(CHECK, "list", Status.WARN, "no cached list in " + state.root()
          + (warnings.isEmpty() ? "" : " (" + warnings.get(0) + ")") + ": cfsync never "
          + "fetched Cloudflare's lists here, or uses another --state-dir",
          "run `cfsync apply` (it fetches, caches and converges); pass --state-dir if it "
          + "keeps its state elsewhere").withDetails(details);
    }
    CachedList c = caches.get(0);
    Duration age = Duration.between(c.fetchedAt(), now);
    String when = c.fetchedAt() + " (" + LogCheck.human(age.isNegative() ? Duration.ZERO : age)
        + " ago)";
    if (age.compareTo(staleAfter) > 0) {
      return Finding.of(CHECK, "list", Status.WARN, "Cloudflare's lists were last fetched "
          + when + ": runs since then used the last-known-good copy (add-only fallback), so "
          + "new Cloudflare ranges are not allowed", "see why fetching fails: `cfsync fetch "
          + "-v` (proxy? HTTPS_PROXY, DNS, firewall egress)").withDetails(details);
    }
    if (!warnings.isEmpty()) {
      return Finding.of(CHECK, "list", Status.WARN, warnings.get(0), "delete that file; the "
          + "next `cfsync apply` writes it again").withDetails(details);
    }
    return Finding.ok(CHECK, "list", "Cloudflare's lists were last fetched " + when + " ("
        + c.prefixes().size() + " prefixes, source " + c.source() + ")").withDetails(details);
  }

  /** What the last apply recorded, when it keeps a record (apply --metrics-file). */
  Optional<Finding> runRecord() {
    Optional<byte[]> bytes;
    try {
      bytes = state.read(RUN_RECORD);
    } catch (BackendFailure e) {
      return Optional.empty();
    }
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try {
      p.load(new StringReader(new String(bytes.get(), StandardCharsets.UTF_8)));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.of(Finding.of(CHECK, "last-apply", Status.WARN, state.resolve(RUN_RECORD)
          + " is unreadable", "delete it; the next `cfsync apply --metrics-file` rewrites it"));
    }
    Optional<Instant> success = instant(p.getProperty("last_success"));
    Optional<Instant> lastRun = instant(p.getProperty("last_run"));
    String code = p.getProperty("last_exit_code", "0").trim();
    boolean fallback = Boolean.parseBoolean(p.getProperty("fallback", "false").trim());
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("file", state.resolve(RUN_RECORD).toString());
    success.ifPresent(t -> d.put("lastSuccess", t.toString()));
    lastRun.ifPresent(t -> d.put("lastRun", t.toString()));
    d.put("lastExitCode", code);
    d.put("fallback", fallback);
    ImmutableMap<String, Object> details = ImmutableMap.copyOf(d);
    if (!code.equals("0")) {
      return Optional.of(Finding.of(CHECK, "last-apply", Status.WARN, "the last apply"
          + lastRun.map(t -> " at " + t).orElse("") + " exited " + code + success.map(t ->
          "; last success " + t).orElse("; no success recorded"), "run `cfsync apply -v` to "
          + "see why").withDetails(details));
    }
    if (success.isPresent() && Duration.between(success.get(), now).compareTo(staleAfter) > 0) {
      return Optional.of(Finding.of(CHECK, "last-apply", Status.WARN, "the last successful "
          + "apply was at " + success.get(), "check that the timer or cron job still runs "
          + "`cfsync apply`").withDetails(details));
    }
    if (fallback) {
      return Optional.of(Finding.of(CHECK, "last-apply", Status.WARN, "the last apply"
          + success.map(t -> " at " + t).orElse("") + " used a fallback list (add-only): "
          + "new Cloudflare ranges may be missing", "see why fetching fails: `cfsync fetch -v`")
          .withDetails(details));
    }
    return Optional.of(Finding.ok(CHECK, "last-apply", "the last apply succeeded"
        + success.map(t -> " at " + t).orElse("") + " with a fresh list").withDetails(details));
  }

  private static Optional<Instant> instant(String s) {
    try {
      return s == null ? Optional.empty() : Optional.of(Instant.parse(s.trim()));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  Finding scheduler(ProcessRunner run, boolean systemd, Path cronDir) {
    Optional<String> cron = cronEntry(cronDir);
    if (systemd) {
      String state;
      try {
        Result r = run.run(Command.of("systemctl", "is-active", "cfsync.timer")
            .withTimeout(Duration.ofSeconds(10)));
        state = r.stdout().trim().isEmpty() ? r.firstErrorLine() : r.stdout().trim();
      } catch (BackendFailure e) {
        state = "unknown (" + e.getMessage() + ")";
      }
      if (state.equals("active")) {
        return Finding.ok(CHECK, "schedule", "cfsync.timer is active");
      }
      if (cron.isPresent()) {
        return Finding.ok(CHECK, "schedule", "cfsync.timer is " + state + ", but "
            + cron.get() + " runs cfsync");
      }
      return Finding.of(CHECK, "schedule", Status.WARN, "cfsync.timer is " + state + " and no "
          + "cron entry runs cfsync: new Cloudflare ranges will not be picked up",
          "`systemctl enable --now cfsync.timer`");
    }
    if (cron.isPresent()) {
      return Finding.ok(CHECK, "schedule", cron.get() + " runs cfsync (no systemd here)");
    }
    return Finding.of(CHECK, "schedule", Status.WARN, "no systemd here and no entry in "
        + cronDir + " runs cfsync: new Cloudflare ranges will not be picked up",
        "add a cron line such as `17 * * * * root cfsync apply -q` to " + cronDir
        + "/cfsync");
  }

  private static Optional<String> cronEntry(Path cronDir) {
    if (!Files.isDirectory(cronDir)) {
      return Optional.empty();
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(cronDir)) {
      for (Path p : ds) {
        try {
          for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            String t = line.trim();
            if (!t.startsWith("#") && t.contains("cfsync") && t.contains("apply")) {
              return Optional.of(p.toString());
            }
          }
        } catch (IOException | RuntimeException e) {
          // An unreadable or binary file is not our cron entry.
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
