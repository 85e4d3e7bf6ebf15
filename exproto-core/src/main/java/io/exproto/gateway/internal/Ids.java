package io.exproto.gateway.internal;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/** Connection ids and message ids. Thread-safe. */
final class Ids {
  /** 128 random bits, base64url without padding. */
  static final int CONN_LENGTH = 22;

  private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(SecureRandom::new);
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private Ids() {}

  /** A new unguessable connection id (128 bits from a SecureRandom). */
  static String newConn() {
    byte[] b = new byte[16];
    RANDOM.get().nextBytes(b);
    return ENCODER.encodeToString(b);
  }

  /** True if {@code conn} has the shape of an id this gateway makes. */
  static boolean isWellFormedConn(String conn) {
    if (conn == null || conn.length() != CONN_LENGTH) {
      return false;
    }
    for (int i = 0; i < CONN_LENGTH; i++) {
      char c = conn.charAt(i);
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** A new message id: 32 uppercase hex characters (128 random bits; ids need not be secret). */
  static String newMessageId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    char[] out = new char[32];
    hex(r.nextLong(), out, 0);
    hex(r.nextLong(), out, 16);
    return new String(out);
  }

  /** A client id for a handler that gave none. */
  static String newClientId() {
    return "exproto-" + newMessageId().substring(0, 20).toLowerCase(Locale.ROOT);
  }

  private static void hex(long v, char[] out, int at) {
    for (int i = 15; i >= 0; i--) {
      out[at + i] = HEX[(int) (v & 0xF)];
      v >>>= 4;
    }
  }
}
