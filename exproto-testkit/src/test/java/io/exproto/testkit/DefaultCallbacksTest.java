package io.exproto.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.handler.ConnectionHandler;
import java.util.List;
import org.awaitility.Awaitility;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A handler that writes only {@code onReceivedBytes}, as a lambda: the other four callbacks are
 * the interface's defaults, and the gateway runs it like any other.
 */
class DefaultCallbacksTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @RegisterExtension
  final GatewayExtension gw = GatewayExtension.withHandler(adapter ->
      (conn, bytes) -> adapter.send(conn, bytes).thenApply(result -> null));

  @Test
  void aHandlerWithOnlyOnReceivedBytesEchoesAndClosesCleanly() throws Exception {
    try (TcpTestDevice device = TcpTestDevice.connect(gw.tcpAddress())) {
      assertThat(device.send("one").readText(3, WAIT)).isEqualTo("one");
      assertThat(device.send("two").readText(3, WAIT)).isEqualTo("two");
    }
    Awaitility.await().atMost(WAIT)
        .until(() -> gw.gateway().stats().connections() == 0);
  }

  @Test
  void theDefaultsCompleteAtOnce() {
    ConnectionHandler handler = (conn, bytes) -> ConnectionHandler.DONE;
    assertThat(handler.onSocketCreated("c", null).toCompletableFuture()).isCompleted();
    assertThat(handler.onTimerTimeout("c", null).toCompletableFuture()).isCompleted();
    assertThat(handler.onReceivedMessages("c", List.of()).toCompletableFuture())
        .isCompleted();
    assertThat(handler.onSocketClosed("c", "{shutdown,normal}").toCompletableFuture())
        .isCompleted();
  }
}
