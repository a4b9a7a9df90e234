package io.cfsync.template;

import com.google.common.collect.ImmutableList;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.model.Family;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks the real tool whether a file would load, without touching the host: nft and
 * iptables-restore check against a kernel, so they run inside a network namespace made for
 * the check and deleted after it (ipset sets are per namespace too, so a real
 * {@code ipset restore} there is harmless); {@code ufw --dry-run} writes nothing; nginx reads
 * the file through a temporary configuration. A missing tool skips the check with a notice.
 */
public final class Syntax {

  /** How the check went: {@code ok}, {@code failed} or {@code skipped}, and why. */
  public record Outcome(String tool, String status, String message) {
    public boolean failed() {
      return status.equals("failed");
    }
  }

  private static final List<String> PATH = List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin",
      "/usr/local/sbin", "/usr/local/bin");
  private static final Pattern HTTP_BLOCK = Pattern.compile("(?m)^\\s*http\\s*\\{");
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern LEFTOVER = Pattern.compile("(cfsync-chk-(\\d+)-[0-9a-f]+)");

  private final ProcessRunner host;
  private final Function<String, Optional<Path>> which;

  public Syntax(ProcessRunner host) {
    this(host, Syntax::which);
  }

  /** With another tool lookup: tests see how a host without a tool is treated. */
  Syntax(ProcessRunner host, Function<String, Optional<Path>> which) {
    this.host = host;
    this.which = which;
  }

  public Outcome check(Kind kind, Path file, Text content) {
    Path abs = file.toAbsolutePath();
    return switch (kind) {
      case NFTABLES -> inNetns("nft", List.of(List.of("nft", "-c", "-f", abs.toString())),
          "nft -c -f");
      case IPTABLES -> iptables(abs, content);
      case IPSET -> inNetns("ipset", List.of(List.of("ipset", "restore", "-f", abs.toString())),
          "ipset restore");
      case UFW -> ufw(abs, content);
      case NGINX -> nginx(abs, content);
      case FAIL2BAN -> new Outcome("fail2ban-client", "skipped", "fail2ban checks its whole "
          + "configuration, not one file: run `fail2ban-client -t` once the file is installed");
      case CROWDSEC -> new Outcome("crowdsec", "skipped", "CrowdSec checks its whole "
          + "configuration, not one file: run `crowdsec -t` once the file is installed");
      case CSF -> csf(content);
    };
  }

  /**
   * csf.ignore as lfd reads it: blank lines, {@code #} lines and {@code Include} lines aside,
   * the first word of each line must be an address or CIDR (lfd logs anything else as an
   * invalid entry and ignores it).
   */
  static Outcome csf(Text content) {
    for (Text.Line l : content.lines()) {
      String c = content.content(l).strip();
      if (c.isEmpty() || c.startsWith("#") || c.startsWith("Include")) {
        continue;
      }
      String first = c.split("\\s+")[0];
      if (Entry.parse(first, l.number()).filter(e -> !first.contains("-")).isEmpty()) {
        return new Outcome("lfd", "failed", "line " + l.number() + ": \"" + first + "\" is not "
            + "an address or CIDR (lfd ignores the line as an invalid entry)");
      }
    }
    return new Outcome("lfd", "ok", "every entry is an address or CIDR, as lfd reads them");
  }

  private Outcome iptables(Path abs, Text content) {
    boolean v6 = false;
    boolean v4 = false;
    for (Text.Line l : content.lines()) {
      for (String w : content.content(l).split("[\\s,]+")) {
        Optional<Entry> e = Entry.parse(w, l.number());
        if (e.isPresent()) {
          v6 |= e.get().family() == Family.V6;
          v4 |= e.get().family() == Family.V4;
        }
      }
    }
    String tool = v6 && !v4 ? "ip6tables-restore" : "iptables-restore";
    List<List<String>> runs = new ArrayList<>();
    runs.add(List.of(tool, "--test", abs.toString()));
    // iptables-nft's --test misses a jump to a chain that does not exist; legacy notices.
    String legacy = tool.replace("-restore", "-legacy-restore");
    if (which.apply(legacy).isPresent()) {
      runs.add(List.of(legacy, "--test", abs.toString()));
    }
    return inNetns(tool, runs, tool + " --test");
  }

  private Outcome ufw(Path abs, Text content) {
    if (content.chars().contains("*filter")) {
      return iptables(abs, content);
    }
    if (which.apply("ufw").isEmpty()) {
      return skipped("ufw");
    }
    Result sh = host.run(new Command(ImmutableList.of("sh", "-n", abs.toString()),
        Optional.empty(), TIMEOUT));
    if (!sh.ok()) {
      return new Outcome("ufw", "failed", "sh -n: " + sh.firstErrorLine());
    }
    List<List<String>> runs = new ArrayList<>();
    List<Integer> lines = new ArrayList<>();
    for (Text.Line l : content.lines()) {
      List<String> w = ShellWords.split(content.content(l).trim());
      if (!w.isEmpty() && w.get(0).equals("sudo")) {
        w = w.subList(1, w.size());
      }
      if (w.isEmpty() || !w.get(0).endsWith("ufw")) {
        continue;
      }
      List<String> argv = new ArrayList<>(List.of("ufw", "--dry-run"));
      argv.addAll(w.subList(1, w.size()).stream().filter(x -> !x.equals("--dry-run")).toList());
      runs.add(argv);
      lines.add(l.number());
    }
    if (runs.isEmpty()) {
      return new Outcome("ufw", "ok", "sh -n (no ufw commands)");
    }
    return inNetns("ufw", runs, "sh -n and ufw --dry-run", lines);
  }

  private Outcome nginx(Path abs, Text content) {
    if (which.apply("nginx").isEmpty()) {
      return skipped("nginx");
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory("cfsync-nginx-");
      Path conf;
      if (HTTP_BLOCK.matcher(content.chars()).find()) {
        conf = abs;
      } else {
        conf = dir.resolve("nginx.conf");
        Files.writeString(conf, "pid " + dir.resolve("nginx.pid") + ";\n"
            + "error_log " + dir.resolve("error.log") + ";\n"
            + "events {}\n"
            + "http {\n  include " + quote(abs.toString()) + ";\n}\n", StandardCharsets.UTF_8);
      }
      Result r = host.run(new Command(ImmutableList.of("nginx", "-t", "-q", "-p",
          dir.toString() + "/", "-e", dir.resolve("error.log").toString(), "-c",
          conf.toString()), Optional.empty(), TIMEOUT));
      if (r.ok()) {
        return new Outcome("nginx", "ok", "nginx -t with a temporary configuration");
      }
      return new Outcome("nginx", "failed", "nginx -t: " + r.firstErrorLine()
          .replace(dir.toString() + "/", ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (dir != null) {
        deleteTree(dir);
      }
    }
  }

  private static String quote(String path) {
    return "\"" + path.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private Outcome inNetns(String tool, List<List<String>> runs, String what) {
    return inNetns(tool, runs, what, List.of());
  }

  private Outcome inNetns(String tool, List<List<String>> runs, String what,
      List<Integer> lines) {
    if (which.apply(tool).isEmpty()) {
      return skipped(tool);
    }
    if (which.apply("ip").isEmpty()) {
      return new Outcome(tool, "skipped", "ip (iproute2) not found: a throw-away network "
          + "namespace is needed to check without touching the host; syntax not checked");
    }
    sweep();
    String ns = "cfsync-chk-" + ProcessHandle.current().pid() + "-"
        + HexFormat.of().formatHex(new SecureRandom().generateSeed(3));
    Result add = host.run(Command.of("ip", "netns", "add", ns));
    if (!add.ok()) {
      return new Outcome(tool, "skipped", "cannot create a network namespace ("
          + add.firstErrorLine() + "; needs root); syntax not checked");
    }
    try {
      for (int i = 0; i < runs.size(); i++) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        argv.addAll(runs.get(i));
        Result r = host.run(new Command(ImmutableList.copyOf(argv), Optional.empty(), TIMEOUT));
        if (!r.ok()) {
          String where = i < lines.size() ? "line " + lines.get(i) + ": " : "";
          return new Outcome(tool, "failed", where + runs.get(i).get(0) + ": "
              + r.firstErrorLine());
        }
      }
      return new Outcome(tool, "ok", what + " in a throw-away network namespace");
    } finally {
      Result del = host.run(Command.of("ip", "netns", "del", ns));
      if (!del.ok()) {
        throw new BackendFailure("could not delete network namespace " + ns + " ("
            + del.firstErrorLine() + "); remove it with: ip netns del " + ns);
      }
    }
  }

  /**
   * Deletes the namespaces of checks whose process is gone (killed between add and del): the
   * name carries the pid, so a running check's namespace is never taken from under it.
   */
  private void sweep() {
    Result list = host.run(Command.of("ip", "netns", "list"));
    for (String line : list.stdout().split("\n")) {
      Matcher m = LEFTOVER.matcher(line);
      if (m.lookingAt() && ProcessHandle.of(Long.parseLong(m.group(2)))
          .filter(ProcessHandle::isAlive).isEmpty()) {
        host.run(Command.of("ip", "netns", "del", m.group(1)));
      }
    }
  }

  private static Outcome skipped(String tool) {
    return new Outcome(tool, "skipped", tool + " not found; syntax not checked (install it "
        + "to check)");
  }

  static Optional<Path> which(String tool) {
    for (String d : PATH) {
      Path p = Path.of(d, tool);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private static void deleteTree(Path dir) {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // A leftover temp dir is harmless; the check's verdict stands.
    }
  }
}
