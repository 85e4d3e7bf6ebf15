package io.exproto.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

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
}
