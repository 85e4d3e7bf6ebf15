package io.exproto.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.remote.RemoteHandlerGateway;
import io.exproto.testkit.TcpTestDevice;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Runs {@link RemoteHandlerGatewayExample} against the example handler service. */
class RemoteHandlerGatewayExampleTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void aDeviceGetsItsBytesBackThroughTheRemoteHandler() throws Exception {
    try (PubSubHandlerServer handler =
        new PubSubHandlerServer().start(new InetSocketAddress("127.0.0.1", 0))) {
      RemoteHandlerGateway gateway = RemoteHandlerGatewayExample.start(handler.loopbackUrl(),
          new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0));
      try {
        handler.adapterAddress("127.0.0.1:" + gateway.adapterAddress().getPort());
        try (TcpTestDevice device =
            TcpTestDevice.connect(gateway.listenerAddresses().get("tcp"))) {
          assertThat(device.send("hello").readText(5, WAIT)).isEqualTo("hello");
        }
      } finally {
        gateway.close();
      }
      assertThat(gateway.gateway().isTerminated()).isTrue();
      assertThat(gateway.gateway().stats().callbackFailures()).isZero();
    }
  }
}
