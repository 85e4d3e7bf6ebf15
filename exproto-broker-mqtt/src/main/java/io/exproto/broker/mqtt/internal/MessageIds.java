package io.exproto.broker.mqtt.internal;

import java.util.concurrent.ThreadLocalRandom;

/** Ids of messages arriving from the external broker: 32 uppercase hex characters. */
final class MessageIds {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private MessageIds() {}

  static String next() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = r.nextLong();
    long lo = r.nextLong();
    char[] out = new char[32];
    for (int i = 15; i >= 0; i--) {
      out[i] = HEX[(int) (hi & 0xF)];
      hi >>>= 4;
      out[16 + i] = HEX[(int) (lo & 0xF)];
      lo >>>= 4;
    }
    return new String(out);
  }
}
