package io.exproto.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.server.GatewayLauncher;
import io.exproto.server.StandaloneGateway.Launch;
import io.exproto.server.StandaloneGateway.Running;
import io.exproto.testkit.TcpTestDevice;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The standalone gateway driving the example gRPC handler server. */
class StandaloneGatewayWithHandlerServerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  final GatewayLauncher launcher = new GatewayLauncher();

  private Launch launch(String... args) {
    return launcher.launch(args);
  }

  private String err() {
    return launcher.err();
  }

  @Test
  void usesARemoteHandlerGivenWithHandler() throws Exception {
    PubSubHandlerServer handler =
        new PubSubHandlerServer().start(new InetSocketAddress("127.0.0.1", 0));
    launcher.closeAfter(handler);
    Launch launch = launch("--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--handler", handler.loopbackUrl());
    assertThat(launch.exitCode()).as(err()).isZero();
    Running gw = launch.running();
    assertThat(gw.readyLine()).endsWith(" handler=" + handler.loopbackUrl());
    handler.adapterAddress("127.0.0.1:" + gw.adapterAddress().getPort());

    try (TcpTestDevice device = TcpTestDevice.connect(gw.listenerAddresses().get("tcp"))) {
      assertThat(device.send("through the broker").readText(18, WAIT))
          .isEqualTo("through the broker");
      assertThat(gw.gateway().clients()).singleElement()
          .satisfies(c -> assertThat(c.clientId()).startsWith("dev-"));
    }
    gw.close();
    assertThat(handler.connections()).isZero(); // OnSocketClosed was delivered before the stop
  }
}
