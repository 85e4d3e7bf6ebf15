package io.exproto.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.testkit.GatewayExtension;
import io.exproto.testkit.TcpTestDevice;
import io.exproto.transport.netty.Framing;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The handler in a real gateway, as it runs in production: a TCP listener with line framing, so
 * commands split or merged by TCP still arrive one line per callback.
 */
class TextPubSubHandlerEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  final GatewayExtension gw = GatewayExtension.withHandler(TextPubSubHandler::new)
      .listener(tcp -> tcp.framing(Framing.line(1024)));

  @Test
  void oneDevicePublishesAnotherReceives() throws Exception {
    try (TcpTestDevice alice = TcpTestDevice.connect(gw.tcpAddress());
        TcpTestDevice bob = TcpTestDevice.connect(gw.tcpAddress())) {
      alice.send("CONNECT alice\nSUB chat/#\n");
      assertThat(alice.readLine(WAIT)).isEqualTo("OK");
      assertThat(alice.readLine(WAIT)).isEqualTo("OK");

      // One command in two TCP writes: the line framing joins them.
      bob.send("CONNECT bob\r\nPUB chat/room1 hel");
      assertThat(bob.readLine(WAIT)).isEqualTo("OK");
      bob.send("lo there\r\n");
      assertThat(bob.readLine(WAIT)).isEqualTo("OK");

      assertThat(alice.readLine(WAIT)).isEqualTo("MSG chat/room1 hello there");
    }
  }

  @Test
  void publishingBeforeConnectIsRefusedByTheGateway() throws Exception {
    try (TcpTestDevice device = TcpTestDevice.connect(gw.tcpAddress())) {
      device.send("PUB chat/x nope\n");
      assertThat(device.readLine(WAIT)).startsWith("ERR PERMISSION_DENY ");
      device.send("PING\nQUIT\n");
      assertThat(new String(device.readUntil("\n".getBytes(), WAIT))).isEqualTo("PONG");
      assertThat(device.awaitClosedByGateway(WAIT)).isTrue();
    }
  }

  @Test
  void aLineOverTheFrameLimitClosesTheConnection() throws Exception {
    try (TcpTestDevice device = TcpTestDevice.connect(gw.tcpAddress())) {
      device.send("PUB t " + "x".repeat(2000) + "\n");
      assertThat(device.awaitClosedByGateway(WAIT)).isTrue();
    }
    org.awaitility.Awaitility.await().atMost(WAIT)
        .until(() -> gw.tcpListener().framesTooLong() == 1);
  }
}
