package io.exproto.transport.netty.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outbound limits of one TCP listener's links, and the counters of the connections they
 * closed: {@code send_timeout} (docs/configuration.md, with close) and a hard cap on the bytes a link may hold
 * queued in Netty. One instance per listener, shared by all its {@link ChannelLink}s. Immutable
 * apart from the counters; thread-safe.
 *
 * <p><b>send_timeout.</b> While a link's channel is not writable (its queued outbound bytes rose
 * above the write buffer's high-water mark and have not yet fallen below the low one), the link
 * watches whether the device takes any of them: if the kernel accepted none of the queued bytes for
 * {@code sendTimeoutNanos}, the connection is closed with reason {@link
 * CloseReasons#SEND_TIMEOUT}. A device that keeps reading, however slowly, is not closed; one that
 * stopped reading is closed between one and 1.25 send timeouts after it last took a byte. (EMQX's
 * {@code send_timeout} times a whole busy period of the port instead, so there a slow but steady
 * reader of a large burst is closed too.)
 *
 * <p><b>Pending cap.</b> A write that would take the bytes queued in Netty (not counting the
 * kernel's socket buffer) above {@code maxPendingBytes} is dropped and the connection closed with
 * reason {@link CloseReasons#SEND_BUFFER_OVERFLOW}. A write into an empty queue is always taken,
 * so one write larger than the cap is not in itself a reason to close: the queue holds at most the
 * cap plus one write.
 */
public final class SendLimits {

  /** The default {@code send_timeout}: 15 s. */
  public static final long DEFAULT_SEND_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(15);

  /** The default cap on the bytes queued in Netty per connection: 8 MiB. */
  public static final int DEFAULT_MAX_PENDING_BYTES = 8 << 20;

  private final long sendTimeoutNanos;
  private final long checkIntervalNanos;
  private final long maxPendingBytes;
  private final AtomicLong sendTimeouts = new AtomicLong();
  private final AtomicLong sendBufferOverflows = new AtomicLong();

  /**
   * @param sendTimeoutNanos how long a link that is not writable may go without the device taking
   *     a byte; 0 turns {@code send_timeout} off
   * @param maxPendingBytes the most bytes a link may hold queued in Netty; positive
   */
  public SendLimits(long sendTimeoutNanos, long maxPendingBytes) {
    if (sendTimeoutNanos < 0) {
      throw new IllegalArgumentException("sendTimeoutNanos must be 0 (off) or positive, was "
          + sendTimeoutNanos);
    }
    if (maxPendingBytes < 1) {
      throw new IllegalArgumentException("maxPendingBytes must be positive, was "
          + maxPendingBytes);
    }
    this.sendTimeoutNanos = sendTimeoutNanos;
    // Four looks per send timeout: a stuck device is closed at most a quarter late.
    this.checkIntervalNanos = Math.max(1, (sendTimeoutNanos + 3) / 4);
    this.maxPendingBytes = maxPendingBytes;
  }

  /** The defaults: {@code send_timeout} 15 s, at most 8 MiB queued per connection. */
  public static SendLimits defaults() {
    return new SendLimits(DEFAULT_SEND_TIMEOUT_NANOS, DEFAULT_MAX_PENDING_BYTES);
  }

  /** 0 when {@code send_timeout} is off. */
  public long sendTimeoutNanos() {
    return sendTimeoutNanos;
  }

  long checkIntervalNanos() {
    return checkIntervalNanos;
  }

  /** The most bytes a link may hold queued in Netty. */
  public long maxPendingBytes() {
    return maxPendingBytes;
  }

  /** Connections closed with reason {@code send_timeout}. */
  public long sendTimeouts() {
    return sendTimeouts.get();
  }

  /** Connections closed with reason {@code send_buffer_overflow}. */
  public long sendBufferOverflows() {
    return sendBufferOverflows.get();
  }

  void countSendTimeout() {
    sendTimeouts.incrementAndGet();
  }

  void countSendBufferOverflow() {
    sendBufferOverflows.incrementAndGet();
  }
}
