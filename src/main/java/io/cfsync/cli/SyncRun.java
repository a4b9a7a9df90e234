package io.cfsync.cli;

import com.google.common.base.Stopwatch;
import io.cfsync.backend.Backend;
import io.cfsync.backend.Plan;
import io.cfsync.detect.Detection;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.RecordingRunner;
import io.cfsync.exec.SystemProcessRunner;
import io.cfsync.model.Family;
import io.cfsync.state.RunLock;
import io.cfsync.sync.Resolution;
import io.cfsync.sync.Sync;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The shared body of {@code plan} and {@code apply}: one code path, so that what plan prints
 * is what apply runs. Plan and dry-run send mutations to a {@link RecordingRunner}.
 */
final class SyncRun {

  enum Mode { PLAN, DRY_RUN, APPLY }

  record Outcome(Resolution lists, Backend backend, Sync.Prepared prepared, String transcript,
      boolean applied, Duration took, Optional<Detection> detection) {}

  private SyncRun() {}

  static Outcome execute(ListOptions lo, FirewallOptions fo, Console log, Mode mode,
      Duration lockTimeout) {
    Stopwatch sw = Stopwatch.createStarted();
    ProcessRunner real = new SystemProcessRunner();
    RunLock lock = mode == Mode.APPLY ? RunLock.acquire(lo.stateDir(), lockTimeout) : null;
    try {
      AutoBackend.Selection sel = AutoBackend.select(fo, lo.families(), real, log,
          mode != Mode.APPLY);
      Backend backend = sel.backend();
      Resolution lists = Lists.resolve(lo, log);
      Sync sync = new Sync(backend, real, log);
      Sync.Prepared p = sync.prepare(fo.desired(backend, lists.prefixes(), lo.families()),
          lists.addOnly(), fo.maxRemoval, fo.force);
      String transcript = "";
      if (mode == Mode.APPLY) {
        sync.apply(p, real);
      } else {
        RecordingRunner rec = new RecordingRunner();
        sync.apply(p, rec);
        transcript = rec.transcript().render();
      }
      return new Outcome(lists, backend, p, transcript, mode == Mode.APPLY && !p.plan().isEmpty(),
          sw.elapsed(), sel.detection());
    } finally {
      if (lock != null) {
        lock.close();
      }
    }
  }

  /** One line: what changed per family, from where, how long. */
  static String summary(Outcome o, boolean applied) {
    Plan plan = o.prepared().plan();
    String took = String.format(Locale.ROOT, "%.2f s", o.took().toNanos() / 1e9);
    String from = Lists.describe(o.lists()) + (o.lists().addOnly() ? ", add-only fallback" : "");
    if (plan.isEmpty()) {
      return o.backend().name() + ": in sync (" + o.prepared().effective().prefixes()
          .prefixCount(Family.V4) + " IPv4, " + o.prepared().effective().prefixes()
          .prefixCount(Family.V6) + " IPv6 prefixes); no change; source " + from + "; " + took;
    }
    StringBuilder sb = new StringBuilder(o.backend().name()).append(": ")
        .append(applied ? "applied " : "would apply ");
    for (Family f : o.prepared().effective().families()) {
      sb.append('+').append(plan.diff().added().prefixCount(f)).append("/-")
          .append(plan.diff().removed().prefixCount(f)).append(' ').append(f == Family.V4
              ? "IPv4" : "IPv6").append(", ");
    }
    sb.append(plan.commands().size()).append(" command(s); source ").append(from).append("; ")
        .append(took);
    return sb.toString();
  }

  static Map<String, Object> json(String schema, Outcome o, boolean dryRun) {
    Plan plan = o.prepared().plan();
    Map<String, Object> doc = Json.doc(schema);
    doc.put("backend", o.backend().name());
    doc.put("policy", o.prepared().effective().policy().word());
    doc.put("dryRun", dryRun);
    doc.put("inSync", plan.isEmpty());
    doc.put("applied", o.applied());
    doc.put("addOnly", o.lists().addOnly());
    Map<String, Object> changes = new LinkedHashMap<>();
    for (Family f : Family.values()) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("added", Json.strings(plan.diff().added().prefixes(f)));
      c.put("removed", Json.strings(plan.diff().removed().prefixes(f)));
      changes.put(f.label(), c);
    }
    doc.put("changes", changes);
    doc.put("desired", Json.byFamily(o.prepared().effective().prefixes()));
    doc.put("commands", Json.commands(plan.commands()));
    doc.put("notes", plan.notes());
    doc.put("sources", Json.sources(o.lists()));
    doc.put("detection", o.detection().map(AutoBackend::json).orElse(null));
    doc.put("durationMs", o.took().toMillis());
    return doc;
  }
}
