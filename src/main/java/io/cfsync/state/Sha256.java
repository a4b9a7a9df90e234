package io.cfsync.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of a string's UTF-8 bytes, as lower-case hex (the JDK's digest). */
final class Sha256 {

  private Sha256() {}

  static String hex(CharSequence text) {
    return hex(text.toString().getBytes(StandardCharsets.UTF_8));
  }

  static String hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256 (MessageDigest's contract).
      throw new IllegalStateException(e);
    }
  }
}
