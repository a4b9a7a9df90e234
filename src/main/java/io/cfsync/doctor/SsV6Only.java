package io.cfsync.doctor;

import com.google.common.collect.ImmutableMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Per-socket {@code IPV6_V6ONLY} from {@code ss -Hltne}: /proc/net/tcp6 does not show it,
 * and it decides whether {@code [::]:80} also takes IPv4 (nginx sets it for
 * {@code listen [::]:80}, whatever {@code bindv6only} says).
 */
public final class SsV6Only {

  private static final Pattern INODE = Pattern.compile("\\bino:(\\d+)\\b");
  private static final Pattern V6ONLY = Pattern.compile("\\bv6only:([01])\\b");

  private SsV6Only() {}

  /** inode → v6only for every line that shows both. */
  public static ImmutableMap<Long, Boolean> parse(String ssOutput) {
    ImmutableMap.Builder<Long, Boolean> out = ImmutableMap.builder();
    for (String line : ssOutput.split("\n")) {
      Matcher i = INODE.matcher(line);
      Matcher v = V6ONLY.matcher(line);
      if (i.find() && v.find()) {
        out.put(Long.parseLong(i.group(1)), "1".equals(v.group(1)));
      }
    }
    return out.buildKeepingLast();
  }
}
