package io.exproto.gateway.internal;

/**
 * Token buckets for one connection's inbound traffic: bytes per second and reads (messages) per
 * second, each holding at most one second's worth. A read is always accepted, possibly driving a
 * bucket into debt; while in debt the connection pauses reading (shaping, never dropping).
 * Confined to the connection's executor.
 */
final class InboundRateLimiter {
  private static final double NANOS_PER_SECOND = 1e9;

  private final long bytesPerSecond; // 0: unlimited
  private final long messagesPerSecond; // 0: unlimited
  private double byteTokens;
  private double messageTokens;
  private long lastRefillNanos;

  /** Null when neither limit is set: unlimited connections carry no limiter. */
  static InboundRateLimiter create(long bytesPerSecond, int messagesPerSecond, long nowNanos) {
    if (bytesPerSecond <= 0 && messagesPerSecond <= 0) {
      return null;
    }
    return new InboundRateLimiter(bytesPerSecond, messagesPerSecond, nowNanos);
  }

  private InboundRateLimiter(long bytesPerSecond, long messagesPerSecond, long nowNanos) {
    this.bytesPerSecond = Math.max(0, bytesPerSecond);
    this.messagesPerSecond = Math.max(0, messagesPerSecond);
    this.byteTokens = this.bytesPerSecond;
    this.messageTokens = this.messagesPerSecond;
    this.lastRefillNanos = nowNanos;
  }

  /**
   * Takes one read of {@code bytes} from the buckets.
   *
   * @return 0 if the connection may keep reading, else the nanoseconds until it may again
   */
  long consume(int bytes, long nowNanos) {
    refill(nowNanos);
    if (bytesPerSecond > 0) {
      byteTokens -= bytes;
    }
    if (messagesPerSecond > 0) {
      messageTokens -= 1;
    }
    return waitNanos();
  }

  /** Nanoseconds until neither bucket is in debt; 0 if none is now. */
  long waitNanos(long nowNanos) {
    refill(nowNanos);
    return waitNanos();
  }

  private long waitNanos() {
    double wait = 0;
    if (bytesPerSecond > 0 && byteTokens < 0) {
      wait = Math.max(wait, -byteTokens / bytesPerSecond);
    }
    if (messagesPerSecond > 0 && messageTokens < 0) {
      wait = Math.max(wait, -messageTokens / messagesPerSecond);
    }
    return wait <= 0 ? 0 : Math.max(1, (long) Math.ceil(wait * NANOS_PER_SECOND));
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - lastRefillNanos;
    if (elapsed <= 0) {
      return;
    }
    lastRefillNanos = nowNanos;
    double seconds = elapsed / NANOS_PER_SECOND;
    if (bytesPerSecond > 0) {
      byteTokens = Math.min(bytesPerSecond, byteTokens + seconds * bytesPerSecond);
    }
    if (messagesPerSecond > 0) {
      messageTokens = Math.min(messagesPerSecond, messageTokens + seconds * messagesPerSecond);
    }
  }
}
