package io.cfsync.doctor;

import io.cfsync.model.Family;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * One row of {@code /proc/net/tcp} or {@code tcp6}. {@code v6Table} says which file it came
 * from: a {@code tcp6} socket bound to {@code ::ffff:127.0.0.1} has an IPv4 {@code local}
 * address but is still an IPv6 socket.
 */
public record ListenSocket(boolean v6Table, InetAddress local, int port, int state, int uid,
    long inode) {

  /** TCP_LISTEN in include/net/tcp_states.h. */
  public static final int LISTEN = 0x0A;

  public boolean listening() {
    return state == LISTEN;
  }

  /** The family of connections this binding accepts when it is not a wildcard. */
  public Family family() {
    return local instanceof Inet4Address ? Family.V4 : Family.V6;
  }

  /** Bound to {@code 0.0.0.0}, {@code ::} or {@code ::ffff:0.0.0.0}. */
  public boolean wildcard() {
    return local.isAnyLocalAddress();
  }

  /** {@code 0.0.0.0:80}, {@code [::]:80}, {@code [::ffff:127.0.0.1]:80} as ss prints them. */
  public String endpoint() {
    String a = com.google.common.net.InetAddresses.toAddrString(local);
    if (v6Table && local instanceof Inet4Address) {
      return "[::ffff:" + a + "]:" + port;
    }
    return (local instanceof Inet4Address ? a : "[" + a + "]") + ":" + port;
  }
}
