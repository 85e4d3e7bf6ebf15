package io.exproto.transport.netty;

/** {@link TlsTransportConformanceTest} on the JDK's TLS ({@link TlsProvider#JDK}). */
class JdkTlsTransportConformanceTest extends TlsTransportConformanceTest {
  @Override
  TlsProvider provider() {
    return TlsProvider.JDK;
  }
}
