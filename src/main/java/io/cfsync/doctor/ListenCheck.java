package io.cfsync.doctor;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableListMultimap;
import com.google.common.collect.ImmutableMap;
import com.google.common.net.InetAddresses;
import io.cfsync.model.Family;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Is anything listening on each protected port, for which process, and reachable from
 * outside: bound to all addresses, or only to loopback or a private address (a classic 521)?
 * IPv4 and IPv6 are judged separately; an IPv6 wildcard socket serves IPv4 too unless it is
 * {@code v6only}.
 */
public final class ListenCheck {

  static final String CHECK = "listen";

  /** What doctor knows about the sockets of the namespace it looks at. */
  public record Sockets(ImmutableList<ListenSocket> sockets,
      ImmutableListMultimap<Long, SocketOwners.Owner> owners,
      ImmutableMap<Long, Boolean> v6only, Optional<Boolean> bindV6Only) {}

  /** One socket that would take connections of the family being judged. */
  private record Serving(ListenSocket socket, boolean dualStack, boolean dualStackPresumed) {}

  private final Sockets s;
  private final HostNet net;
  private final Map<Integer, List<RulesetSnapshot.Dnat>> dnat;

  public ListenCheck(Sockets sockets, HostNet net) {
    this(sockets, net, Map.of());
  }

  /** @param dnat ports the firewall DNATs elsewhere (see {@link RulesetSnapshot#dnatPorts}) */
  public ListenCheck(Sockets sockets, HostNet net,
      Map<Integer, List<RulesetSnapshot.Dnat>> dnat) {
    this.s = sockets;
    this.net = net;
    this.dnat = Map.copyOf(dnat);
  }

  public ImmutableList<Finding> run(List<Integer> ports) {
    ImmutableList.Builder<Finding> out = ImmutableList.builder();
    for (int port : ports) {
      for (Family f : Family.values()) {
        out.add(judge(port, f));
      }
    }
    return out.build();
  }

  Finding judge(int port, Family f) {
    List<Serving> serving = serving(port, f);
    String subject = port + "/" + f.label();
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("port", port);
    d.put("family", f.label());
    d.put("sockets", serving.stream().map(this::describe).collect(Collectors.toList()));
    ImmutableMap<String, Object> details = ImmutableMap.copyOf(d);
    String v = f == Family.V4 ? "IPv4" : "IPv6";

    Optional<Serving> wild = serving.stream().filter(x -> x.socket().wildcard()).findFirst();
    if (wild.isPresent()) {
      Serving w = wild.get();
      if (w.dualStack() && w.dualStackPresumed()) {
        return Finding.of(CHECK, subject, Status.WARN, "only " + who(w) + " listens on "
            + w.socket().endpoint() + ": it takes IPv4 only if the program did not set "
            + "IPV6_V6ONLY, and doctor could not read that flag (no ss)",
            "also listen on 0.0.0.0:" + port + " (nginx: add `listen " + port + ";`), or install "
            + "iproute2 so doctor can tell").withDetails(details);
      }
      return Finding.ok(CHECK, subject, who(w) + " listens on " + w.socket().endpoint()
          + (w.dualStack() ? " (v6only off: it takes IPv4 too)" : "")).withDetails(details);
    }
    List<Serving> pub = serving.stream()
        .filter(x -> AddressKind.of(x.socket().local()) == AddressKind.PUBLIC).toList();
    if (!pub.isEmpty()) {
      return Finding.ok(CHECK, subject, who(pub.get(0)) + " listens on "
          + endpoints(pub) + " only: Cloudflare must connect to that address")
          .withDetails(details);
    }
    List<Serving> priv = serving.stream()
        .filter(x -> AddressKind.of(x.socket().local()) == AddressKind.PRIVATE).toList();
    if (!priv.isEmpty()) {
      if (net.hasPublic(f)) {
        return Finding.of(CHECK, subject, Status.FAIL, who(priv.get(0)) + " listens only on "
            + "the private " + endpoints(priv) + "; connections to this host's public "
            + v + " address " + firstPublic(f) + " are refused (521)",
            listenFix(port)).withDetails(details);
      }
      return Finding.ok(CHECK, subject, who(priv.get(0)) + " listens on " + endpoints(priv)
          + " (this host has no public " + v + " address: fine when the provider NATs to it)")
          .withDetails(details);
    }
    if (!serving.isEmpty()) {
      return Finding.of(CHECK, subject, Status.FAIL, who(serving.get(0)) + " listens only on "
          + endpoints(serving) + ": Cloudflare cannot reach it (521)", listenFix(port))
          .withDetails(details);
    }
    List<String> forwarded = dnat.getOrDefault(port, List.of()).stream()
        .filter(x -> Family.of(x.target()) == f).map(RulesetSnapshot.Dnat::describe).distinct()
        .toList();
    if (!forwarded.isEmpty()) {
      return Finding.ok(CHECK, subject, "nothing listens on port " + port + " over " + v
          + " here, but the firewall DNATs it to " + String.join(", ", forwarded)
          + " (a container?): the firewall check follows it").withDetails(details);
    }
    if (net.routable(f).isEmpty()) {
      return Finding.ok(CHECK, subject, "nothing listens on port " + port + " over " + v
          + ", and this host has no " + v + " address besides loopback/link-local")
          .withDetails(details);
    }
    Family other = f == Family.V4 ? Family.V6 : Family.V4;
    if (f == Family.V6 && !net.routable(other).isEmpty()) {
      return Finding.of(CHECK, subject, Status.WARN, "nothing listens on port " + port
          + " over IPv6 although this host has " + net.routable(f).get(0)
          + ": Cloudflare gets 521 if the DNS name has an AAAA record for it",
          "listen on [::]:" + port + " too (nginx: `listen [::]:" + port + ";`), or remove the "
          + "AAAA record").withDetails(details);
    }
    return Finding.of(CHECK, subject, Status.FAIL, "nothing listens on port " + port + " over "
        + v + ": Cloudflare gets 521", "start the web server (e.g. systemctl start nginx) and "
        + "make it listen on port " + port + " on all addresses").withDetails(details);
  }

