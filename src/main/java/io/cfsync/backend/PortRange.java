package io.cfsync.backend;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import io.cfsync.error.UsageError;
import java.util.List;
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

  /** Parses {@code 80,443,8000-8080}; throws {@link UsageError} on anything else. */
  public static ImmutableList<PortRange> parseList(String spec) {
    List<String> parts = Splitter.on(',').trimResults().splitToList(spec);
    ImmutableList.Builder<PortRange> out = ImmutableList.builder();
    for (String p : parts) {
      out.addAll(parseOne(spec, p));
    }
    ImmutableList<PortRange> list = ImmutableList.sortedCopyOf(out.build());
    if (list.isEmpty()) {
      throw new UsageError("--ports \"" + spec + "\" names no port");
    }
    return list;
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
      throw new UsageError("--ports \"" + spec + "\": \"" + p + "\" is not a port (1-65535) or "
          + "a range like 8000-8080");
    }
  }

  public static String join(List<PortRange> ports, char rangeSeparator) {
    return ports.stream().map(p -> p.toString(rangeSeparator)).collect(Collectors.joining(","));
  }
}
