package io.cfsync.template;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Tells a file's kind from its name and content, for {@code check} and
 * {@code render --in-place} without {@code --backend}. Content wins over the name where it
 * is unambiguous (a {@code *filter} line is iptables whatever the file is called).
 */
public final class Detect {

  private static final Pattern NGINX = Pattern.compile(
      "(?m)^\\s*(set_real_ip_from|real_ip_header|server_name|location|listen)\\s");
  private static final Pattern IPTABLES = Pattern.compile(
      "(?m)^(\\*(filter|nat|mangle|raw|security)\\s*$|:[A-Za-z0-9_-]+ (ACCEPT|DROP|-) \\[|"
          + "(\\[\\d+:\\d+\\] )?-A [A-Za-z0-9_-]+ |\\s*ip6?tables\\s+(-t \\S+ )?-[AI] )");
  private static final Pattern IPSET = Pattern.compile(
      "(?m)^\\s*(ipset\\s+)?(create|-N) \\S+ (hash|bitmap|list):");
  private static final Pattern IPSET_ADD = Pattern.compile("(?m)^\\s*(ipset\\s+)?add \\S+ [0-9a-fA-F:.]+");
  private static final Pattern UFW = Pattern.compile(
      "(?m)^(\\s*(sudo\\s+)?ufw\\s+|### tuple ###)");
  /** UFW's own rule files (user.rules) are iptables-restore files with UFW's tuples. */
  private static final Pattern UFW_FILE = Pattern.compile("(?m)^### tuple ###|^:ufw6?-user-input ");
  private static final Pattern NFT = Pattern.compile(
      "(?m)^\\s*(table\\s+(inet|ip|ip6|arp|bridge|netdev)\\s|(add|create|flush|delete)\\s+"
          + "(table|set|element|chain|rule)\\s|define\\s+\\S+\\s*=|#!/usr/s?bin/nft)");

  /** An INI section header, as jail.conf/jail.local have ({@code [DEFAULT]}, {@code [sshd]}). */
  private static final Pattern F2B_SECTION = Pattern.compile("(?m)^\\[[A-Za-z0-9_.-]+]\\s*$");
  private static final Pattern F2B_IGNORE = Pattern.compile("(?m)^ignoreip\\s*[=:]");
  private static final Pattern CROWDSEC = Pattern.compile("(?m)^whitelist:\\s*$");
  private static final Pattern CROWDSEC_LIST = Pattern.compile("(?m)^\\s+(cidr|ip):");

  private Detect() {}

  public static Optional<Kind> kind(String fileName, Text t) {
    String s = t.chars();
    if (F2B_SECTION.matcher(s).find() && F2B_IGNORE.matcher(s).find()) {
      return Optional.of(Kind.FAIL2BAN);
    }
    if (CROWDSEC.matcher(s).find() && CROWDSEC_LIST.matcher(s).find()) {
      return Optional.of(Kind.CROWDSEC);
    }
    if (UFW_FILE.matcher(s).find()) {
      return Optional.of(Kind.UFW);
    }
    if (NFT.matcher(s).find()) {
      return Optional.of(Kind.NFTABLES);
    }
    if (IPTABLES.matcher(s).find()) {
      return Optional.of(Kind.IPTABLES);
    }
    if (IPSET.matcher(s).find() || IPSET_ADD.matcher(s).find()) {
      return Optional.of(Kind.IPSET);
    }
    if (UFW.matcher(s).find()) {
      return Optional.of(Kind.UFW);
    }
    if (NGINX.matcher(s).find()) {
      return Optional.of(Kind.NGINX);
    }
    String n = fileName.toLowerCase(java.util.Locale.ROOT);
    if (n.startsWith("csf.") || n.endsWith(".ignore")) {
      return Optional.of(Kind.CSF);
    }
    if (n.endsWith(".nft") || n.contains("nftables")) {
      return Optional.of(Kind.NFTABLES);
    }
    if (n.contains("nginx")) {
      return Optional.of(Kind.NGINX);
    }
    if (n.contains("ipset")) {
      return Optional.of(Kind.IPSET);
    }
    if (n.contains("ufw")) {
      return Optional.of(Kind.UFW);
    }
    if (n.contains("iptables") || n.endsWith(".v4") || n.endsWith(".v6")) {
      return Optional.of(Kind.IPTABLES);
    }
    return Optional.empty();
  }
}
