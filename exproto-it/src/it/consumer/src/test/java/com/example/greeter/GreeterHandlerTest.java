package com.example.greeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exproto.gateway.Gateway;
import io.exproto.testkit.GatewayExtension;
import io.exproto.testkit.TcpTestDevice;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class GreeterHandlerTest {
  @RegisterExtension final GatewayExtension gw = GatewayExtension.withHandler(GreeterHandler::new);

  @Test
  void greetsOverARealSocket() throws Exception {
    try (TcpTestDevice device = TcpTestDevice.connect(gw.tcpAddress())) {
      assertEquals("hi ada\n", device.send("hello ada\n").readText(7, Duration.ofSeconds(5)));
      device.send("bye\n");
      assertTrue(device.awaitClosedByGateway(Duration.ofSeconds(5)), "closed after an unknown line");
    }
  }

  @Test
  void theTestkitBringsNoGrpc() {
    // A project that only tests an in-process handler gets no grpc-java from the testkit.
    assertThrows(ClassNotFoundException.class, () -> Class.forName("io.grpc.ManagedChannel"));
  }

  @Test
  void theLibraryKnowsItsVersion() {
    assertEquals(System.getProperty("exproto.version"), Gateway.version());
  }
}
