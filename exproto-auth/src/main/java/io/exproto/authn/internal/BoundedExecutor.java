package io.exproto.authn.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A fixed pool of daemon threads with a bounded queue, for blocking work (JDBC, password
 * hashing) that must stay off the gateway's event loops. A task submitted when every thread is
 * busy and the queue is full fails at once with {@link RejectedExecutionException}: the overflow
 * policy is "refuse the newest", so memory stays bounded and callers get an answer at once.
 */
public final class BoundedExecutor implements AutoCloseable {
  private final ThreadPoolExecutor pool;
  private final String name;

  /**
   * @param name thread name prefix
   * @param threads the number of threads
   * @param maxQueued the most tasks waiting for a thread
   */
  public BoundedExecutor(String name, int threads, int maxQueued) {
    this.name = name;
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(maxQueued), r -> {
          Thread t = new Thread(r, name + "-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
  }

  /** Runs {@code task} on the pool; the future fails at once if the queue is full. */
  public <T> CompletableFuture<T> submit(Supplier<T> task) {
    try {
      return CompletableFuture.supplyAsync(task, pool);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new RejectedExecutionException(name
          + ": too many checks pending (" + pool.getQueue().size() + " queued); refused"));
    }
  }

  /** Tasks waiting for a thread. */
  public int queued() {
    return pool.getQueue().size();
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
