package io.exproto.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.testkit.HandlerEvent.Type;
import io.exproto.transport.AccessRules;
import io.exproto.transport.netty.Framing;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension's TCP listener takes production options: here framing and access rules. */
class GatewayExtensionListenerOptionsTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @RegisterExtension
  final GatewayExtension gw = GatewayExtension.withRecordingHandler()
      .listener(tcp -> tcp.framing(Framing.lengthField(0, 2, 0, 2, 1024))
          .accessRules(AccessRules.parse(List.of("allow 127.0.0.1", "deny all"))));

  @Test
  void theHandlerSeesWholeFramesAsInProduction() throws Exception {
    try (TcpTestDevice device = TcpTestDevice.connect(gw.tcpAddress())) {
      device.send(new byte[] {0, 5, 'h', 'e'}).send(new byte[] {'l', 'l', 'o', 0, 2, 'o', 'k'});

      assertThat(gw.recorder().awaitCount(e -> e.type() == Type.RECEIVED_BYTES, 2, WAIT))
          .extracting(HandlerEvent::text).containsExactly("hello", "ok");
    }
    assertThat(gw.tcpListener().framing()).isEqualTo(Framing.lengthField(0, 2, 0, 2, 1024));
  }
}
