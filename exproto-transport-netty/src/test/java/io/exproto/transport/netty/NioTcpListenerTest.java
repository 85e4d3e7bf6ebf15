package io.exproto.transport.netty;

/** {@link AbstractTcpListenerTest} on Java NIO. */
class NioTcpListenerTest extends AbstractTcpListenerTest {

  @Override
  NettyTransport newTransport() {
    return NettyTransport.createNio(2);
  }
}
