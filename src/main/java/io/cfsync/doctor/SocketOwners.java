package io.cfsync.doctor;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableListMultimap;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which processes hold a socket: every {@code /proc/PID/fd/N} that links to
 * {@code socket:[INODE]}, as ss -p does. Socket inodes are unique across network
 * namespaces, so the owners of a namespace's sockets are found from any {@code /proc}.
 */
public final class SocketOwners {

  /** A process holding a socket; {@code unit} is its systemd unit when the cgroup names one. */
  public record Owner(long pid, String comm, Optional<String> unit) {

    /** {@code nginx (pid 812, nginx.service)}. */
    public String describe() {
      return comm + " (pid " + pid + unit.map(u -> ", " + u).orElse("") + ")";
    }
  }

  private static final Pattern SOCKET = Pattern.compile("socket:\\[(\\d+)]");
  private static final Pattern UNIT = Pattern.compile(
      "/([A-Za-z0-9@_.\\\\:-]+\\.service)(?:/|$)");

  private SocketOwners() {}

  /** The owners of each inode in {@code inodes}, lowest pid first; unreadable processes skipped. */
  public static ImmutableListMultimap<Long, Owner> find(ProcFs proc, Set<Long> inodes) {
    ImmutableListMultimap.Builder<Long, Owner> out = ImmutableListMultimap.builder();
    if (inodes.isEmpty()) {
      return out.build();
    }
    java.util.TreeMap<Long, Path> pids = new java.util.TreeMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc.root())) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (n.chars().allMatch(Character::isDigit) && !n.isEmpty()) {
          pids.put(Long.parseLong(n), p);
        }
      }
    } catch (IOException e) {
      return out.build();
    }
    for (var e : pids.entrySet()) {
      for (long inode : socketsOf(e.getValue().resolve("fd"))) {
        if (inodes.contains(inode)) {
          out.put(inode, owner(proc, e.getKey()));
        }
      }
    }
    return out.build();
  }

  private static ImmutableList<Long> socketsOf(Path fdDir) {
    ImmutableList.Builder<Long> out = ImmutableList.builder();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(fdDir)) {
      for (Path fd : ds) {
        try {
          Matcher m = SOCKET.matcher(Files.readSymbolicLink(fd).toString());
          if (m.matches()) {
            out.add(Long.parseLong(m.group(1)));
          }
        } catch (IOException | UnsupportedOperationException e) {
          // The fd closed while we looked, or is not a link: not a socket we can name.
        }
      }
    } catch (IOException | SecurityException e) {
      // The process exited or is not ours to read.
    }
    return out.build();
  }

  static Owner owner(ProcFs proc, long pid) {
    String comm = proc.read(pid + "/comm").map(String::trim).filter(s -> !s.isEmpty())
        .orElse("?");
    return new Owner(pid, comm, proc.read(pid + "/cgroup").flatMap(SocketOwners::unit));
  }

  /** The last {@code *.service} in a cgroup file: the unit that started the process. */
  static Optional<String> unit(String cgroup) {
    String found = null;
    for (String line : cgroup.split("\n")) {
      Matcher m = UNIT.matcher(line);
      while (m.find()) {
        found = m.group(1);
      }
    }
    return Optional.ofNullable(found);
  }
}
