package io.exproto.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.testkit.HandlerEvent.Type;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** readLine and readUntil against a handler that writes what the test tells it to. */
class TcpTestDeviceReadTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @RegisterExtension final GatewayExtension gw = GatewayExtension.withRecordingHandler();

  private void gatewayWrites(String conn, String text) throws Exception {
    assertThat(gw.adapter().send(conn, text.getBytes(StandardCharsets.UTF_8))
        .toCompletableFuture().get().isSuccess()).isTrue();
  }

  @Test
  void readLineTakesOneLineAtATimeAndKeepsTheRest() throws Exception {
    try (TcpTestDevice device = TcpTestDevice.connect(gw.tcpAddress())) {
      String conn = gw.recorder().awaitConnection(1, WAIT);
      gatewayWrites(conn, "first\r\nsecond\nthi");
      gatewayWrites(conn, "rd\n\nEND;tail");

      assertThat(device.readLine(WAIT)).isEqualTo("first");
      assertThat(device.readLine(WAIT)).isEqualTo("second");
      assertThat(device.readLine(WAIT)).isEqualTo("third");
      assertThat(device.readLine(WAIT)).isEmpty();
      assertThat(device.readUntil(";".getBytes(), WAIT)).asString().isEqualTo("END");
      assertThat(device.readText(4, WAIT)).isEqualTo("tail");
    }
  }

  @Test
  void readUntilTimesOutWithoutTheDelimiterAndReportsAClose() throws Exception {
    try (TcpTestDevice device = TcpTestDevice.connect(gw.tcpAddress())) {
      String conn = gw.recorder().awaitConnection(1, WAIT);
      gatewayWrites(conn, "no end yet");

      assertThatThrownBy(() -> device.readUntil("\r\n".getBytes(), Duration.ofMillis(300)))
          .isInstanceOf(SocketTimeoutException.class).hasMessageContaining("no delimiter");

      gatewayWrites(conn, "\r\n");
      assertThat(device.readUntil("\r\n".getBytes(), WAIT)).asString().isEqualTo("no end yet");

      gw.adapter().close(conn);
      assertThatThrownBy(() -> device.readLine(WAIT)).isInstanceOf(IOException.class)
          .isNotInstanceOf(SocketTimeoutException.class).hasMessageContaining("closed");
      gw.recorder().await(e -> e.type() == Type.SOCKET_CLOSED, WAIT);
    }
  }
}
