package io.exproto.testkit;

import io.exproto.gateway.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Scheduler} whose time moves only when a test calls {@link #advance}: keepalive, idle,
 * expiry and callback deadlines become deterministic. Due tasks run on the thread that advances
 * time, in due order (ties in scheduling order); the gateway then hops them onto connection
 * executors, so assert their effects with a bounded wait. Thread-safe.
 */
public final class ManualScheduler implements Scheduler {
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long nanos;
  private final long epochMillisAtZero;
  private long seq;

  /** Starts at an arbitrary fixed wall-clock time (2023-11-14T22:13:20Z). */
  public ManualScheduler() {
    this(1_700_000_000_000L);
  }

  /** Starts at {@code epochMillis}. */
  public ManualScheduler(long epochMillis) {
    this.epochMillisAtZero = epochMillis;
  }

  private final class Task implements Comparable<Task>, Cancellable {
    final long due;
    final long order;
    final Runnable body;
    boolean cancelled;

    Task(long due, long order, Runnable body) {
      this.due = due;
      this.order = order;
      this.body = body;
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(due, o.due);
      return c != 0 ? c : Long.compare(order, o.order);
    }

    @Override
    public void cancel() {
      synchronized (ManualScheduler.this) {
        cancelled = true;
        tasks.remove(this);
      }
    }
  }

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  @Override
  public synchronized long currentTimeMillis() {
    return epochMillisAtZero + TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
    Task t = new Task(nanos + Math.max(0, unit.toNanos(delay)), seq++, task);
    tasks.add(t);
    return t;
  }

  /** Moves time forward by {@code d}, running every task that falls due, in order. */
  public void advance(Duration d) {
    long target;
    synchronized (this) {
      target = nanos + d.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.due > target) {
          nanos = target;
          return;
        }
        tasks.poll();
        nanos = Math.max(nanos, next.due);
      }
      next.body.run();
    }
  }

  /** Tasks scheduled and not yet run or cancelled. */
  public synchronized int pendingTasks() {
    return tasks.size();
  }

  /** The due times (relative to now) of pending tasks, soonest first; for diagnostics. */
  public synchronized List<Duration> pendingDelays() {
    List<Task> sorted = new ArrayList<>(tasks);
    sorted.sort(null);
    List<Duration> out = new ArrayList<>();
    for (Task t : sorted) {
      out.add(Duration.ofNanos(t.due - nanos));
    }
    return out;
  }
}
