package io.exproto.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import io.exproto.testkit.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A handler replaced on a running gateway applies to new connections; live ones keep theirs. */
class ReplaceHandlerTest extends EngineFixture {

  /**
   * A recording handler that counts close() calls, like a gRPC binding owning a channel; its
   * close blocks until {@code closeMayReturn} opens, as a gRPC handler's waits for its calls.
   */
  static final class ClosingHandler implements ConnectionHandler, AutoCloseable {
    final RecordingHandler rec;
    final AtomicInteger closed = new AtomicInteger();
    final CountDownLatch closeMayReturn;
    volatile String closedOnThread;

    ClosingHandler(RecordingHandler rec) {
      this(rec, 0);
    }

    ClosingHandler(RecordingHandler rec, int latch) {
      this.rec = rec;
      this.closeMayReturn = new CountDownLatch(latch);
    }

    @Override
    public CompletionStage<Void> onSocketCreated(String conn, ConnInfo info) {
      return rec.onSocketCreated(conn, info);
    }

    @Override
    public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
      return rec.onReceivedBytes(conn, bytes);
    }

    @Override
    public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
      return rec.onTimerTimeout(conn, type);
    }

    @Override
    public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
      return rec.onReceivedMessages(conn, messages);
    }

    @Override
    public CompletionStage<Void> onSocketClosed(String conn, String reason) {
      return rec.onSocketClosed(conn, reason);
    }

    @Override
    public void close() throws InterruptedException {
      closedOnThread = Thread.currentThread().getName();
      closed.incrementAndGet();
      closeMayReturn.await();
    }
  }

  @Test
  void newConnectionsUseTheNewHandlerAndTheOldOneClosesAfterItsLastConnection() throws Exception {
    ClosingHandler first = new ClosingHandler(handler);
    start(b -> b.handler(first));
    String old = connect();
    var oldDevice = lastDevice;

    RecordingHandler secondRec = new RecordingHandler();
    ClosingHandler second = new ClosingHandler(secondRec);
    gateway.replaceHandler(second);
    var newDevice = listener.connect();
    String fresh = secondRec.awaitConnection(1, WAIT);

    oldDevice.send("to the old handler");
    newDevice.send("to the new handler");
    assertThat(new String(handler.awaitBytes(old, 18, WAIT), StandardCharsets.UTF_8))
        .isEqualTo("to the old handler");
    assertThat(new String(secondRec.awaitBytes(fresh, 18, WAIT), StandardCharsets.UTF_8))
        .isEqualTo("to the new handler");
    assertThat(handler.connections()).containsExactly(old);
    assertThat(first.closed).hasValue(0);

    oldDevice.close();
    handler.awaitClosed(old, WAIT);
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> first.closed.get() == 1);
    assertThat(second.closed).hasValue(0);

    newDevice.close();
    secondRec.awaitClosed(fresh, WAIT);
    gateway.shutdown();
    assertThat(gateway.awaitTermination(WAIT)).isTrue();
    assertThat(second.closed).hasValue(1);
    assertThat(first.closed).as("closed once only").hasValue(1);
  }

  @Test
  void aSlowCloseOfTheOldHandlerNeverHoldsUpTheConnectionsLoop() throws Exception {
    ClosingHandler first = new ClosingHandler(handler, 1); // close() blocks until released
    start(b -> b.handler(first));
    String old = connect();
    var oldDevice = lastDevice;
    RecordingHandler secondRec = new RecordingHandler();
    gateway.replaceHandler(secondRec);
    var newDevice = listener.connect();
    String fresh = secondRec.awaitConnection(1, WAIT);

    oldDevice.close(); // the old handler's last connection finishes on the loop
    handler.awaitClosed(old, WAIT);
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> first.closed.get() == 1);
    // While the old handler's close is still blocked, the loop serves the other connection.
    newDevice.send("still served");
    assertThat(new String(secondRec.awaitBytes(fresh, 12, WAIT), StandardCharsets.UTF_8))
        .isEqualTo("still served");
    assertThat(first.closedOnThread).isEqualTo("exproto-handler-close");

    first.closeMayReturn.countDown();
    newDevice.close();
    secondRec.awaitClosed(fresh, WAIT);
  }

  @Test
  void replacingAfterShutdownIsRefused() throws Exception {
    start();
    gateway.shutdown();
    assertThatThrownBy(() -> gateway.replaceHandler(new RecordingHandler()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("shutting down");
  }
}
