package io.exproto.gateway;

import java.util.concurrent.TimeUnit;

/**
 * The gateway's source of time and timers, injectable so tests drive keepalive, idle and expiry
 * without sleeping. Scheduled tasks may run on any thread; the gateway hops them onto the
 * connection's executor itself.
 */
public interface Scheduler {

  /** A handle to cancel a scheduled task. */
  @FunctionalInterface
  interface Cancellable {
    /** Cancels the task if it has not run; harmless otherwise. */
    void cancel();
  }

  /** Monotonic time in nanoseconds, for intervals. */
  long nanoTime();

  /** Wall-clock time in milliseconds since the epoch, for message timestamps and expiry. */
  long currentTimeMillis();

  /** Runs {@code task} once after {@code delay}. */
  Cancellable schedule(Runnable task, long delay, TimeUnit unit);
}
