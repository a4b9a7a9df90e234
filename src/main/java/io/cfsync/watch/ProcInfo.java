package io.cfsync.watch;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What {@code /proc} says about other processes, best effort: every read may fail (the
 * process exited, or {@code ProtectProc=invisible} hides other root processes with more
 * capabilities than ours), and a failure only makes the answer vaguer.
 */
final class ProcInfo {

  /** Firewall tools worth naming when a poll finds cfsync's rules gone. */
  static final ImmutableSet<String> FIREWALL_TOOLS = ImmutableSet.of("nft", "iptables",
      "ip6tables", "iptables-restor", "ip6tables-resto", "iptables-legacy", "iptables-nft",
      "iptables-nft-re", "iptables-legacy-", "ip6tables-nft-r", "ip6tables-legac", "ipset", "ufw",
      "ufw-init", "firewall-cmd", "firewalld", "netfilter-persis", "netfilter-persi",
      "systemctl", "fail2ban-server", "crowdsec-firewa", "dockerd");

  private static final int MAX_CMDLINE = 160;

  private final Path proc;
  private final long self;

  ProcInfo(Path proc, long self) {
    this.proc = proc;
    this.self = self;
  }

  static ProcInfo system() {
    return new ProcInfo(Path.of("/proc"), ProcessHandle.current().pid());
  }

  long self() {
    return self;
  }

  /** Fills in command line, parent, unit and ancestry of {@code c}'s pid, if still there. */
  Culprit enrich(Culprit c) {
    if (c.pid() <= 0) {
      return c;
    }
    String cmdline = cmdline(c.pid()).orElse("");
    List<Long> ancestors = new ArrayList<>();
    long p = c.pid();
    for (int depth = 0; depth < 16; depth++) {
      OptionalLong pp = parent(p);
      if (pp.isEmpty() || pp.getAsLong() <= 0) {
        break;
      }
      ancestors.add(pp.getAsLong());
      if (pp.getAsLong() == 1) {
        break;
      }
      p = pp.getAsLong();
    }
    String parent = ancestors.isEmpty() || ancestors.get(0) == 1 ? ""
        : cmdline(ancestors.get(0)).orElse("");
    return new Culprit(c.pid(), c.comm(), cmdline, parent, unit(c.pid()).orElse(""),
        ImmutableList.copyOf(ancestors));
  }

  /** Whether {@code c} is this process or was started by it (directly or further down). */
  boolean isOurs(Culprit c) {
    return c.pid() == self || c.ancestors().contains(self);
  }

  Optional<String> cmdline(long pid) {
    try {
      byte[] b = Files.readAllBytes(proc.resolve(Long.toString(pid)).resolve("cmdline"));
      if (b.length == 0) {
        return Optional.empty();
      }
      String s = new String(b, StandardCharsets.UTF_8).replace('\0', ' ').strip();
      // Control characters would break the one-line log.
      s = s.replaceAll("\\p{Cntrl}", "?");
      return Optional.of(s.length() > MAX_CMDLINE ? s.substring(0, MAX_CMDLINE) + "…" : s);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The parent pid from {@code /proc/PID/stat} (after the last ')': a comm may hold one). */
  OptionalLong parent(long pid) {
    try {
      String stat = Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"),
          StandardCharsets.UTF_8);
      int close = stat.lastIndexOf(')');
      List<String> f = Splitter.on(' ').omitEmptyStrings().splitToList(stat.substring(close + 1));
      return f.size() > 1 ? OptionalLong.of(Long.parseLong(f.get(1))) : OptionalLong.empty();
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /** The systemd unit from the cgroup path: {@code 0::/system.slice/nftables.service}. */
  Optional<String> unit(long pid) {
    try {
      for (String line : Files.readAllLines(proc.resolve(Long.toString(pid)).resolve("cgroup"),
          StandardCharsets.UTF_8)) {
        int slash = line.lastIndexOf('/');
        String last = slash < 0 ? "" : line.substring(slash + 1);
        if (last.endsWith(".service") || last.endsWith(".scope")) {
          return Optional.of(last);
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone or hidden
    }
    return Optional.empty();
  }

  /**
   * Firewall tools running right now, for a poll that found cfsync's rules gone: the change
   * happened within the last poll interval, so whoever made it may still be around.
   */
  ImmutableList<Culprit> firewallToolsRunning() {
    ImmutableList.Builder<Culprit> out = ImmutableList.builder();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc, "[0-9]*")) {
      for (Path d : ds) {
        long pid;
        try {
          pid = Long.parseLong(d.getFileName().toString());
        } catch (NumberFormatException e) {
          continue;
        }
        if (pid == self) {
          continue;
        }
        String comm;
        try {
          comm = Files.readString(d.resolve("comm"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
          continue;
        }
        String cmd = cmdline(pid).orElse("");
        boolean ufw = comm.startsWith("python") && cmd.contains("/ufw");
        if (FIREWALL_TOOLS.contains(comm.toLowerCase(Locale.ROOT)) || ufw) {
          Culprit c = enrich(Culprit.of(pid, ufw ? "ufw" : comm));
          if (!isOurs(c)) {
            out.add(c);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // no /proc: nothing to say
    }
    return out.build();
  }

  /**
   * Whether process {@code pid} has a netfilter netlink socket subscribed to a multicast
   * group: {@code nft monitor} listens only from then on, and a change before it would be
   * missed. Empty when that cannot be told ({@code /proc} unreadable).
   */
  Optional<Boolean> subscribedToNetfilter(long pid) {
    List<String> inodes = new ArrayList<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve(Long.toString(pid))
        .resolve("fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    try {
      for (String line : Files.readAllLines(proc.resolve("net").resolve("netlink"))) {
        // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
        List<String> f = Splitter.on(' ').omitEmptyStrings().splitToList(line.strip());
        if (f.size() >= 10 && f.get(1).equals("12") && inodes.contains(f.get(9))
            && !f.get(3).matches("0+")) {
          return Optional.of(true);
        }
      }
      return Optional.of(false);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
