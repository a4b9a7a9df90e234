package io.cfsync.watch;

import com.google.common.collect.ImmutableList;

/**
 * Who committed a ruleset change, as far as can be told: the pid and process name that
 * {@code nft monitor} reports with each generation, and, when the process was still alive
 * when the event was read, its command line, its parent's, and its systemd unit. Empty
 * strings where unknown; {@code ancestors} are the parent pids up to init, nearest first.
 */
public record Culprit(long pid, String comm, String cmdline, String parent, String unit,
    ImmutableList<Long> ancestors) {

  public static final Culprit UNKNOWN = new Culprit(0, "", "", "", "", ImmutableList.of());

  public Culprit {
    ancestors = ImmutableList.copyOf(ancestors);
  }

  static Culprit of(long pid, String comm) {
    return new Culprit(pid, comm, "", "", "", ImmutableList.of());
  }

  public boolean known() {
    return pid > 0 || !comm.isEmpty();
  }

  /** {@code nft (pid 812: nft -f /etc/nftables.conf; nftables.service)}, or "unknown". */
  public String describe() {
    if (!known()) {
      return "unknown";
    }
    StringBuilder sb = new StringBuilder(comm.isEmpty() ? "a process" : comm);
    StringBuilder detail = new StringBuilder();
    if (pid > 0) {
      detail.append("pid ").append(pid);
    }
    if (!cmdline.isEmpty()) {
      detail.append(detail.length() > 0 ? ": " : "").append(cmdline);
    }
    if (!parent.isEmpty()) {
      detail.append(detail.length() > 0 ? "; " : "").append("parent ").append(parent);
    }
    if (!unit.isEmpty()) {
      detail.append(detail.length() > 0 ? "; " : "").append(unit);
    }
    if (detail.length() > 0) {
      sb.append(" (").append(detail).append(')');
    }
    return sb.toString();
  }
}
