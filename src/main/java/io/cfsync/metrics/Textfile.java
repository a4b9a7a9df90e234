package io.cfsync.metrics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Locale;
import java.util.ArrayList;
import java.util.List;

/**
 * The node_exporter textfile format (Prometheus text exposition 0.0.4) for one command's
 * {@link MetricsState}, and its atomic write. node_exporter reads every {@code *.prom} file
 * of its directory at each scrape, so a half-written file would be scraped as garbage: the
 * text goes to a hidden temporary file in the same directory (same filesystem, so the rename
 * is atomic) whose name does not end in {@code .prom}, then is renamed over the target.
 */
public final class Textfile {

  private Textfile() {}

  public static String render(MetricsState s, String version) {
    StringBuilder b = new StringBuilder();
    String cmd = "command=\"" + s.command() + "\"";
    metric(b, "cfsync_info", "gauge", "cfsync's version; always 1.",
        List.of("{" + cmd + ",version=\"" + escape(version) + "\"} 1"));
    s.lastRun().ifPresent(t -> metric(b, "cfsync_last_run_timestamp_seconds", "gauge",
        "When the last run ended, whatever its outcome (Unix time).",
        List.of("{" + cmd + "} " + seconds(t))));
    metric(b, "cfsync_last_run_exit_code", "gauge",
        "Exit code of the last run: 0 ok, 1 error, 3 refused by a safety check, 64 usage.",
        List.of("{" + cmd + "} " + s.lastExitCode()));
    metric(b, "cfsync_run_duration_seconds", "gauge", "How long the last run took.",
        List.of("{" + cmd + "} " + decimal(s.lastDuration().toNanos() / 1e9)));
    s.lastSuccess().ifPresent(t -> metric(b, "cfsync_last_success_timestamp_seconds", "gauge",
        "When the last run that exited 0 ended (Unix time).",
        List.of("{" + cmd + "} " + seconds(t))));
    s.lastChange().ifPresent(t -> metric(b, "cfsync_last_change_timestamp_seconds", "gauge",
        "When a run last changed the firewall (Unix time).",
        List.of("{" + cmd + "} " + seconds(t))));
    if (!s.prefixes().isEmpty()) {
      List<String> samples = new ArrayList<>();
      s.prefixes().forEach((f, n) -> samples.add("{" + cmd + ",family=\"" + f.label() + "\"} " + n));
      // The watch installs, as apply does.
      boolean apply = s.command().equals("apply") || s.command().equals("watch");
      metric(b, apply ? "cfsync_prefixes_installed" : "cfsync_prefixes_listed", "gauge",
          apply ? "Prefixes cfsync allows, per family, as of the last successful run."
              : "Prefixes in the validated lists, per family, as of the last successful run.",
          samples);
    }
    metric(b, "cfsync_fallback_in_use", "gauge",
        "1 when the last successful run used a last-known-good or built-in list (add-only).",
        List.of("{" + cmd + "} " + (s.fallback() ? 1 : 0)));
    metric(b, "cfsync_fetch_failures_total", "counter",
        "Sources that could not be fetched or were rejected, since the state directory was made.",
        List.of("{" + cmd + "} " + s.fetchFailuresTotal()));
    return b.toString();
  }

  private static void metric(StringBuilder b, String name, String type, String help,
      List<String> samples) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    for (String s : samples) {
      b.append(name).append(s).append('\n');
    }
  }

  private static String seconds(Instant t) {
    return decimal(t.getEpochSecond() + t.getNano() / 1e9);
  }

  private static String decimal(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  /**
   * Replaces {@code target} atomically with {@code text}, mode 0644 (node_exporter runs as
   * its own user and must read it; set explicitly because the unit's umask is 0077).
   */
  public static void write(Path target, String text) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
    } finally {
      if (tmp != null) {
        Files.deleteIfExists(tmp);
      }
    }
  }
}
