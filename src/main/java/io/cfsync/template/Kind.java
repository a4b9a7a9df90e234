package io.cfsync.template;

import io.cfsync.backend.Policy;
import io.cfsync.error.UsageError;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The kinds of file {@code render} writes and {@code check} reads: the render-only registry.
 * It is a superset of the live backends ({@code nginx} configures no firewall, it only has to
 * know Cloudflare's ranges; {@code fail2ban}, {@code crowdsec} and {@code csf} keep those
 * tools from banning the edge), so it cannot be {@code BackendRegistry}; the names are the
 * same, so {@code --backend nftables} means one shape whether it is applied or rendered.
 */
public enum Kind {
  NFTABLES("nftables", "nftables.conf.mustache", false, Policy.RESTRICT, "nft"),
  IPTABLES("iptables", "iptables.rules.mustache", true, Policy.ALLOW, "iptables-restore"),
  IPSET("ipset", "ipset.restore.mustache", false, Policy.ALLOW, "ipset"),
  UFW("ufw", "ufw.sh.mustache", false, Policy.ALLOW, "ufw"),
  NGINX("nginx", "nginx-realip.conf.mustache", false, Policy.ALLOW, "nginx"),
  /** fail2ban's {@code jail.d/cfsync.local}: Cloudflare in {@code [DEFAULT] ignoreip}. */
  FAIL2BAN("fail2ban", "fail2ban-jail.local.mustache", false, Policy.ALLOW, "fail2ban-client"),
  /** A CrowdSec parser whitelist for the {@code s02-enrich} stage. */
  CROWDSEC("crowdsec", "crowdsec-whitelist.yaml.mustache", false, Policy.ALLOW, "cscli"),
  /** csf's {@code csf.ignore}: addresses lfd never blocks. */
  CSF("csf", "csf.ignore.mustache", false, Policy.ALLOW, "lfd");

  private final String word;
  private final String resource;
  private final boolean perFamily;
  private final Policy defaultPolicy;
  private final String tool;

  Kind(String word, String resource, boolean perFamily, Policy defaultPolicy, String tool) {
    this.word = word;
    this.resource = resource;
    this.perFamily = perFamily;
    this.defaultPolicy = defaultPolicy;
    this.tool = tool;
  }

  /** The {@code --backend} word. */
  public String word() {
    return word;
  }

  /** The built-in template's file name under {@code templates/}. */
  public String resource() {
    return resource;
  }

  /**
   * True when one file holds one family: iptables-restore and ip6tables-restore read
   * separate files, so the template is rendered once per family.
   */
  public boolean perFamily() {
    return perFamily;
  }

  /** The policy when {@code --policy} is absent: the same as the live backend's. */
  public Policy defaultPolicy() {
    return defaultPolicy;
  }

  /** The program that loads such a file (used for {@code check --syntax}). */
  public String tool() {
    return tool;
  }

  public static Optional<Kind> find(String word) {
    String w = word.trim().toLowerCase(Locale.ROOT);
    for (Kind k : values()) {
      if (k.word.equals(w)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  public static Kind parse(String word) {
    return find(word).orElseThrow(() -> new UsageError("--backend \"" + word + "\" has no "
        + "template: use one of " + words()));
  }

  public static String words() {
    return Arrays.stream(values()).map(Kind::word).collect(Collectors.joining(", "));
  }
}
