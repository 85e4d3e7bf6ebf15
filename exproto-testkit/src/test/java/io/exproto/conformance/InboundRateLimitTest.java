package io.exproto.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.gateway.Gateway;
import io.exproto.testkit.HandlerEvent;
import io.exproto.testkit.HandlerEvent.Type;
import io.exproto.testkit.InMemoryListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Per-connection inbound rate limits shape reads (pause and resume), never drop. */
class InboundRateLimitTest extends EngineFixture {

  private void settle() throws Exception {
    listener.awaitQueuedTasks(WAIT);
  }

  @Test
  void bytesPerSecondPausesAndResumesWithTimeAndDeliversEverythingInOrder() throws Exception {
    start(b -> b.maxInboundBytesPerSecond(10));
    String conn = connect();
    var device = lastDevice;

    device.send("0123456789"); // exactly one second's budget
    handler.awaitBytes(conn, 10, WAIT);
    settle();
    assertThat(device.isReadPaused()).isFalse();

    device.send("abcdefghij"); // overdraws: delivered, then reading pauses
    handler.awaitBytes(conn, 20, WAIT);
    settle();
    assertThat(device.isReadPaused()).isTrue();
    clock.advance(Duration.ofMillis(900));
    settle();
    assertThat(device.isReadPaused()).isTrue();
    clock.advance(Duration.ofMillis(100));
    settle();
    assertThat(device.isReadPaused()).isFalse();

    device.send("KLMNOPQRST");
    handler.awaitBytes(conn, 30, WAIT);
    settle();
    assertThat(device.isReadPaused()).isTrue();
    clock.advance(Duration.ofSeconds(1));
    settle();
    assertThat(device.isReadPaused()).isFalse();

    assertThat(new String(handler.receivedBytes(conn), StandardCharsets.UTF_8))
        .isEqualTo("0123456789abcdefghijKLMNOPQRST");
    assertThat(handler.events(conn)).filteredOn(e -> e.type() == Type.RECEIVED_BYTES)
        .extracting(HandlerEvent::text).containsExactly("0123456789", "abcdefghij", "KLMNOPQRST");
  }

  @Test
  void aBurstIsDeliveredWhileThePauseLastsUntilTheDebtIsRepaid() throws Exception {
    start(b -> b.maxInboundBytesPerSecond(10));
    String conn = connect();
    var device = lastDevice;
    device.send("0123456789").send("abcdefghij").send("KLMNOPQRST");
    handler.awaitBytes(conn, 30, WAIT);
    settle();
    assertThat(device.isReadPaused()).isTrue();
    clock.advance(Duration.ofMillis(1999));
    settle();
    assertThat(device.isReadPaused()).isTrue();
    clock.advance(Duration.ofMillis(1));
    settle();
    assertThat(device.isReadPaused()).isFalse();
    assertThat(new String(handler.receivedBytes(conn), StandardCharsets.UTF_8))
        .isEqualTo("0123456789abcdefghijKLMNOPQRST");
  }

  @Test
  void messagesPerSecondLimitsReadsRegardlessOfSize() throws Exception {
    start(b -> b.maxInboundMessagesPerSecond(2));
    String conn = connect();
    var device = lastDevice;
    device.send("a").send("b");
    handler.awaitBytes(conn, 2, WAIT);
    settle();
    assertThat(device.isReadPaused()).isFalse();
    device.send("c");
    handler.awaitBytes(conn, 3, WAIT);
    settle();
    assertThat(device.isReadPaused()).isTrue();
    clock.advance(Duration.ofMillis(499));
    settle();
    assertThat(device.isReadPaused()).isTrue();
    clock.advance(Duration.ofMillis(1));
    settle();
    assertThat(device.isReadPaused()).isFalse();
    assertThat(new String(handler.receivedBytes(conn), StandardCharsets.UTF_8)).isEqualTo("abc");
  }

  @Test
  void readsResumeOnlyWhenNeitherBackpressureNorTheRateLimitHolds() throws Exception {
    CompletableFuture<Void> slow = new CompletableFuture<>();
    handler.on(Type.RECEIVED_BYTES, (e, a) -> slow);
    start(b -> b.maxInboundBytesPerSecond(10).maxQueuedCallbacks(4));
    String conn = connect();
    var device = lastDevice;
    for (int i = 0; i < 6; i++) {
      device.send("x"); // 6 bytes: within the rate, but the queue fills up
    }
    settle();
    assertThat(device.isReadPaused()).as("backpressure").isTrue();
    device.send("0123456789"); // also overdraws the rate budget
    settle();
    slow.complete(null); // the queue drains: backpressure ends, the rate pause remains
    handler.awaitBytes(conn, 16, WAIT);
    settle();
    assertThat(device.isReadPaused()).as("rate limit still holds").isTrue();
    clock.advance(Duration.ofSeconds(1));
    settle();
    assertThat(device.isReadPaused()).isFalse();
  }

  @Test
  void noLimitByDefaultAndNegativeLimitsAreRejected() throws Exception {
    start();
    String conn = connect();
    for (int i = 0; i < 100; i++) {
      lastDevice.send(new byte[1000]);
    }
    handler.awaitBytes(conn, 100_000, WAIT);
    settle();
    assertThat(lastDevice.isReadPaused()).isFalse();
    assertThatThrownBy(() -> Gateway.builder().handler(handler)
        .listener(InMemoryListener.create("x")).maxInboundBytesPerSecond(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxInboundBytesPerSecond");
    assertThatThrownBy(() -> Gateway.builder().handler(handler)
        .listener(InMemoryListener.create("x")).maxInboundMessagesPerSecond(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxInboundMessagesPerSecond");
  }
}
