package io.cfsync.backend.nftables;

import io.cfsync.model.Family;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Set elements from nft's text listing ({@code nft list table}), per set name. The text
 * listing of 100k elements costs nft about a third less CPU than {@code -j}, and its element
 * syntax is nft's input syntax: {@code 104.16.0.0/13}, {@code 192.0.2.1}, {@code a-b}. An
 * element with anything more (a counter, a timeout, a comment) is not one cfsync writes: the
 * set is then "not understood" and gets rewritten.
 */
final class TextElements {

  /** What one set's listing held. */
  static final class Found {
    final Coverage.Builder v4 = new Coverage.Builder(Family.V4);
    final Coverage.Builder v6 = new Coverage.Builder(Family.V6);
    int v4Count;
    int v6Count;
    boolean understood = true;

    Coverage coverage(Family f) {
      return (f == Family.V4 ? v4 : v6).build();
    }

    int count(Family f) {
      return f == Family.V4 ? v4Count : v6Count;
    }
  }

  private TextElements() {}

  static Map<String, Found> parse(String listing) {
    Map<String, Found> out = new HashMap<>();
    int i = 0;
    int n = listing.length();
    Found current = null;
    while (i < n) {
      int eol = listing.indexOf('\n', i);
      if (eol < 0) {
        eol = n;
      }
      String line = listing.substring(i, eol);
      String t = line.strip();
      if (line.startsWith("\tset ") && t.endsWith("{")) {
        current = new Found();
        out.put(t.substring(4, t.length() - 1).strip(), current);
      } else if (line.startsWith("\t}") || line.startsWith("\tchain ")) {
        current = null;
      } else if (current != null && t.startsWith("elements = {")) {
        int open = listing.indexOf('{', i);
        int close = closing(listing, open + 1);
        if (close < 0) {
          current.understood = false;
          break;
        }
        elements(listing, open + 1, close, current);
        eol = listing.indexOf('\n', close);
        if (eol < 0) {
          eol = n;
        }
      }
      i = eol + 1;
    }
    return out;
  }

  /** The index of the '}' closing the element list, skipping quoted strings. */
  private static int closing(String s, int from) {
    boolean quoted = false;
    for (int k = from; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == '}' && !quoted) {
        return k;
      }
    }
    return -1;
  }

  private static void elements(String s, int from, int to, Found into) {
    int start = from;
    for (int k = from; k <= to; k++) {
      if (k == to || s.charAt(k) == ',') {
        String e = s.substring(start, k).strip();
        if (!e.isEmpty()) {
          element(e, into);
        }
        start = k + 1;
      }
    }
  }

  private static void element(String e, Found into) {
    for (int k = 0; k < e.length(); k++) {
      if (Character.isWhitespace(e.charAt(k)) || e.charAt(k) == '"') {
        // An element with a counter, timeout or comment: not one cfsync writes, but its
        // addresses still count (the removal guard measures what is installed).
        into.understood = false;
        e = e.substring(0, k);
        break;
      }
    }
    int slash = e.indexOf('/');
    int dash = e.indexOf('-');
    if (e.indexOf(':') < 0) {
      v4(e, slash, dash, into);
      return;
    }
    if (slash >= 0) {
      Optional<Addresses.Addr> a = Addresses.parse(e.substring(0, slash));
      int len = length(e.substring(slash + 1));
      if (a.isEmpty() || len < 0 || len > a.get().family().bits()) {
        into.understood = false;
        return;
      }
      int hostBits = a.get().family().bits() - len;
      BigInteger first = a.get().value();
      if (hostBits > 0 && first.signum() != 0 && first.getLowestSetBit() < hostBits) {
        into.understood = false;
        return;
      }
      add(into, a.get().family(), first, first.add(BigInteger.ONE.shiftLeft(hostBits)));
    } else if (dash >= 0) {
      Optional<Addresses.Addr> a = Addresses.parse(e.substring(0, dash));
      Optional<Addresses.Addr> b = Addresses.parse(e.substring(dash + 1));
      if (a.isEmpty() || b.isEmpty() || a.get().family() != b.get().family()
          || a.get().value().compareTo(b.get().value()) > 0) {
        into.understood = false;
        return;
      }
      add(into, a.get().family(), a.get().value(), b.get().value().add(BigInteger.ONE));
    } else {
      Optional<Addresses.Addr> a = Addresses.parse(e);
      if (a.isEmpty()) {
        into.understood = false;
        return;
      }
      add(into, a.get().family(), a.get().value(), a.get().value().add(BigInteger.ONE));
    }
  }

  /** IPv4 as longs: most of a 100k listing, where BigIntegers cost more than nft itself. */
  private static void v4(String e, int slash, int dash, Found into) {
    long first;
    long end;
    if (slash >= 0) {
      first = Addresses.v4(e.substring(0, slash));
      int len = length(e.substring(slash + 1));
      if (first < 0 || len < 0 || len > 32 || (first & ((1L << (32 - len)) - 1)) != 0) {
        into.understood = false;
        return;
      }
      end = first + (1L << (32 - len));
    } else if (dash >= 0) {
      first = Addresses.v4(e.substring(0, dash));
      long last = Addresses.v4(e.substring(dash + 1));
      if (first < 0 || last < 0 || first > last) {
        into.understood = false;
        return;
      }
      end = last + 1;
    } else {
      first = Addresses.v4(e);
      if (first < 0) {
        into.understood = false;
        return;
      }
      end = first + 1;
    }
    into.v4.addV4(first, end);
    into.v4Count++;
  }

  private static int length(String s) {
    if (s.isEmpty() || s.length() > 3) {
      return -1;
    }
    int v = 0;
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static void add(Found into, Family f, BigInteger first, BigInteger end) {
    (f == Family.V4 ? into.v4 : into.v6).add(first, end);
    if (f == Family.V4) {
      into.v4Count++;
    } else {
      into.v6Count++;
    }
  }
}
