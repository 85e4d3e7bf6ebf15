package io.exproto.authn.internal;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Bounds asynchronous calls to a backend: at most {@code maxInFlight} at once, at most
 * {@code maxQueued} waiting; a call beyond both fails at once with
 * {@link RejectedExecutionException} (overflow policy: refuse the newest). Thread-safe.
 */
public final class AsyncLimiter {
  private final String name;
  private final int maxInFlight;
  private final int maxQueued;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int inFlight;

  public AsyncLimiter(String name, int maxInFlight, int maxQueued) {
    this.name = name;
    this.maxInFlight = maxInFlight;
    this.maxQueued = maxQueued;
  }

  /** Runs {@code call} now or when a slot frees up. */
  public <T> CompletableFuture<T> run(Supplier<CompletableFuture<T>> call) {
    CompletableFuture<T> out = new CompletableFuture<>();
    Runnable start = () -> {
      CompletableFuture<T> f;
      try {
        f = call.get();
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete((v, e) -> {
        release();
        if (e != null) {
          out.completeExceptionally(e);
        } else {
          out.complete(v);
        }
      });
    };
    boolean now;
    synchronized (this) {
      if (inFlight < maxInFlight) {
        inFlight++;
        now = true;
      } else if (waiting.size() < maxQueued) {
        waiting.add(start);
        now = false;
      } else {
        return CompletableFuture.failedFuture(new RejectedExecutionException(name
            + ": too many checks pending (" + maxInFlight + " in flight, " + maxQueued
            + " queued); refused"));
      }
    }
    if (now) {
      start.run();
    }
    return out;
  }

  private void release() {
    Runnable next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        inFlight--;
        return;
      }
    }
    next.run(); // keeps the slot
  }

  /** Calls waiting for a slot. */
  public synchronized int queued() {
    return waiting.size();
  }
}
