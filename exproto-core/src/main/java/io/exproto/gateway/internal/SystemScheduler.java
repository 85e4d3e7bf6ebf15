package io.exproto.gateway.internal;

import io.exproto.gateway.Scheduler;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The default {@link Scheduler}: the system clock and one shared daemon timer thread. Timer tasks
 * only hop onto a connection's executor, so one thread serves every gateway in the JVM.
 */
public final class SystemScheduler implements Scheduler {
  private static final SystemScheduler SHARED = new SystemScheduler();

  private final ScheduledThreadPoolExecutor timer;

  private SystemScheduler() {
    timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "exproto-timer");
      t.setDaemon(true);
      return t;
    });
    // Keepalive timers are cancelled far more often than they fire; do not keep dead tasks.
    timer.setRemoveOnCancelPolicy(true);
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
    ScheduledFuture<?> f = timer.schedule(task, delay, unit);
    return () -> f.cancel(false);
  }
}
