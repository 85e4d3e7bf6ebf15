package io.exproto.transport.internal;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The start/stop state of one listener, the same for every transport: it starts once (a start
 * that fails leaves it unstarted, so it may be tried again), its stop is idempotent and returns the
 * same stage each time, and a stop before a start only marks it stopped. Thread-safe: start and
 * stop are serialized. Not API.
 */
public final class ListenerLifecycle {
  private enum State { NEW, STARTED, STOPPED }

  /** The work of a start: binds, and throws if it cannot. */
  @FunctionalInterface
  public interface Start {
    /** Binds and starts; on failure it has released what it took. */
    void run() throws IOException;
  }

  private final Supplier<String> description;
  private State state = State.NEW; // guarded by this
  private CompletableFuture<Void> stopped; // guarded by this

  /**
   * A lifecycle for the listener {@code description} names in errors, such as
   * {@code tcp listener 'default'}.
   */
  public ListenerLifecycle(Supplier<String> description) {
    this.description = description;
  }

  /**
   * Runs {@code start} if the listener was never started or stopped.
   *
   * @throws IllegalStateException if it was already started or stopped
   * @throws IOException as {@code start} threw it; the listener stays unstarted
   */
  public synchronized void start(Start start) throws IOException {
    if (state != State.NEW) {
      throw new IllegalStateException(description.get() + " was already "
          + (state == State.STARTED ? "started" : "stopped") + "; a listener starts once");
    }
    start.run();
    state = State.STARTED;
  }

  /**
   * Stops the listener once: {@code stop} runs only if it had started, and its stage (or a
   * completed one) is returned now and on every later call.
   */
  public synchronized CompletionStage<Void> stop(Supplier<CompletionStage<Void>> stop) {
    if (stopped != null) {
      return stopped;
    }
    State was = state;
    state = State.STOPPED;
    stopped = new CompletableFuture<>();
    if (was != State.STARTED) {
      stopped.complete(null);
    } else {
      CompletableFuture<Void> done = stopped;
      stop.get().whenComplete((ok, failure) -> done.complete(null));
    }
    return stopped;
  }

  /** True between a successful start and the stop. */
  public synchronized boolean isStarted() {
    return state == State.STARTED;
  }
}
