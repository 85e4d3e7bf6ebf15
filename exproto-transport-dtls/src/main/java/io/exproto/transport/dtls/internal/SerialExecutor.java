package io.exproto.transport.dtls.internal;

import io.exproto.transport.LinkExecutor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One single-thread executor of a DTLS listener: every link hashed to it runs its events
 * here, in submission order, one at a time. {@link #inExecutorThread()} compares with the one
 * thread the executor owns.
 */
final class SerialExecutor implements LinkExecutor {

  private final ThreadPoolExecutor executor;
  private volatile Thread thread;

  SerialExecutor(String threadName) {
    this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(() -> {
            thread = Thread.currentThread();
            r.run();
          }, threadName);
          t.setDaemon(true);
          return t;
        });
    // Start the thread now so that inExecutorThread() is accurate from the first task on.
    executor.prestartCoreThread();
  }

  /**
   * Runs {@code task} on this executor's thread.
   *
   * @throws java.util.concurrent.RejectedExecutionException once the listener has stopped
   */
  @Override
  public void execute(Runnable task) {
    executor.execute(task);
  }

  @Override
  public boolean inExecutorThread() {
    return Thread.currentThread() == thread;
  }

  ExecutorService service() {
    return executor;
  }
}
