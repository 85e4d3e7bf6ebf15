package io.exproto.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.handler.ClientInfo;
import io.exproto.handler.SocketType;
import io.exproto.testkit.HandlerEvent.Type;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The testkit as a user meets it: a gateway on real TCP, a scripted handler, test devices. */
class GatewayExtensionTcpTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @RegisterExtension
  final GatewayExtension gw = GatewayExtension.withRecordingHandler();

  @Test
  void echoOverRealTcp() throws Exception {
    gw.recorder().on(Type.RECEIVED_BYTES,
        (e, adapter) -> adapter.send(e.conn(), e.bytes()).thenApply(r -> null));
    try (TcpTestDevice device = TcpTestDevice.connect(gw.tcpAddress())) {
      assertThat(device.send("hello").readText(5, WAIT)).isEqualTo("hello");
      String conn = gw.recorder().awaitConnection(1, WAIT);
      var created = gw.recorder().events(conn).get(0).connInfo();
      assertThat(created.socketType()).isEqualTo(SocketType.TCP);
      assertThat(created.peer()).isEqualTo(device.localAddress());
      assertThat(created.local().getPort()).isEqualTo(gw.tcpAddress().getPort());
      assertThat(created.peerCertificate()).isNull();
    }
    String conn = gw.recorder().connections().get(0);
    assertThat(gw.recorder().awaitClosed(conn, WAIT)).isEqualTo("{shutdown,tcp_closed}");
    gw.recorder().assertLifecycleOrder(conn);
  }

  @Test
  void publishThroughTheBrokerReachesAnotherDevice() throws Exception {
    gw.recorder().on(Type.SOCKET_CREATED, (e, a) -> a.authenticate(e.conn(),
        ClientInfo.of("", ""), "").thenCompose(r -> a.subscribe(e.conn(), "chat", 0))
        .thenApply(r -> null));
    gw.recorder().on(Type.RECEIVED_BYTES,
        (e, a) -> a.publish(e.conn(), "chat", 1, e.bytes()).thenApply(r -> null));
    gw.recorder().on(Type.RECEIVED_MESSAGES, (e, a) -> {
      CompletableFuture<?>[] sends = e.messages().stream()
          .map(m -> a.send(e.conn(), m.payload()).toCompletableFuture())
          .toArray(CompletableFuture[]::new);
      return CompletableFuture.allOf(sends);
    });
    try (TcpTestDevice alice = TcpTestDevice.connect(gw.tcpAddress());
        TcpTestDevice bob = TcpTestDevice.connect(gw.tcpAddress())) {
      gw.recorder().awaitCount(e -> e.type() == Type.SOCKET_CREATED, 2, WAIT);
      org.awaitility.Awaitility.await().atMost(WAIT)
          .until(() -> gw.broker().subscriptionCount() == 2);
      alice.send("hi bob");
      assertThat(bob.readText(6, WAIT)).isEqualTo("hi bob");
      assertThat(alice.readText(6, WAIT)).isEqualTo("hi bob");
    }
    org.awaitility.Awaitility.await().atMost(WAIT)
        .until(() -> gw.gateway().stats().connections() == 0);
    assertThat(gw.broker().subscriptionCount()).isZero();
  }

  @Test
  void adapterCloseAndResetAreReported() throws Exception {
    try (TcpTestDevice a = TcpTestDevice.connect(gw.tcpAddress());
        TcpTestDevice b = TcpTestDevice.connect(gw.tcpAddress())) {
      String first = gw.recorder().awaitConnection(1, WAIT);
      String second = gw.recorder().awaitConnection(2, WAIT);
      // Which device is which conn: match on the peer port.
      String connA = gw.recorder().events(first).get(0).connInfo().peer().equals(a.localAddress())
          ? first : second;
      String connB = connA.equals(first) ? second : first;
      assertThat(gw.adapter().close(connA).toCompletableFuture().get().isSuccess()).isTrue();
      assertThat(a.awaitClosedByGateway(WAIT)).isTrue();
      assertThat(gw.recorder().awaitClosed(connA, WAIT)).isEqualTo("{shutdown,normal}");
      b.send("x");
      gw.recorder().awaitBytes(connB, 1, WAIT);
      b.reset();
      assertThat(gw.recorder().awaitClosed(connB, WAIT)).isEqualTo("{shutdown,econnreset}");
    }
  }
}
