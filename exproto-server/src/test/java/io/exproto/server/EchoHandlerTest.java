package io.exproto.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.testkit.GatewayExtension;
import io.exproto.testkit.TcpTestDevice;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EchoHandlerTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @RegisterExtension
  final GatewayExtension gw = GatewayExtension.withHandler(EchoHandler::new);

  @Test
  void echoesEveryChunkBack() throws Exception {
    try (TcpTestDevice device = TcpTestDevice.connect(gw.tcpAddress())) {
      assertThat(device.send("hello").readText(5, WAIT)).isEqualTo("hello");
      assertThat(device.send("again").readText(5, WAIT)).isEqualTo("again");
    }
  }

  @Test
  void devicesOnlyHearThemselves() throws Exception {
    try (TcpTestDevice a = TcpTestDevice.connect(gw.tcpAddress());
        TcpTestDevice b = TcpTestDevice.connect(gw.tcpAddress())) {
      a.send("alpha");
      b.send("bravo");
      assertThat(b.readText(5, WAIT)).isEqualTo("bravo");
      assertThat(a.readText(5, WAIT)).isEqualTo("alpha");
    }
  }
}
