package io.exproto.gateway.internal;

import io.exproto.gateway.Scheduler;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link Scheduler}: the system clock and one shared daemon timer thread. Timer tasks
 * only hop onto a connection's executor, so one thread serves every gateway in the JVM.
 *
 * <p>Every connection holds a timer (its idle timeout, later its keepalive), so a timer is a single
 * small object: its task, its deadline and its place in a binary heap ordered by deadline. (A
 * {@code ScheduledThreadPoolExecutor} task, with the adapter it wraps a Runnable in and a cancel
 * handle, costs about 80 bytes more per connection.) A cancelled timer leaves the heap at once,
 * since keepalive timers are cancelled far more often than they fire. Timers due at the same
 * nanosecond run in no particular order. A task that throws is logged and the thread goes on.
 *
 * <p>Thread-safe.
 */
public final class SystemScheduler implements Scheduler {
  private static final Logger log = LoggerFactory.getLogger(SystemScheduler.class);
  private static final SystemScheduler SHARED = new SystemScheduler("exproto-timer");
  /** Delays are capped so that a deadline never overflows (about 146 years). */
  private static final long MAX_DELAY_NANOS = Long.MAX_VALUE >> 1;

  private final Object lock = new Object();
  private Timer[] heap = new Timer[64]; // guarded by lock
  private int size; // guarded by lock

  /** One scheduled task: a heap entry, and the handle that cancels it. */
  private final class Timer implements Cancellable {
    final Runnable task;
    final long deadline;
    int index = -1; // its place in the heap; -1 once it ran or was cancelled; guarded by lock

    Timer(Runnable task, long deadline) {
      this.task = task;
      this.deadline = deadline;
    }

    @Override
    public void cancel() {
      synchronized (lock) {
        if (index >= 0) {
          removeAt(index);
        }
      }
    }
  }

  SystemScheduler(String threadName) {
    Thread thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  /** The JVM-wide instance. */
  public static SystemScheduler shared() {
    return SHARED;
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public long currentTimeMillis() {
    return System.currentTimeMillis();
  }

  @Override
  public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
    if (task == null) {
      throw new NullPointerException("task");
    }
    long delayNanos = Math.min(Math.max(0, unit.toNanos(delay)), MAX_DELAY_NANOS);
    Timer t = new Timer(task, System.nanoTime() + delayNanos);
    synchronized (lock) {
      if (size == heap.length) {
        heap = Arrays.copyOf(heap, size * 2);
      }
      heap[size] = t;
      t.index = size;
      size++;
      siftUp(t.index);
      if (t.index == 0) {
        lock.notifyAll(); // a new earliest deadline: the thread waits for it instead
      }
    }
    return t;
  }

  /** Timers waiting to run, cancelled ones not included (for tests). */
  int pending() {
    synchronized (lock) {
      return size;
    }
  }

  private void run() {
    while (true) {
      Timer due;
      synchronized (lock) {
        while (true) {
          if (size == 0) {
            waitQuietly(0);
            continue;
          }
          long wait = heap[0].deadline - System.nanoTime();
          if (wait <= 0) {
            due = heap[0];
            removeAt(0);
            break;
          }
          waitQuietly(wait);
        }
      }
      try {
        due.task.run();
      } catch (Throwable e) {
        log.warn("A timer task failed; the timer thread goes on", e);
      }
    }
  }

  /** Waits on the lock for {@code nanos} (0: until notified); this thread is never interrupted. */
  private void waitQuietly(long nanos) {
    try {
      if (nanos == 0) {
        lock.wait();
      } else {
        TimeUnit.NANOSECONDS.timedWait(lock, nanos);
      }
    } catch (InterruptedException e) {
      // Nobody interrupts this thread; if someone does, the loop just looks again.
    }
  }

  // The binary heap, ordered by deadline; called with the lock held.

  private void removeAt(int i) {
    Timer removed = heap[i];
    removed.index = -1;
    size--;
    Timer last = heap[size];
    heap[size] = null;
    if (i < size) {
      heap[i] = last;
      last.index = i;
      siftDown(i);
      if (heap[i] == last) {
        siftUp(i);
      }
    }
  }

  private void siftUp(int i) {
    Timer t = heap[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Timer p = heap[parent];
      if (p.deadline - t.deadline <= 0) {
        break;
      }
      heap[i] = p;
      p.index = i;
      i = parent;
    }
    heap[i] = t;
    t.index = i;
  }

  private void siftDown(int i) {
    Timer t = heap[i];
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && heap[right].deadline - heap[child].deadline < 0) {
        child = right;
      }
      Timer c = heap[child];
      if (t.deadline - c.deadline <= 0) {
        break;
      }
      heap[i] = c;
      c.index = i;
      i = child;
    }
    heap[i] = t;
    t.index = i;
  }
}
