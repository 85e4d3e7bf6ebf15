package io.exproto.grpc.internal;

import io.exproto.handler.CallbackFailedException;
import io.grpc.ClientCall;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deadline of every unary handler call, without a timer per call.
 *
 * <p>A gRPC deadline ({@code CallOptions.withDeadlineAfter}) schedules and cancels a task on a
 * shared timer for every call, and sends {@code grpc-timeout}, so the handler's server schedules
 * one more per call, four times per device message. (Measured on 2 cores at 1,000 connections:
 * 20-35% more echoes a second without them while the JIT is cold, within the noise once it is
 * warm.) All calls of one client have the same timeout,
 * so instead each call is added to one queue, and a sweep that runs only while calls are pending,
 * every {@link #tickNanos(long) tick}, drops the calls that are done and fails the overdue ones:
 * their stage completes with {@link CallbackFailedException} reason {@code deadline_exceeded},
 * then the call is cancelled so the stream is released. A call whose stage was cancelled (the
 * gateway gave up on it) is cancelled at the next sweep. A call is therefore failed between one
 * timeout and one timeout plus a tick after it started.
 *
 * <p>The queue holds the calls in flight plus those completed since the last sweep: bounded by the
 * gateway's one-callback-per-connection rule and the call rate times one tick. Thread-safe.
 */
final class CallDeadlines {
  private static final Logger log = LoggerFactory.getLogger(CallDeadlines.class);

  /** The longest tick: a 30 s deadline fires at most this late. */
  static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private static final ScheduledExecutorService TIMER = timer();

  private final long timeoutNanos;
  private final long tickNanos;
  private final LongSupplier nanoClock;
  private final ScheduledExecutorService timer;
  private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean sweepScheduled = new AtomicBoolean();

  private record Pending(ClientCall<?, ?> call, CompletableFuture<Void> stage, long deadline) {}

  /** Deadlines of {@code timeout} on the shared sweeper thread. */
  CallDeadlines(Duration timeout) {
    this(timeout, System::nanoTime, TIMER);
  }

  CallDeadlines(Duration timeout, LongSupplier nanoClock, ScheduledExecutorService timer) {
    this.timeoutNanos = timeout.toNanos();
    this.tickNanos = tickNanos(timeoutNanos);
    this.nanoClock = nanoClock;
    this.timer = timer;
  }

  /** An eighth of the timeout, between 1 ms and {@link #MAX_TICK_NANOS}. */
  static long tickNanos(long timeoutNanos) {
    return Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(MAX_TICK_NANOS, timeoutNanos / 8));
  }

  /** Starts timing {@code call}, whose answer completes {@code stage}. */
  void track(ClientCall<?, ?> call, CompletableFuture<Void> stage) {
    pending.add(new Pending(call, stage, nanoClock.getAsLong() + timeoutNanos));
    scheduleSweep();
  }

  private void scheduleSweep() {
    if (sweepScheduled.compareAndSet(false, true)) {
      timer.schedule(this::sweep, tickNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** One pass over the pending calls; re-arms itself while any are left. */
  void sweep() {
    sweepScheduled.set(false);
    long now = nanoClock.getAsLong();
    for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      try {
        if (p.stage.isDone()) {
          it.remove();
          if (p.stage.isCancelled()) {
            p.call.cancel("the gateway gave up on this callback", null);
          }
        } else if (now - p.deadline >= 0) {
          it.remove();
          p.stage.completeExceptionally(new CallbackFailedException("deadline_exceeded", null));
          p.call.cancel("callback deadline exceeded", null);
        }
      } catch (RuntimeException e) {
        // A stage's dependent or a call's cancel threw: that one call is finished either way.
        log.warn("handler call deadline: {}", e.toString());
      }
    }
    if (!pending.isEmpty()) {
      scheduleSweep();
    }
  }

  /** Calls being timed, done or not (for tests). */
  int size() {
    return pending.size();
  }

  private static ScheduledExecutorService timer() {
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "exproto-grpc-deadlines");
      thread.setDaemon(true);
      return thread;
    });
    t.setRemoveOnCancelPolicy(true);
    return t;
  }
}
