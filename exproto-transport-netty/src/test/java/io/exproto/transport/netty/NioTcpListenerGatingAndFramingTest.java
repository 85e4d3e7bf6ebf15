package io.exproto.transport.netty;

/** {@link AbstractTcpListenerGatingAndFramingTest} on Java NIO. */
class NioTcpListenerGatingAndFramingTest extends AbstractTcpListenerGatingAndFramingTest {

  @Override
  NettyTransport newTransport() {
    return NettyTransport.createNio(2);
  }
}
