package io.exproto.transport.netty;

import io.exproto.transport.AccessRules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TcpListenerBuilderTest {

  @Test
  void defaultsFollowTheSpec() {
    TcpListener listener = TcpListener.builder().build();

    assertThat(listener.name()).isEqualTo("default");
    assertThat(listener.kind()).isEqualTo("tcp");
    assertThat(listener.bindAddress()).isEqualTo(new InetSocketAddress("0.0.0.0", 7993));
    assertThat(listener.maxConnections()).isEqualTo(1_024_000);
    assertThat(listener.localAddress()).isNull();
    assertThat(listener.openConnections()).isZero();
    assertThat(listener.refusedConnections()).isZero();
    assertThat(listener.maxConnRate()).isEqualTo(1000);
    assertThat(listener.accessRules()).isEqualTo(AccessRules.allowAll());
    assertThat(listener.framing()).isEqualTo(Framing.none());
    assertThat(listener.deniedConnections()).isZero();
    assertThat(listener.rateLimitedConnections()).isZero();
    assertThat(listener.framesTooLong()).isZero();
    assertThat(listener.sendTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(listener.maxPendingOutboundBytes()).isEqualTo(8 << 20);
    assertThat(listener.sendTimeouts()).isZero();
    assertThat(listener.sendBufferOverflows()).isZero();
  }

  @Test
  void sendTimeoutAndPendingCapAreKept() {
    TcpListener listener = TcpListener.builder()
        .sendTimeout(Duration.ofMillis(250))
        .maxPendingOutboundBytes(1 << 20)
        .build();
    assertThat(listener.sendTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(listener.maxPendingOutboundBytes()).isEqualTo(1 << 20);

    assertThat(TcpListener.builder().sendTimeout(Duration.ZERO).build().sendTimeout())
        .as("zero turns it off").isZero();
    assertThat(TcpListener.builder().maxPendingOutboundBytes(65536).build()
        .maxPendingOutboundBytes()).isEqualTo(65536);
  }

  @Test
  void gatingAndFramingAreKept() {
    AccessRules rules = AccessRules.parse(java.util.List.of("deny 10.0.0.0/8"));
    TcpListener listener = TcpListener.builder()
        .maxConnRate(5)
        .accessRules(rules)
        .framing(Framing.line(128))
        .build();

    assertThat(listener.maxConnRate()).isEqualTo(5);
    assertThat(listener.accessRules()).isSameAs(rules);
    assertThat(listener.framing()).isEqualTo(Framing.line(128));
  }

  @Test
  void bindTakesAnAddressOrHostAndPort() {
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);

    assertThat(TcpListener.builder().bind(address).build().bindAddress()).isEqualTo(address);
    assertThat(TcpListener.builder().bind("127.0.0.1", 1883).build().bindAddress())
        .isEqualTo(new InetSocketAddress("127.0.0.1", 1883));
    assertThat(TcpListener.builder().bind(address).bind("127.0.0.1", 5).build().bindAddress())
        .isEqualTo(new InetSocketAddress("127.0.0.1", 5));
  }

  @Test
  void buildRejectsBadSettingsNamingThem() {
    assertRejected(TcpListener.builder().name(" "), "name");
    assertRejected(TcpListener.builder().name(null), "name");
    assertRejected(TcpListener.builder().bind("127.0.0.1", 65536), "bind port", "65536");
    assertRejected(TcpListener.builder().bind("127.0.0.1", -1), "bind port", "-1");
    assertRejected(TcpListener.builder().bind("", 1), "bind host");
    assertRejected(TcpListener.builder().bind(InetSocketAddress.createUnresolved("nowhere.invalid", 1)),
        "nowhere.invalid", "cannot be resolved");
    assertRejected(TcpListener.builder().maxConnections(0), "maxConnections", "0");
    assertRejected(TcpListener.builder().sendBuffer(-1), "sendBuffer", "-1");
    assertRejected(TcpListener.builder().recvBuffer(-2), "recvBuffer", "-2");
    assertRejected(TcpListener.builder().backlog(0), "backlog", "0");
    assertRejected(TcpListener.builder().maxConnRate(0), "maxConnRate", "at least 1", "was 0");
    assertRejected(TcpListener.builder().maxConnRate(-5), "maxConnRate", "-5");
    assertRejected(TcpListener.builder().sendTimeout(Duration.ofSeconds(-1)), "sendTimeout",
        "Duration.ZERO", "PT-1S");
    assertRejected(TcpListener.builder().sendTimeout(Duration.ofNanos(999_999)), "sendTimeout",
        "at least 1 ms");
    assertRejected(TcpListener.builder().sendTimeout(Duration.ofSeconds(Long.MAX_VALUE)),
        "sendTimeout", "too long");
    assertRejected(TcpListener.builder().maxPendingOutboundBytes(65535),
        "maxPendingOutboundBytes", "65536", "65535");
    assertRejected(TcpListener.builder().maxPendingOutboundBytes(-1),
        "maxPendingOutboundBytes", "-1");
    assertThatThrownBy(() -> TcpListener.builder().sendTimeout(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("timeout");
    assertThatThrownBy(() -> TcpListener.builder().framing(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("framing");
    assertThatThrownBy(() -> TcpListener.builder().accessRules(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("accessRules");
  }

  private static void assertRejected(TcpListener.Builder builder, String... messageParts) {
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll(messageParts);
  }

  @Test
  void stopBeforeStartCompletesAndForbidsStart() {
    TcpListener listener = TcpListener.builder().bind("127.0.0.1", 0).build();

    assertThat(listener.stop().toCompletableFuture()).isCompleted();
    assertThatThrownBy(() -> listener.start(link -> null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stopped");
  }

  @Test
  void startOnAClosedTransportThrows() {
    NettyTransport transport = NettyTransport.create(1);
    transport.close();
    TcpListener listener = TcpListener.builder().bind("127.0.0.1", 0).transport(transport).build();

    assertThatThrownBy(() -> listener.start(link -> null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("NettyTransport");
  }

  @Test
  void stopClosesAnOwnTransportAndItsConnections() throws Exception {
    TcpListener listener = TcpListener.builder().bind("127.0.0.1", 0).build();
    RecordingAcceptor acceptor = new RecordingAcceptor();
    listener.start(acceptor);
    try (java.net.Socket client = new java.net.Socket()) {
      client.connect(listener.localAddress(), 5000);
      client.setSoTimeout(5000);
      RecordingListener link = acceptor.next();

      listener.stop().toCompletableFuture().get(15, TimeUnit.SECONDS);

      assertThat(client.getInputStream().read()).isEqualTo(-1);
      assertThat(link.closes()).containsExactly("tcp_closed");
      assertThat(listener.openConnections()).isZero();
    }
  }
}
