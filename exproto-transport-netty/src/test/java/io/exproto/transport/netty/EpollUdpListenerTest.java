package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;

/** {@link AbstractUdpListenerTest} on native epoll; skipped where epoll is not available. */
class EpollUdpListenerTest extends AbstractUdpListenerTest {

  @Override
  NettyTransport newTransport() {
    assumeTrue(Epoll.isAvailable(), "native epoll is not available here");
    NettyTransport transport = NettyTransport.create(2);
    assertThat(transport.ioType()).isEqualTo("epoll");
    return transport;
  }
}
