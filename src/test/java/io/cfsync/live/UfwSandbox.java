package io.cfsync.live;

import com.google.common.collect.ImmutableList;
import com.google.common.hash.Hashing;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.exec.SystemProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * UFW in a box: the server namespace of a {@link Netns} plus a persistent private mount
 * namespace in which copies of UFW's configuration ({@code /etc/ufw}, {@code /etc/default/ufw},
 * {@code /usr/lib/ufw}) are bind-mounted over the real paths and {@code /run} (UFW's lock) is
 * a private tmpfs. Every {@code ufw}, {@code iptables} and cfsync process of a test enters both
 * namespaces with {@code nsenter} (an argument vector, no shell), so UFW writes only the copies
 * and filters only the test's namespace. The host's UFW files are hashed at creation and
 * checked again at {@link #close()}: a test that touched them fails.
 */
public final class UfwSandbox implements AutoCloseable {

  /** What UFW reads and writes, on the host; each gets a copy in the box. */
  private static final List<String> UFW_PATHS =
      List.of("/etc/ufw", "/etc/default/ufw", "/usr/lib/ufw");

  private final Netns net;
  private final Path dir;
  private final Path nsFile;
  private final Path nsDir;
  private final Map<String, String> hostHashes;
  private final ProcessRunner host = new SystemProcessRunner();
  private boolean nsDirMounted;
  private boolean nsMounted;

  private UfwSandbox(Netns net, Path dir) {
    this.net = net;
    this.dir = dir;
    this.nsDir = dir.resolve("ns");
    this.nsFile = nsDir.resolve("mnt");
    this.hostHashes = hostUfwHashes();
  }

  /**
   * Creates the box in {@code dir} (a test's temporary directory) with copies of the host's
   * UFW files as the package installed them. UFW is not enabled yet: see {@link #baseline()}.
   */
  public static UfwSandbox create(Netns net, Path dir) {
    UfwSandbox s = new UfwSandbox(net, dir);
    try {
      s.setUp();
    } catch (RuntimeException | IOException e) {
      s.close();
      throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
    }
    return s;
  }

  private void setUp() throws IOException {
    Path etc = dir.resolve("etc-ufw");
    host.check(Command.of("cp", "-a", "/etc/ufw", etc.toString()));
    host.check(Command.of("cp", "-a", "/etc/default/ufw", dir.resolve("default-ufw").toString()));
    host.check(Command.of("cp", "-a", "/usr/lib/ufw", dir.resolve("lib-ufw").toString()));
    Files.createDirectories(nsDir);
    // unshare --mount=FILE needs FILE on a mount that is not shared: a private bind of nsDir.
    host.check(Command.of("mount", "--bind", nsDir.toString(), nsDir.toString()));
    nsDirMounted = true;
    host.check(Command.of("mount", "--make-private", nsDir.toString()));
    Files.createFile(nsFile);
    host.check(Command.of("unshare", "--mount=" + nsFile, "--propagation", "private", "true"));
    nsMounted = true;
    inMountNs("mount", "--bind", etc.toString(), "/etc/ufw");
    inMountNs("mount", "--bind", dir.resolve("default-ufw").toString(), "/etc/default/ufw");
    inMountNs("mount", "--bind", dir.resolve("lib-ufw").toString(), "/usr/lib/ufw");
    inMountNs("mount", "-t", "tmpfs", "-o", "mode=0755", "cfsync-test-run", "/run");
    verifyIsolation();
  }

  /** Runs a mount command in the box's mount namespace only (never on the host). */
  private void inMountNs(String... argv) {
    List<String> a = new ArrayList<>(List.of("nsenter", "--mount=" + nsFile, "--"));
    a.addAll(List.of(argv));
    host.check(Command.of(ImmutableList.copyOf(a)));
  }

  /** The box's mounts are there, and the host has none of them. */
  private void verifyIsolation() {
    String inside = run(Command.of("cat", "/proc/self/mountinfo")).stdout();
    String outside = host.check(Command.of("cat", "/proc/self/mountinfo")).stdout();
    for (String target : List.of("/etc/ufw", "/etc/default/ufw", "/usr/lib/ufw", "/run")) {
      if (!mountPoints(inside).contains(target)) {
        throw new IllegalStateException("sandbox mount on " + target + " missing");
      }
      if (!target.equals("/run") && mountPoints(outside).contains(target)) {
        throw new IllegalStateException("host has a mount on " + target + ": refusing to run");
      }
    }
  }

  private static List<String> mountPoints(String mountinfo) {
    List<String> out = new ArrayList<>();
    for (String line : mountinfo.split("\n")) {
      String[] f = line.split(" ");
      if (f.length > 4) {
        out.add(f[4]);
      }
    }
    return out;
  }

  /** The box's copy of {@code /etc/ufw}, as seen from the host. */
  public Path etcUfw() {
    return dir.resolve("etc-ufw");
  }

  public Path rules(boolean v6) {
    return etcUfw().resolve(v6 ? "user6.rules" : "user.rules");
  }

  /** Replaces the box's rule files (before UFW is enabled) and adds application profiles. */
  public void install(String userRules, String user6Rules, Map<String, String> profiles)
      throws IOException {
    Files.writeString(rules(false), userRules, StandardCharsets.ISO_8859_1);
    Files.writeString(rules(true), user6Rules, StandardCharsets.ISO_8859_1);
    for (var e : profiles.entrySet()) {
      Files.writeString(etcUfw().resolve("applications.d").resolve(e.getKey()), e.getValue());
    }
  }

  /** UFW as a careful operator leaves it: default deny incoming, {@code allow 22/tcp}, enabled. */
  public UfwSandbox baseline() {
    ufwCheck("default", "deny", "incoming");
    ufwCheck("allow", "22/tcp");
    return enable();
  }

  public UfwSandbox enable() {
    ufwCheck("--force", "enable");
    return this;
  }

  /** Runs commands in the server netns and the box's mount namespace. */
  public ProcessRunner runner() {
    return new SystemProcessRunner(prefix(), Map.of());
  }

  public List<String> prefix() {
    return List.of("nsenter", "--mount=" + nsFile, "--net=/run/netns/" + net.serverName(),
        "--wd=" + dir, "--");
  }

  public Result run(Command c) {
    return runner().run(c);
  }

  public Result ufw(String... args) {
    List<String> a = new ArrayList<>(List.of("ufw"));
    a.addAll(List.of(args));
    return run(Command.of(ImmutableList.copyOf(a)));
  }

  public Result ufwCheck(String... args) {
    List<String> a = new ArrayList<>(List.of("ufw"));
    a.addAll(List.of(args));
    return runner().check(Command.of(ImmutableList.copyOf(a)));
  }

  /** {@code iptables-save} and {@code ip6tables-save} of the filter table, counters zeroed. */
  public String chains() {
    return chains(false) + chains(true);
  }

  /** One family's filter table, counters zeroed. */
  public String chains(boolean v6) {
    StringBuilder sb = new StringBuilder();
    for (String tool : List.of(v6 ? "ip6tables-save" : "iptables-save")) {
      for (String line : runner().check(Command.of(tool, "-t", "filter")).stdout().split("\n")) {
        if (!line.startsWith("#")) {
          sb.append(line.replaceAll("\\[\\d+:\\d+\\]", "[0:0]")).append('\n');
        }
      }
    }
    return sb.toString();
  }

  /** The java command line of the cfsync CLI, without the namespace prefix. */
  public List<String> cfsyncCommand(String... args) {
    List<String> argv = new ArrayList<>(List.of(Netns.javaBin(), "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
        "io.cfsync.cli.Main"));
    argv.addAll(List.of(args));
    return argv;
  }

  /** The cfsync CLI as its own process inside the box (what cron would run). */
  public Process cfsync(String... args) {
    List<String> argv = new ArrayList<>(prefix());
    argv.addAll(cfsyncCommand(args));
    try {
      ProcessBuilder pb = new ProcessBuilder(argv);
      pb.environment().remove("HTTPS_PROXY");
      pb.environment().remove("https_proxy");
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Result cfsyncRun(String... args) {
    Process p = cfsync(args);
    try {
      var err = new java.util.concurrent.CompletableFuture<byte[]>();
      Thread t = new Thread(() -> {
        try {
          err.complete(p.getErrorStream().readAllBytes());
        } catch (IOException e) {
          err.completeExceptionally(e);
        }
      });
      t.start();
      byte[] out = p.getInputStream().readAllBytes();
      int rc = p.waitFor();
      return new Result(rc, new String(out, StandardCharsets.UTF_8),
          new String(err.get(), StandardCharsets.UTF_8));
    } catch (IOException | java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** SHA-256 of every file under the host's UFW paths. */
  public static Map<String, String> hostUfwHashes() {
    Map<String, String> out = new TreeMap<>();
    for (String p : UFW_PATHS) {
      try (Stream<Path> files = Files.walk(Path.of(p))) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          out.put(f.toString(), Hashing.sha256().hashBytes(Files.readAllBytes(f)).toString());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  public Map<String, String> hostHashesAtStart() {
    return hostHashes;
  }

  @Override
  public void close() {
    if (nsMounted) {
      host.run(Command.of("umount", nsFile.toString()));
    }
    if (nsDirMounted) {
      host.run(Command.of("umount", nsDir.toString()));
    }
    Map<String, String> now = hostUfwHashes();
    if (!now.equals(hostHashes)) {
      throw new IllegalStateException("the host's UFW files changed during the test: " + now);
    }
  }
}
