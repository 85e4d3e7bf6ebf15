package io.exproto.transport.netty;

/**
 * Every {@link TlsTcpListenerTest} case on the JDK's TLS ({@link TlsProvider#JDK}); the
 * parent runs them on OpenSSL, which {@code AUTO} picks with netty-tcnative on the test class
 * path.
 */
class JdkTlsTcpListenerTest extends TlsTcpListenerTest {
  @Override
  TlsProvider provider() {
    return TlsProvider.JDK;
  }
}
