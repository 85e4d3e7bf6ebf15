package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.exproto.handler.SocketType;
import io.exproto.tls.TlsSettings;
import io.exproto.transport.TestCertificates;
import io.netty.handler.ssl.OpenSsl;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ssl listener where netty-tcnative is not on the class path, as for a user who leaves out the
 * optional dependency. The module's pom runs this class alone, in its own surefire execution
 * ({@code without-openssl}) that removes netty-tcnative from the test class path; the default
 * execution skips it.
 */
class WithoutOpenSslTlsTest {

  @TempDir Path dir;

  @Test
  void autoFallsBackToTheJdkAndOpenSslIsRefusedByName() throws Exception {
    // Fails, rather than skips, if the pom ever puts netty-tcnative back on this class path.
    assertThat(OpenSsl.isAvailable()).as("netty-tcnative must be absent here").isFalse();
    TestCertificates certs = TestCertificates.create(dir);

    TlsSettings tls = TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey()).build();
    assertThatThrownBy(() -> TcpListener.builder().tls(tls).tlsProvider(TlsProvider.OPENSSL)
        .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("TcpListener tlsProvider OPENSSL is not available: put"
            + " io.netty:netty-tcnative-boringssl-static")
        .hasMessageContaining("or use tlsProvider AUTO or JDK");

    NettyTransport transport = NettyTransport.createNio(1);
    TcpListener listener = null;
    try {
      listener = TcpListener.builder().name("secure").bind("127.0.0.1", 0)
          .transport(transport).tls(tls).build();
      assertThat(listener.tlsProvider()).isEqualTo(TlsProvider.JDK);
      RecordingAcceptor acceptor = new RecordingAcceptor();
      listener.start(acceptor);
      try (SSLSocket socket = TlsClients.connect(TlsClients.context(certs.ca, null),
          listener.localAddress())) {
        RecordingListener link = acceptor.next();
        link.onBytesHook = bytes -> link.link.write(bytes);
        assertThat(link.link.socketType()).isEqualTo(SocketType.SSL);

        byte[] hello = "hello over JDK TLS".getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(hello);
        out.flush();
        InputStream in = socket.getInputStream();
        assertThat(in.readNBytes(hello.length)).isEqualTo(hello);
        assertThat(link.violations()).isEmpty();
      }
      TcpListener open = listener;
      await().atMost(Duration.ofSeconds(5)).until(() -> open.openConnections() == 0);
    } finally {
      if (listener != null) {
        listener.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      transport.close();
    }
  }
}
