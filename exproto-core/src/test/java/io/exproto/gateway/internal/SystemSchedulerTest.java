package io.exproto.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.gateway.Scheduler.Cancellable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class SystemSchedulerTest {
  /** One for the class: its thread, like the shared instance's, lives as long as the JVM. */
  private static final SystemScheduler scheduler = new SystemScheduler("test-timer");

  @Test
  void runsTimersInDeadlineOrderNotInScheduleOrder() throws Exception {
    ConcurrentLinkedQueue<Integer> ran = new ConcurrentLinkedQueue<>();
    CountDownLatch done = new CountDownLatch(4);
    for (int delayMs : new int[] {300, 100, 200, 0}) {
      scheduler.schedule(() -> {
        ran.add(delayMs);
        done.countDown();
      }, delayMs, TimeUnit.MILLISECONDS);
    }
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(ran).containsExactly(0, 100, 200, 300);
  }

  @Test
  void aTimerDoesNotRunBeforeItsDelay() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    long start = System.nanoTime();
    long[] ranAfter = new long[1];
    scheduler.schedule(() -> {
      ranAfter[0] = System.nanoTime() - start;
      done.countDown();
    }, 150, TimeUnit.MILLISECONDS);
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(ranAfter[0]).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(150));
  }

  @Test
  void aCancelledTimerNeverRunsAndLeavesTheQueueAtOnce() throws Exception {
    AtomicInteger ran = new AtomicInteger();
    List<Cancellable> timers = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      timers.add(scheduler.schedule(ran::incrementAndGet, 200, TimeUnit.MILLISECONDS));
    }
    assertThat(scheduler.pending()).isEqualTo(1_000);
    timers.forEach(Cancellable::cancel);
    assertThat(scheduler.pending()).isZero();
    timers.forEach(Cancellable::cancel); // twice is harmless
    CountDownLatch later = new CountDownLatch(1);
    scheduler.schedule(later::countDown, 300, TimeUnit.MILLISECONDS);
    assertThat(later.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(ran).hasValue(0);
  }

  @Test
  void cancellingATimerThatRanIsHarmless() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    Cancellable t = scheduler.schedule(done::countDown, 0, TimeUnit.MILLISECONDS);
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    t.cancel();
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void aTaskThatThrowsDoesNotStopTheOthers() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    scheduler.schedule(() -> {
      throw new IllegalStateException("boom (expected by the test)");
    }, 0, TimeUnit.MILLISECONDS);
    scheduler.schedule(done::countDown, 20, TimeUnit.MILLISECONDS);
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void negativeAndHugeDelaysAreClamped() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    Cancellable never = scheduler.schedule(() -> { }, Long.MAX_VALUE, TimeUnit.DAYS);
    scheduler.schedule(done::countDown, -5, TimeUnit.SECONDS);
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(scheduler.pending()).isEqualTo(1);
    never.cancel();
    assertThat(scheduler.pending()).isZero();
  }

  /**
   * Many threads schedule and cancel at once, as event loops do: each timer that is not cancelled
   * runs exactly once, no cancelled one runs, and nothing is left behind.
   */
  @Test
  void concurrentScheduleAndCancelRunEachLiveTimerExactlyOnce() throws Exception {
    int threads = 4;
    int perThread = 5_000;
    AtomicIntegerArray runs = new AtomicIntegerArray(threads * perThread);
    boolean[] cancelled = new boolean[threads * perThread];
    AtomicInteger live = new AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      int base = w * perThread;
      workers.add(new Thread(() -> {
        Random random = new Random(base);
        for (int i = 0; i < perThread; i++) {
          int id = base + i;
          Cancellable t = scheduler.schedule(() -> runs.incrementAndGet(id),
              random.nextInt(50), TimeUnit.MILLISECONDS);
          if (random.nextBoolean()) {
            t.cancel();
            cancelled[id] = true;
          } else {
            live.incrementAndGet();
          }
        }
      }));
    }
    workers.forEach(Thread::start);
    for (Thread t : workers) {
      t.join();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (scheduler.pending() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    CountDownLatch drained = new CountDownLatch(1);
    scheduler.schedule(drained::countDown, 0, TimeUnit.MILLISECONDS);
    assertThat(drained.await(5, TimeUnit.SECONDS)).isTrue();
    int ranTotal = 0;
    for (int id = 0; id < cancelled.length; id++) {
      int n = runs.get(id);
      // A timer cancelled after it was due may have run already: at most once either way.
      assertThat(n).as("runs of timer %d", id).isLessThanOrEqualTo(1);
      if (!cancelled[id]) {
        assertThat(n).as("runs of live timer %d", id).isEqualTo(1);
      }
      ranTotal += n;
    }
    assertThat(ranTotal).isGreaterThanOrEqualTo(live.get());
    assertThat(scheduler.pending()).isZero();
  }
}
