package io.cfsync.backend;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.cfsync.error.UsageError;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** A TCP port or an inclusive range of ports. */
public record PortRange(int low, int high) implements Comparable<PortRange> {

  public PortRange {
    checkArgument(low >= 1 && high <= 65535 && low <= high, "bad port range %s-%s", low, high);
  }

  public static PortRange of(int port) {
    return new PortRange(port, port);
  }

  public boolean single() {
    return low == high;
  }

  public boolean contains(int port) {
    return port >= low && port <= high;
  }

  /** {@code 80} or {@code 8000-8080} (nft, UFW use {@code -}; iptables multiport {@code :}). */
  @Override
  public String toString() {
    return single() ? Integer.toString(low) : low + "-" + high;
  }

  public String toString(char rangeSeparator) {
    return single() ? Integer.toString(low) : low + "" + rangeSeparator + high;
  }

  @Override
  public int compareTo(PortRange o) {
    return low != o.low ? Integer.compare(low, o.low) : Integer.compare(high, o.high);
  }

  /**
   * The HTTP ports Cloudflare proxies
   * (developers.cloudflare.com/fundamentals/reference/network-ports/): a site served on one
   * of them is reached from the edge on that port, so it is as exposed as 80.
   */
  public static final ImmutableList<PortRange> CLOUDFLARE_HTTP = ImmutableList.of(of(80),
      of(8080), of(8880), of(2052), of(2082), of(2086), of(2095));

  /** The HTTPS ports Cloudflare proxies. */
  public static final ImmutableList<PortRange> CLOUDFLARE_HTTPS = ImmutableList.of(of(443),
      of(2053), of(2083), of(2087), of(2096), of(8443));

  /** {@code --ports} words that stand for several ports. */
  public static final ImmutableMap<String, ImmutableList<PortRange>> ALIASES =
      ImmutableMap.of("cloudflare-http", CLOUDFLARE_HTTP, "cloudflare-https", CLOUDFLARE_HTTPS,
          "cloudflare-all", ImmutableList.<PortRange>builder().addAll(CLOUDFLARE_HTTP)
              .addAll(CLOUDFLARE_HTTPS).build());

  /**
   * Parses {@code 80,443,8000-8080} and the {@link #ALIASES} ({@code cloudflare-all,22});
   * throws {@link UsageError} on anything else. The result is sorted, without duplicates, and
   * overlapping ranges are merged ({@code cloudflare-all,443} is 13 ports, not 14: iptables'
   * multiport counts every one). Adjacent ports stay apart, as the operator wrote them.
   */
  public static ImmutableList<PortRange> parseList(String spec) {
    List<String> parts = Splitter.on(',').trimResults().splitToList(spec);
    List<PortRange> all = new ArrayList<>();
    for (String p : parts) {
      ImmutableList<PortRange> alias = ALIASES.get(p.toLowerCase(Locale.ROOT));
      all.addAll(alias != null ? alias : parseOne(spec, p));
    }
    all.sort(null);
    List<PortRange> out = new ArrayList<>();
    for (PortRange r : all) {
      PortRange last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && r.low() <= last.high()) {
        out.set(out.size() - 1, new PortRange(last.low(), Math.max(last.high(), r.high())));
      } else {
        out.add(r);
      }
    }
    if (out.isEmpty()) {
      throw new UsageError("--ports \"" + spec + "\" names no port");
    }
    return ImmutableList.copyOf(out);
  }

  private static List<PortRange> parseOne(String spec, String p) {
    try {
      int dash = p.indexOf('-');
      int lo = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
      int hi = dash < 0 ? lo : Integer.parseInt(p.substring(dash + 1));
      if (lo < 1 || hi > 65535 || lo > hi) {
        throw new NumberFormatException();
      }
      return List.of(new PortRange(lo, hi));
    } catch (NumberFormatException e) {
      throw new UsageError("--ports \"" + spec + "\": \"" + p + "\" is not a port (1-65535), "
          + "a range like 8000-8080 or one of " + String.join(", ", ALIASES.keySet()));
    }
  }

  public static String join(List<PortRange> ports, char rangeSeparator) {
    return ports.stream().map(p -> p.toString(rangeSeparator)).collect(Collectors.joining(","));
  }
}
