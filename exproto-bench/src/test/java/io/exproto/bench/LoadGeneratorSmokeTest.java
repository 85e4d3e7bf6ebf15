package io.exproto.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.server.EchoHandler;
import io.exproto.gateway.Gateway;
import io.exproto.testkit.TestCertificates;
import io.exproto.tls.TlsSettings;
import io.exproto.transport.netty.TcpListener;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadGeneratorSmokeTest {
  @Test
  void echoAgainstTheRawNettyAnchorCountsMessagesWithoutErrors() throws Exception {
    try (NettyEchoServer server = NettyEchoServer.start(new InetSocketAddress("127.0.0.1", 0))) {
      LoadGenerator.Config config = LoadGenerator.Config.of(
          new InetSocketAddress("127.0.0.1", server.port()), 2)
          .withTimes(Duration.ofMillis(200), Duration.ofSeconds(1));

      LoadResult r = LoadGenerator.echo(config);

      assertThat(r.connections()).isEqualTo(2);
      assertThat(r.operations()).isPositive();
      assertThat(r.errors()).isZero();
      assertThat(r.latency().getTotalCount()).isEqualTo(r.operations());
    }
  }

  @Test
  void holdOpensIdleConnectionsFromSeveralSourceAddresses() throws Exception {
    try (NettyEchoServer server = NettyEchoServer.start(new InetSocketAddress("127.0.0.1", 0))) {
      LoadGenerator.Config config = LoadGenerator.Config.of(
          new InetSocketAddress("127.0.0.1", server.port()), 10);
      try (LoadGenerator.Held held = LoadGenerator.hold(config)) {
        assertThat(held.open()).isEqualTo(10);
        assertThat(held.errors()).isZero();
      }
    }
  }

  @Test
  void holdOverTlsCountsAConnectionOnceItsHandshakeIsDone(@TempDir Path dir) throws Exception {
    TestCertificates pki = TestCertificates.create(dir);
    try (Gateway gateway = Gateway.builder()
        .listener(TcpListener.builder().name("ssl").bind("127.0.0.1", 0)
            .tls(TlsSettings.server().certificate(pki.server.certificate(),
                pki.server.privateKey()).build())
            .build())
        .handler(EchoHandler::new).build().start()) {
      LoadGenerator.Config config = LoadGenerator.Config.of(
          gateway.listenerAddresses().get("ssl"), 5).withTls(true);
      try (LoadGenerator.Held held = LoadGenerator.hold(config)) {
        assertThat(held.open()).isEqualTo(5);
        assertThat(held.errors()).isZero();
        // The gateway sees a TLS connection only after its handshake, so all five are there.
        Awaitility.await().atMost(Duration.ofSeconds(10))
            .until(() -> gateway.stats().connections() == 5);
      }
    }
  }
}
