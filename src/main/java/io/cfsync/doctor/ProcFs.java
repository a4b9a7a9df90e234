package io.cfsync.doctor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code /proc} doctor reads, rooted anywhere: {@code /proc} itself, or a directory of
 * fixtures in tests. {@code /proc/net} follows the reading process's network namespace, so a
 * doctor started with {@code ip netns exec NS} sees that namespace's sockets.
 */
public final class ProcFs {

  public static final ProcFs SYSTEM = new ProcFs(Path.of("/proc"));

  private final Path root;

  public ProcFs(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  public boolean isSystem() {
    return root.equals(SYSTEM.root);
  }

  public Path resolve(String relative) {
    return root.resolve(relative);
  }

  /** The file's text, or empty when it does not exist or cannot be read. */
  public Optional<String> read(String relative) {
    Path p = root.resolve(relative);
    try {
      return Optional.of(Files.readString(p, StandardCharsets.UTF_8));
    } catch (IOException | SecurityException e) {
      return Optional.empty();
    }
  }

  /**
   * {@code net.ipv6.bindv6only}: with 0 (the kernel default) a socket bound to {@code [::]}
   * also accepts IPv4, unless the program sets {@code IPV6_V6ONLY} itself (nginx does for
   * {@code listen [::]:80}).
   */
  public Optional<Boolean> bindV6Only() {
    return read("sys/net/ipv6/bindv6only").map(String::trim).filter(s -> s.matches("[01]"))
        .map("1"::equals);
  }
}
