package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UdpListenerBuilderTest {

  @Test
  void defaultsFollowTheSpec() {
    UdpListener listener = UdpListener.builder().build();

    assertThat(listener.name()).isEqualTo("default");
    assertThat(listener.kind()).isEqualTo("udp");
    assertThat(listener.bindAddress()).isEqualTo(new InetSocketAddress("0.0.0.0", 7993));
    assertThat(listener.maxConnections()).isEqualTo(1_024_000);
    assertThat(listener.hasHealthCheck()).isFalse();
    assertThat(listener.localAddress()).isNull();
    assertThat(listener.openConnections()).isZero();
    assertThat(listener.refusedConnections()).isZero();
    assertThat(listener.droppedWhilePaused()).isZero();
  }

  @Test
  void bindTakesAnAddressOrHostAndPort() {
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);

    assertThat(UdpListener.builder().bind(address).build().bindAddress()).isEqualTo(address);
    assertThat(UdpListener.builder().bind(address).bind("127.0.0.1", 5).build().bindAddress())
        .isEqualTo(new InetSocketAddress("127.0.0.1", 5));
  }

  @Test
  void buildRejectsBadSettingsNamingThem() {
    assertRejected(UdpListener.builder().name(" "), "name");
    assertRejected(UdpListener.builder().name(null), "name");
    assertRejected(UdpListener.builder().bind("127.0.0.1", 65536), "bind port", "65536");
    assertRejected(UdpListener.builder().bind("127.0.0.1", -1), "bind port", "-1");
    assertRejected(UdpListener.builder().bind("", 1), "bind host");
    assertRejected(UdpListener.builder()
        .bind(InetSocketAddress.createUnresolved("nowhere.invalid", 1)),
        "nowhere.invalid", "cannot be resolved");
    assertRejected(UdpListener.builder().maxConnections(0), "maxConnections", "0");
    assertRejected(UdpListener.builder().sendBuffer(-1), "sendBuffer", "-1");
    assertRejected(UdpListener.builder().recvBuffer(-2), "recvBuffer", "-2");
    assertRejected(UdpListener.builder().healthCheck(new byte[0], new byte[1]),
        "healthCheck request", "empty");
    assertRejected(UdpListener.builder().healthCheck(new byte[1], new byte[70_000]),
        "healthCheck reply", "70000");
    assertThatThrownBy(() -> UdpListener.builder().healthCheck(null, new byte[0]))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("request");
  }

  private static void assertRejected(UdpListener.Builder builder, String... messageParts) {
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll(messageParts);
  }

  @Test
  void healthCheckArraysAreCopied() throws Exception {
    byte[] request = "ping".getBytes(StandardCharsets.UTF_8);
    byte[] reply = "pong".getBytes(StandardCharsets.UTF_8);
    UdpListener listener = UdpListener.builder().bind("127.0.0.1", 0)
        .healthCheck(request, reply).build();
    request[0] = 'x';
    reply[0] = 'x';
    listener.start(new RecordingAcceptor());
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.setSoTimeout(5000);
      client.send(new DatagramPacket("ping".getBytes(StandardCharsets.UTF_8), 4,
          listener.localAddress()));
      DatagramPacket answer = new DatagramPacket(new byte[16], 16);
      client.receive(answer);
      assertThat(new String(answer.getData(), 0, answer.getLength(), StandardCharsets.UTF_8))
          .isEqualTo("pong");
    } finally {
      listener.stop().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }
  }

  @Test
  void stopBeforeStartCompletesAndForbidsStart() {
    UdpListener listener = UdpListener.builder().bind("127.0.0.1", 0).build();

    assertThat(listener.stop().toCompletableFuture()).isCompleted();
    assertThatThrownBy(() -> listener.start(link -> null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stopped");
  }

  @Test
  void startOnAClosedTransportThrows() {
    NettyTransport transport = NettyTransport.create(1);
    transport.close();
    UdpListener listener = UdpListener.builder().bind("127.0.0.1", 0).transport(transport).build();

    assertThatThrownBy(() -> listener.start(link -> null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("NettyTransport");
  }

  @Test
  void stopClosesAnOwnTransportAndItsLinks() throws Exception {
    UdpListener listener = UdpListener.builder().bind("127.0.0.1", 0).build();
    RecordingAcceptor acceptor = new RecordingAcceptor();
    listener.start(acceptor);
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.send(new DatagramPacket(new byte[] {1}, 1, listener.localAddress()));
      RecordingListener link = acceptor.next();

      listener.stop().toCompletableFuture().get(15, TimeUnit.SECONDS);

      assertThat(link.closes()).containsExactly("udp_closed");
      assertThat(link.violations()).isEmpty();
      assertThat(listener.openConnections()).isZero();
    }
  }
}
