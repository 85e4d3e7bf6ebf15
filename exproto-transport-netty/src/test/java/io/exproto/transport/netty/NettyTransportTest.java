package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NettyTransportTest {

  @Test
  void createUsesTheGivenThreadCount() {
    try (NettyTransport transport = NettyTransport.create(3)) {
      assertThat(transport.workerThreads()).isEqualTo(3);
      assertThat(transport.ioType()).isIn("epoll", "nio");
      assertThat(transport.isShutdown()).isFalse();
    }
  }

  @Test
  void createDefaultsToOneWorkerPerProcessor() {
    try (NettyTransport transport = NettyTransport.create()) {
      assertThat(transport.workerThreads())
          .isEqualTo(Runtime.getRuntime().availableProcessors());
    }
  }

  @Test
  void createRejectsLessThanOneThread() {
    assertThatThrownBy(() -> NettyTransport.create(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("workerThreads");
  }

  @Test
  void shutdownCompletesAndCloseIsIdempotent() throws Exception {
    NettyTransport transport = NettyTransport.createNio(1);

    transport.shutdown().toCompletableFuture().get(15, TimeUnit.SECONDS);
    transport.close();
    transport.close();

    assertThat(transport.isShutdown()).isTrue();
    assertThat(transport.shutdown()).isSameAs(transport.shutdown());
  }
}
