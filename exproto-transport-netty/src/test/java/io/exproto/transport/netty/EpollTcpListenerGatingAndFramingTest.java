package io.exproto.transport.netty;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;

/**
 * {@link AbstractTcpListenerGatingAndFramingTest} on native epoll; skipped where epoll is not
 * available.
 */
class EpollTcpListenerGatingAndFramingTest extends AbstractTcpListenerGatingAndFramingTest {

  @Override
  NettyTransport newTransport() {
    assumeTrue(Epoll.isAvailable(), "native epoll is not available here");
    return NettyTransport.create(2);
  }
}