  private static String listenFix(int port) {
    return "make it listen on all addresses: nginx `listen " + port + ";` / Apache `Listen "
        + port + "` (not 127.0.0.1:" + port + "), then reload it";
  }

  private String firstPublic(Family f) {
    return net.addresses(f).stream().filter(a -> a.kind() == AddressKind.PUBLIC)
        .map(a -> InetAddresses.toAddrString(a.address())).findFirst().orElse("?");
  }

  private List<Serving> serving(int port, Family f) {
    List<Serving> out = new ArrayList<>();
    for (ListenSocket sock : s.sockets()) {
      if (!sock.listening() || sock.port() != port) {
        continue;
      }
      if (sock.family() == f) {
        out.add(new Serving(sock, false, false));
      } else if (f == Family.V4 && sock.v6Table() && sock.wildcard()) {
        Boolean only = s.v6only().get(sock.inode());
        if (only != null) {
          if (!only) {
            out.add(new Serving(sock, true, false));
          }
        } else if (!s.bindV6Only().orElse(false)) {
          out.add(new Serving(sock, true, true));
        }
      }
    }
    return out;
  }

  private String who(Serving x) {
    List<SocketOwners.Owner> o = s.owners().get(x.socket().inode());
    if (o.isEmpty()) {
      return "a process (uid " + x.socket().uid() + ", socket " + x.socket().inode() + ")";
    }
    return o.get(0).describe();
  }

  private static String endpoints(List<Serving> xs) {
    return xs.stream().map(x -> x.socket().endpoint()).distinct()
        .collect(Collectors.joining(", "));
  }

  private Map<String, Object> describe(Serving x) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("endpoint", x.socket().endpoint());
    m.put("inode", x.socket().inode());
    m.put("uid", x.socket().uid());
    m.put("dualStack", x.dualStack());
    List<Object> owners = new ArrayList<>();
    for (SocketOwners.Owner o : s.owners().get(x.socket().inode())) {
      Map<String, Object> om = new LinkedHashMap<>();
      om.put("pid", o.pid());
      om.put("comm", o.comm());
      om.put("unit", o.unit().orElse(null));
      owners.add(om);
    }
    m.put("processes", owners);
    return m;
  }
}
