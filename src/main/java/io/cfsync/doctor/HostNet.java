package io.cfsync.doctor;

import com.fasterxml.jackson.jr.ob.JSON;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.net.InetAddresses;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.model.Family;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * This host's interfaces, their addresses and the interface of the default route per
 * family, as {@code ip -j} reports them in the namespace doctor runs in.
 */
public record HostNet(ImmutableList<Iface> ifaces, ImmutableMap<Family, String> defaultIface) {

  /** One address on an interface. */
  public record IfAddr(InetAddress address, int prefixLength) {
    public Family family() {
      return Family.of(address);
    }

    public AddressKind kind() {
      return AddressKind.of(address);
    }

    @Override
    public String toString() {
      return InetAddresses.toAddrString(address) + "/" + prefixLength;
    }
  }

  /** One interface by name. */
  public record Iface(String name, ImmutableList<IfAddr> addresses) {
    public Iface {
      addresses = ImmutableList.copyOf(addresses);
    }
  }

  public HostNet {
    ifaces = ImmutableList.copyOf(ifaces);
    defaultIface = ImmutableMap.copyOf(defaultIface);
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** Reads {@code ip -j addr} and the default routes; falls back to Java's view without ip. */
  public static HostNet read(ProcessRunner run) {
    try {
      Result addr = run.run(Command.of("ip", "-j", "addr", "show").withTimeout(TIMEOUT));
      if (addr.ok()) {
        ImmutableMap.Builder<Family, String> def = ImmutableMap.builder();
        for (Family f : Family.values()) {
          Result r = run.run(Command.of("ip", "-j", f == Family.V4 ? "-4" : "-6", "route", "show",
              "default").withTimeout(TIMEOUT));
          if (r.ok()) {
            defaultDev(r.stdout()).ifPresent(d -> def.put(f, d));
          }
        }
        return new HostNet(parseAddr(addr.stdout()), def.buildOrThrow());
      }
    } catch (RuntimeException e) {
      // ip missing or unparsable output: Java's own view below still knows the addresses.
    }
    return fromJava();
  }

  static ImmutableList<Iface> parseAddr(String json) {
    ImmutableList.Builder<Iface> out = ImmutableList.builder();
    try {
      for (Object o : JSON.std.listFrom(json)) {
        if (!(o instanceof Map<?, ?> m) || !(m.get("ifname") instanceof String name)) {
          continue;
        }
        ImmutableList.Builder<IfAddr> addrs = ImmutableList.builder();
        if (m.get("addr_info") instanceof List<?> infos) {
          for (Object i : infos) {
            if (i instanceof Map<?, ?> a && a.get("local") instanceof String local
                && a.get("prefixlen") instanceof Number len && InetAddresses.isInetAddress(local)) {
              addrs.add(new IfAddr(InetAddresses.forString(local), len.intValue()));
            }
          }
        }
        out.add(new Iface(name, addrs.build()));
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("ip -j addr: " + e.getMessage(), e);
    }
    return out.build();
  }

  static Optional<String> defaultDev(String json) {
    try {
      for (Object o : JSON.std.listFrom(json)) {
        if (o instanceof Map<?, ?> m && m.get("dev") instanceof String dev) {
          return Optional.of(dev);
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static HostNet fromJava() {
    ImmutableList.Builder<Iface> out = ImmutableList.builder();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        ImmutableList.Builder<IfAddr> addrs = ImmutableList.builder();
        for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
          InetAddress a = ia.getAddress();
          // Drop the zone id Java attaches to link-local addresses.
          addrs.add(new IfAddr(InetAddresses.forString(InetAddresses.toAddrString(a)),
              ia.getNetworkPrefixLength()));
        }
        out.add(new Iface(ni.getName(), addrs.build()));
      }
    } catch (SocketException e) {
      // No interfaces to read: an empty view makes every check say it could not tell.
    }
    return new HostNet(out.build(), ImmutableMap.of());
  }

  /** Every address of a family on any interface. */
  public ImmutableList<IfAddr> addresses(Family f) {
    return ifaces.stream().flatMap(i -> i.addresses().stream()).filter(a -> a.family() == f)
        .collect(ImmutableList.toImmutableList());
  }

  /** Addresses of a family other hosts could connect to (not loopback, not link-local). */
  public ImmutableList<IfAddr> routable(Family f) {
    return addresses(f).stream().filter(a -> a.kind().routable())
        .collect(ImmutableList.toImmutableList());
  }

  public boolean hasPublic(Family f) {
    return addresses(f).stream().anyMatch(a -> a.kind() == AddressKind.PUBLIC);
  }

  public Optional<Iface> iface(String name) {
    return ifaces.stream().filter(i -> i.name().equals(name)).findFirst();
  }

  /** The interface of the default route of {@code f}, if there is one. */
  public Optional<String> defaultIface(Family f) {
    return Optional.ofNullable(defaultIface.get(f));
  }
}
