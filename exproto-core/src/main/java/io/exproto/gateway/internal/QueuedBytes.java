package io.exproto.gateway.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway-wide bound on memory queued toward handlers: the bytes of received data and of
 * deliveries waiting in every connection's callback queue, added up. Above the limit the bound is
 * "over": every connection pauses reading and new deliveries are dropped; once the total is back
 * to half the limit, reads resume. Each change of state runs {@code onChange}, which tells every
 * connection to look at {@link #isOver()} again on its own executor (so that a late pause task
 * can never outlive a resume: each connection reads the state when its task runs).
 *
 * <p>Thread-safe and lock-free; connections report their changes with {@link #add(long)}.
 */
final class QueuedBytes {
  private final long limit;
  private final long resumeAt;
  private final Runnable onChange;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicBoolean over = new AtomicBoolean();

  QueuedBytes(long limit, Runnable onChange) {
    this.limit = limit;
    this.resumeAt = limit / 2;
    this.onChange = onChange;
  }

  /** Adds {@code delta} (negative when bytes leave a queue) and flips the state if due. */
  void add(long delta) {
    long now = queued.addAndGet(delta);
    if (delta > 0 && now > limit) {
      if (over.compareAndSet(false, true)) {
        onChange.run();
      }
    } else if (delta < 0 && now <= resumeAt && over.compareAndSet(true, false)) {
      onChange.run();
    }
  }

  /** True while reads are paused and deliveries dropped. */
  boolean isOver() {
    return over.get();
  }

  /** The bytes queued now, across all connections. */
  long queued() {
    return queued.get();
  }

  long limit() {
    return limit;
  }
}
