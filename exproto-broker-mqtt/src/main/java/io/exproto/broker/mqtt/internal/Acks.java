package io.exproto.broker.mqtt.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/** Acknowledgements that run at most once, and ones that wait for several deliveries. */
final class Acks {
  private Acks() {}

  /** {@code ack}, guarded so that it runs at most once whoever calls it. */
  static Runnable once(Runnable ack) {
    AtomicBoolean done = new AtomicBoolean();
    return () -> {
      if (done.compareAndSet(false, true)) {
        try {
          ack.run();
        } catch (RuntimeException e) {
          // The connection went away meanwhile: the broker redelivers to the next session.
          LoggerFactory.getLogger(Acks.class).debug("acknowledgement failed: {}", e.toString());
        }
      }
    };
  }

  /** Runs {@code ack} once {@code count} parts have run (a message fanned out to devices). */
  static Runnable[] split(Runnable ack, int count) {
    AtomicInteger left = new AtomicInteger(count);
    Runnable part = () -> {
      if (left.decrementAndGet() == 0) {
        ack.run();
      }
    };
    Runnable[] parts = new Runnable[count];
    for (int i = 0; i < count; i++) {
      parts[i] = once(part);
    }
    return parts;
  }
}
