package io.exproto.transport.internal;

import java.util.function.LongSupplier;

/**
 * A token bucket for accepted connections ({@code max_conn_rate}): it holds up to {@code
 * perSecond} tokens, starts full and refills at {@code perSecond} tokens a second, so a burst of
 * {@code perSecond} connections is let through at once and a steady flow at that rate forever.
 *
 * <p>Kept as the time the next token will be free (the "virtual scheduling" form of the bucket):
 * two longs, no refill task, no floating point. The one bucket behind every listener's accept rate
 * (Netty TCP, TLS and UDP, and DTLS). Thread-safe: a Netty listener takes tokens on its one event
 * loop, where the lock is never contended; Scandium may receive on several threads. Internal: not
 * part of the public API.
 */
public final class AcceptRateLimiter {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final LongSupplier nanoClock;
  private final long nanosPerToken;
  // How far the schedule may run ahead of now: the bucket's capacity less the token being taken.
  private final long burstNanos;
  private long nextTokenAt; // guarded by this

  /**
   * @param perSecond at least 1
   * @param nanoClock a monotonic clock in nanoseconds, {@code System::nanoTime} outside tests
   */
  public AcceptRateLimiter(int perSecond, LongSupplier nanoClock) {
    if (perSecond < 1) {
      throw new IllegalArgumentException("maxConnRate must be at least 1 per second, was "
          + perSecond);
    }
    this.nanoClock = nanoClock;
    this.nanosPerToken = Math.max(1, NANOS_PER_SECOND / perSecond);
    this.burstNanos = (perSecond - 1) * nanosPerToken;
    this.nextTokenAt = nanoClock.getAsLong();
  }

  /** Takes a token if one is left, returning whether it did. */
  public synchronized boolean tryAcquire() {
    long now = nanoClock.getAsLong();
    // Compared by difference: nanoTime may wrap. A schedule in the past means a full bucket.
    long scheduled = nextTokenAt - now > 0 ? nextTokenAt : now;
    if (scheduled - now > burstNanos) {
      return false;
    }
    nextTokenAt = scheduled + nanosPerToken;
    return true;
  }

  /** How long until {@link #tryAcquire()} can succeed: 0 if a token is free now. */
  public synchronized long nanosUntilToken() {
    long now = nanoClock.getAsLong();
    long scheduled = nextTokenAt - now > 0 ? nextTokenAt : now;
    return Math.max(0, scheduled - now - burstNanos);
  }
}
