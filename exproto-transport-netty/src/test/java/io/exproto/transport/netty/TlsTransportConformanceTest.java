package io.exproto.transport.netty;

import io.exproto.transport.TestCertificates;
import io.exproto.handler.SocketType;
import io.exproto.tls.TlsSettings;
import io.exproto.transport.TransportListener;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance cases for an {@code ssl} {@link TcpListener} on the default provider (OpenSSL
 * with netty-tcnative on the test class path), with a JDK TLS client; {@link
 * JdkTlsTransportConformanceTest} runs them on the JDK provider.
 */
class TlsTransportConformanceTest extends TcpTransportConformanceTest {

  private TestCertificates certs;
  private SSLContext context;

  @BeforeAll
  void makeCertificates(@TempDir Path dir) throws Exception {
    certs = TestCertificates.create(dir);
    context = TlsClients.context(certs.ca, null);
  }

  TlsProvider provider() {
    return TlsProvider.AUTO;
  }

  @Override
  protected TransportListener newListener(int port) {
    return TcpListener.builder().name("conformance").bind("127.0.0.1", port).transport(transport)
        .tls(TlsSettings.server()
            .certificate(certs.server.certificate(), certs.server.privateKey()).build())
        .tlsProvider(provider())
        .build();
  }

  @Override
  protected TestClient connect(InetSocketAddress address) throws Exception {
    return client(TlsClients.connect(context, address));
  }

  @Override
  protected SocketType expectedSocketType() {
    return SocketType.SSL;
  }

  @Override
  protected String expectedPeerCloseReason() {
    return "ssl_closed";
  }
}
