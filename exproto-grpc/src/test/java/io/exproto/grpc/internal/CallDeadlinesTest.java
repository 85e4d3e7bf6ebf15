package io.exproto.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.handler.CallbackFailedException;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The deadline sweep, on a hand-moved clock (sweeps are also run by hand). */
class CallDeadlinesTest {

  private long now = 42_000_000_000L;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final CallDeadlines deadlines =
      new CallDeadlines(Duration.ofSeconds(30), () -> now, timer);

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  /** A call that only records being cancelled. */
  private static final class RecordingCall extends ClientCall<Object, Object> {
    volatile String cancelledWith;

    @Override
    public void start(Listener<Object> listener, Metadata headers) {}

    @Override
    public void request(int numMessages) {}

    @Override
    public void cancel(String message, Throwable cause) {
      cancelledWith = message;
    }

    @Override
    public void halfClose() {}

    @Override
    public void sendMessage(Object message) {}
  }

  @Test
  void anOverdueCallFailsWithDeadlineExceededAndIsCancelled() {
    RecordingCall late = new RecordingCall();
    CompletableFuture<Void> lateStage = new CompletableFuture<>();
    deadlines.track(late, lateStage);
    now += TimeUnit.SECONDS.toNanos(10);
    RecordingCall younger = new RecordingCall();
    CompletableFuture<Void> youngerStage = new CompletableFuture<>();
    deadlines.track(younger, youngerStage);

    now += TimeUnit.SECONDS.toNanos(20) - 1;
    deadlines.sweep();
    assertThat(lateStage).isNotDone();

    now += 1;
    deadlines.sweep();

    assertThat(lateStage).isCompletedExceptionally();
    assertThat(lateStage.handle((v, e) -> ((CallbackFailedException) e).reason()).join())
        .isEqualTo("deadline_exceeded");
    assertThat(late.cancelledWith).isEqualTo("callback deadline exceeded");
    assertThat(youngerStage).isNotDone();
    assertThat(younger.cancelledWith).isNull();
    assertThat(deadlines.size()).isEqualTo(1);
  }

  @Test
  void answeredCallsAreDroppedAtTheNextSweepAndNotCancelled() {
    RecordingCall[] calls = new RecordingCall[100];
    for (int i = 0; i < calls.length; i++) {
      calls[i] = new RecordingCall();
      CompletableFuture<Void> stage = new CompletableFuture<>();
      deadlines.track(calls[i], stage);
      stage.complete(null);
    }
    assertThat(deadlines.size()).isEqualTo(100);

    deadlines.sweep();

    assertThat(deadlines.size()).isZero();
    assertThat(calls).allMatch(c -> c.cancelledWith == null);
  }

  @Test
  void aCancelledStageCancelsItsCall() {
    RecordingCall call = new RecordingCall();
    CompletableFuture<Void> stage = new CompletableFuture<>();
    deadlines.track(call, stage);

    stage.cancel(false);
    deadlines.sweep();

    assertThat(call.cancelledWith).isEqualTo("the gateway gave up on this callback");
    assertThat(deadlines.size()).isZero();
  }

  @Test
  void theSweepRunsByItselfWhileCallsArePending() {
    CallDeadlines real = new CallDeadlines(Duration.ofMillis(80));
    RecordingCall call = new RecordingCall();
    CompletableFuture<Void> stage = new CompletableFuture<>();
    real.track(call, stage);

    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(stage::isDone);

    assertThat(call.cancelledWith).isEqualTo("callback deadline exceeded");
    assertThat(real.size()).isZero();
  }

  @Test
  void theTickIsAnEighthOfTheTimeoutWithinBounds() {
    assertThat(CallDeadlines.tickNanos(TimeUnit.MILLISECONDS.toNanos(200)))
        .isEqualTo(TimeUnit.MILLISECONDS.toNanos(25));
    assertThat(CallDeadlines.tickNanos(TimeUnit.SECONDS.toNanos(30)))
        .isEqualTo(CallDeadlines.MAX_TICK_NANOS);
    assertThat(CallDeadlines.tickNanos(1)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(1));
  }
}
