package io.cfsync.backend;

import com.google.common.collect.ImmutableList;
import io.cfsync.exec.Command;
import io.cfsync.model.Family;
import java.util.Locale;

/**
 * Which iptables a host runs. iptables-nft and iptables-legacy program different kernel
 * subsystems: rules written with one are invisible to the other's save, and both run. So
 * cfsync asks {@code iptables -V} which one the operator's {@code iptables} is, then uses the
 * matching {@code -save} and {@code -restore} by their explicit names (an alternatives link
 * could point elsewhere than {@code iptables} itself).
 */
public enum XtFlavour {
  /** {@code iptables v1.8.9 (nf_tables)}. */
  NFT("-nft"),
  /** {@code iptables v1.8.9 (legacy)}. */
  LEGACY("-legacy"),
  /** Before 1.8 there was only legacy, and no {@code -legacy} names: {@code iptables v1.6.1}. */
  PLAIN("");

  private final String infix;

  XtFlavour(String infix) {
    this.infix = infix;
  }

  /** {@code iptables -V} or {@code ip6tables -V}. */
  public static Command versionCommand(Family f) {
    return Command.of(base(f), "-V");
  }

  /** Reads the flavour from {@code iptables -V}'s output. */
  public static XtFlavour parse(String versionOutput) {
    String v = versionOutput.toLowerCase(Locale.ROOT);
    if (v.contains("(nf_tables)")) {
      return NFT;
    }
    if (v.contains("(legacy)")) {
      return LEGACY;
    }
    return PLAIN;
  }

  static String base(Family f) {
    return f == Family.V4 ? "iptables" : "ip6tables";
  }

  public String save(Family f) {
    return base(f) + infix + "-save";
  }

  /** {@code iptables-nft-save -t filter}: the only table cfsync writes to. */
  public Command saveFilter(Family f) {
    return Command.of(save(f), "-t", "filter");
  }

  public String restore(Family f) {
    return base(f) + infix + "-restore";
  }

  /**
   * {@code iptables-nft-restore --noflush --wait 10}: {@code --noflush} so that only the chains
   * the script declares are flushed; {@code --wait} because legacy restores take the xtables
   * lock and Docker or fail2ban may hold it for a moment (restore learned --wait in 1.6.2, so
   * the pre-1.8 flavour goes without).
   */
  public ImmutableList<String> restoreArgv(Family f) {
    return this == PLAIN ? ImmutableList.of(restore(f), "--noflush")
        : ImmutableList.of(restore(f), "--noflush", "--wait", "10");
  }

  public String word() {
    return switch (this) {
      case NFT -> "nf_tables";
      case LEGACY -> "legacy";
      case PLAIN -> "legacy (pre-1.8)";
    };
  }
}
