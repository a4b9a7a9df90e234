package io.cfsync.doctor;

import com.google.common.collect.ImmutableList;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Parses {@code /proc/net/tcp} and {@code /proc/net/tcp6}. The kernel prints each address as
 * 32-bit words in host byte order ({@code %08X} of the big-endian word read natively), so
 * {@code 127.0.0.1} reads {@code 0100007F} on x86; ports are printed already converted.
 */
public final class ProcNetTcp {

  private ProcNetTcp() {}

  /**
   * Every socket row of {@code text}; the header and malformed lines are skipped (the file
   * is the kernel's, but a fixture or a future column must not crash doctor).
   */
  public static ImmutableList<ListenSocket> parse(String text, boolean v6Table, ByteOrder order) {
    ImmutableList.Builder<ListenSocket> out = ImmutableList.builder();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 10 || !f[0].endsWith(":")) {
        continue;
      }
      try {
        int colon = f[1].indexOf(':');
        if (colon < 0) {
          continue;
        }
        InetAddress local = address(f[1].substring(0, colon), v6Table, order);
        int port = Integer.parseInt(f[1].substring(colon + 1), 16);
        int state = Integer.parseInt(f[3], 16);
        int uid = Integer.parseInt(f[7]);
        long inode = Long.parseLong(f[9]);
        out.add(new ListenSocket(v6Table, local, port, state, uid, inode));
      } catch (IllegalArgumentException e) {
        // Not a socket row: skip it, as ss does with lines it cannot read.
      }
    }
    return out.build();
  }

  static InetAddress address(String hex, boolean v6Table, ByteOrder order) {
    int words = v6Table ? 4 : 1;
    if (hex.length() != words * 8) {
      throw new IllegalArgumentException("address \"" + hex + "\" has " + hex.length()
          + " hex digits");
    }
    ByteBuffer b = ByteBuffer.allocate(words * 4).order(order);
    for (int i = 0; i < words; i++) {
      b.putInt((int) Long.parseLong(hex.substring(i * 8, i * 8 + 8), 16));
    }
    try {
      // getByAddress turns ::ffff:a.b.c.d into an Inet4Address: a v4-mapped binding accepts
      // exactly the IPv4 connections to a.b.c.d, so that is the family it serves.
      return InetAddress.getByAddress(b.array());
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
