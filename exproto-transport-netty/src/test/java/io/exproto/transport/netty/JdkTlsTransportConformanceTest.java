package io.exproto.transport.netty;

/** {@link TlsTransportConformanceTest} on the JDK's TLS ({@link ServerTls.Provider#JDK}). */
class JdkTlsTransportConformanceTest extends TlsTransportConformanceTest {
  @Override
  ServerTls.Provider provider() {
    return ServerTls.Provider.JDK;
  }
}
