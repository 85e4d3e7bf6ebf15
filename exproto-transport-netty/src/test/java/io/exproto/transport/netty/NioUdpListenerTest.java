package io.exproto.transport.netty;

/** {@link AbstractUdpListenerTest} on Java NIO. */
class NioUdpListenerTest extends AbstractUdpListenerTest {

  @Override
  NettyTransport newTransport() {
    return NettyTransport.createNio(2);
  }
}
