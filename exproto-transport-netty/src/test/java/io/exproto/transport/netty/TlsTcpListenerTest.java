package io.exproto.transport.netty;

import io.exproto.transport.TestCertificates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.exproto.handler.PeerCertificate;
import io.exproto.handler.SocketType;
import io.exproto.tls.TlsSettings;
import io.exproto.tls.TlsSettings.ClientAuth;
import io.exproto.transport.netty.internal.ServerSslContexts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An {@code ssl} listener over real sockets on 127.0.0.1 with JDK TLS clients: the basic cases of
 * {@link AbstractTcpListenerTest} through TLS, then what only TLS does (client certificates,
 * failed handshakes). Certificates are made at test time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsTcpListenerTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  private Path dir;

  private TestCertificates certs;
  private SSLContext client; // trusts the CA, presents no certificate
  private NettyTransport transport;
  private final List<TcpListener> listeners = new ArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();
  private RecordingAcceptor acceptor;

  @BeforeAll
  void setUp(@TempDir Path dir) throws Exception {
    this.dir = dir;
    certs = TestCertificates.create(dir);
    client = TlsClients.context(certs.ca, null);
    transport = NettyTransport.createNio(2);
  }

  @AfterAll
  void closeTransport() {
    transport.close();
  }

  @BeforeEach
  void newAcceptor() {
    acceptor = new RecordingAcceptor();
  }

  @AfterEach
  void closeEverything() throws Exception {
    for (Socket socket : sockets) {
      socket.close();
    }
    sockets.clear();
    for (TcpListener listener : listeners) {
      await().atMost(WAIT).until(() -> listener.openConnections() == 0); // nothing leaks
      listener.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    listeners.clear();
  }

  /** The provider every listener of this class asks for; {@link JdkTlsTcpListenerTest} pins JDK. */
  TlsProvider provider() {
    return TlsProvider.AUTO;
  }

  private TlsSettings.ServerBuilder tls() {
    return TlsSettings.server().certificate(certs.server.certificate(),
        certs.server.privateKey());
  }

  /** A listener on {@link #provider()} (unless {@code settings} choose another) with {@code tls}. */
  private TcpListener started(TlsSettings tls, UnaryOperator<TcpListener.Builder> settings)
      throws IOException {
    TcpListener listener = settings.apply(TcpListener.builder()
            .name("secure")
            .bind("127.0.0.1", 0)
            .transport(transport)
            .tls(tls)
            .tlsProvider(provider()))
        .build();
    listeners.add(listener);
    listener.start(acceptor);
    return listener;
  }

  private TcpListener started() throws IOException {
    return started(tls().build(), b -> b);
  }

  private SSLSocket connect(SSLContext context, TcpListener listener) throws IOException {
    SSLSocket socket = TlsClients.connect(context, listener.localAddress());
    sockets.add(socket);
    return socket;
  }

  private Socket plain(TcpListener listener) throws IOException {
    Socket socket = new Socket();
    sockets.add(socket);
    socket.connect(listener.localAddress(), 5000);
    socket.setSoTimeout(5000);
    return socket;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** -1 for an orderly close; an exception (alert, reset) counts as closed too. */
  private static int readOrFail(Socket socket) {
    try {
      return socket.getInputStream().read();
    } catch (IOException closed) {
      return -1;
    }
  }

  // ---- the basic cases, through TLS

  @Test
  void kindIsSslAndLinkReportsSocketTypeAddressesAndNoCertificate() throws Exception {
    TcpListener listener = started();
    SSLSocket socket = connect(client, listener);

    RecordingListener link = acceptor.next();

    assertThat(listener.kind()).isEqualTo("ssl");
    assertThat(listener.toString()).startsWith("ssl listener 'secure'");
    assertThat(link.link.socketType()).isEqualTo(SocketType.SSL);
    assertThat(link.link.remoteAddress())
        .isEqualTo(new InetSocketAddress(socket.getLocalAddress(), socket.getLocalPort()));
    assertThat(link.link.localAddress()).isEqualTo(listener.localAddress());
    assertThat(link.link.peerCertificate()).isNull();
    assertThat(link.link.listenerName()).isEqualTo("secure");
    assertThat(link.violations()).isEmpty();
    assertThat(listener.handshakeFailures()).isZero();
  }

  @Test
  void bytesBothWaysAreDecryptedAndEncrypted() throws Exception {
    TcpListener listener = started();
    SSLSocket socket = connect(client, listener);
    RecordingListener link = acceptor.next();
    // Echo, as a handler would.
    link.onBytesHook = bytes -> link.link.write(bytes);
    byte[] sent = new byte[64 * 1024];
    new Random(7).nextBytes(sent);

    OutputStream out = socket.getOutputStream();
    out.write(sent);
    out.flush();

    InputStream in = socket.getInputStream();
    assertThat(in.readNBytes(sent.length)).isEqualTo(sent);
    assertThat(link.received()).isEqualTo(sent);
    assertThat(link.violations()).isEmpty();
  }

  @Test
  void peerCloseReportsSslClosedOnce() throws Exception {
    TcpListener listener = started();
    SSLSocket socket = connect(client, listener);
    RecordingListener link = acceptor.next();

    socket.getOutputStream().write(utf8("bye"));
    socket.close();

    await().atMost(WAIT).until(() -> !link.closes().isEmpty());
    link.drainExecutor();
    assertThat(link.closes()).containsExactly("ssl_closed");
    assertThat(link.receivedString()).isEqualTo("bye");
    assertThat(link.violations()).isEmpty();
  }

  @Test
  void localCloseReportsOnceAndClosesTheSocket() throws Exception {
    TcpListener listener = started();
    SSLSocket socket = connect(client, listener);
    RecordingListener link = acceptor.next();

    link.link.executor().execute(() -> {
      link.link.close();
      link.link.close();
    });

    assertThat(readOrFail(socket)).isEqualTo(-1);
    await().atMost(WAIT).until(() -> !link.closes().isEmpty());
    link.drainExecutor();
    assertThat(link.closes()).containsExactly("ssl_closed");
  }

  @Test
  void framingWorksOnDecryptedBytes() throws Exception {
    TcpListener listener = started(tls().build(), b -> b.framing(Framing.line(64)));
    SSLSocket socket = connect(client, listener);
    RecordingListener link = acceptor.next();

    socket.getOutputStream().write(utf8("one\ntw"));
    socket.getOutputStream().flush();
    socket.getOutputStream().write(utf8("o\n"));
    socket.getOutputStream().flush();

    await().atMost(WAIT).until(() -> link.readSizes().size() == 2);
    assertThat(link.receivedString()).isEqualTo("onetwo");
  }

  // ---- what only TLS does

  @Test
  void mutualTlsReportsTheClientCertificate() throws Exception {
    TcpListener listener = started(tls().trustCertificates(certs.ca)
        .clientAuth(ClientAuth.REQUIRE).build(), b -> b);

    connect(TlsClients.context(certs.ca, certs.client), listener);

    RecordingListener link = acceptor.next();
    assertThat(link.link.peerCertificate())
        .isEqualTo(new PeerCertificate("client", "CN=client,O=Org,C=CN"));
    assertThat(listener.handshakeFailures()).isZero();
  }

  @Test
  void optionalClientCertificateMayBeAbsent() throws Exception {
    TcpListener listener = started(tls().trustCertificates(certs.ca)
        .clientAuth(ClientAuth.OPTIONAL).build(), b -> b);

    connect(client, listener);

    assertThat(acceptor.next().link.peerCertificate()).isNull();
  }

  @Test
  void clientWithoutCertificateIsRefusedWhenOneIsRequired() throws Exception {
    TcpListener listener = started(tls().trustCertificates(certs.ca)
        .clientAuth(ClientAuth.REQUIRE).build(), b -> b);

    // With TLS 1.3 the client's side of the handshake may finish before the server refuses it.
    SSLSocket socket;
    try {
      socket = connect(client, listener);
      assertThat(readOrFail(socket)).isEqualTo(-1);
    } catch (IOException refused) {
      // refused during the handshake
    }

    await().atMost(WAIT).until(() -> listener.handshakeFailures() == 1);
    assertThat(acceptor.pending()).isZero();
  }

  @Test
  void untrustedClientCertificateIsRefused() throws Exception {
    TcpListener listener = started(tls().trustCertificates(certs.ca)
        .clientAuth(ClientAuth.REQUIRE).build(), b -> b);

    try {
      SSLSocket socket = connect(TlsClients.context(certs.ca, certs.untrustedClient), listener);
      assertThat(readOrFail(socket)).isEqualTo(-1);
    } catch (IOException refused) {
      // refused during the handshake
    }

    await().atMost(WAIT).until(() -> listener.handshakeFailures() == 1);
    assertThat(acceptor.pending()).isZero();
  }

  @Test
  void garbageBytesCloseTheSocketWithoutReachingTheAcceptor() throws Exception {
    TcpListener listener = started();
    Socket socket = plain(listener);

    socket.getOutputStream().write(utf8("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));

    assertThat(readOrFail(socket)).isEqualTo(-1);
    await().atMost(WAIT).until(() -> listener.handshakeFailures() == 1);
    await().atMost(WAIT).until(() -> listener.openConnections() == 0);
    assertThat(acceptor.pending()).isZero();
  }

  @Test
  void handshakeTimeoutClosesASilentClient() throws Exception {
    TcpListener listener = started(tls().build(),
        b -> b.tlsHandshakeTimeout(Duration.ofMillis(300)));
    Socket socket = plain(listener);

    assertThat(readOrFail(socket)).isEqualTo(-1);
    await().atMost(WAIT).until(() -> listener.handshakeFailures() == 1);
    assertThat(acceptor.pending()).isZero();
  }

  @Test
  void pkcs1RsaKeysAreAccepted() throws Exception {
    TcpListener listener = started(TlsSettings.server()
        .certificate(certs.rsaServer.certificate(), certs.rsaServer.privateKey()).build(),
        b -> b.tlsProvider(TlsProvider.AUTO));

    connect(client, listener);

    assertThat(acceptor.next().link.socketType()).isEqualTo(SocketType.SSL);
  }

  @Test
  void onlyTheConfiguredCiphersAreOfferedByJavaOrOpenSslName() throws Exception {
    // EMQX configurations name suites the OpenSSL way; the Java name of this one is
    // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384.
    TlsSettings tls = tls().protocols("TLSv1.2")
        .ciphers(List.of("ECDHE-ECDSA-AES256-GCM-SHA384")).build();
    assertThat(ServerSslContexts.build(tls, provider(), "test").ciphers())
        .containsExactly("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    TcpListener listener = started(tls, b -> b);

    SSLSocket socket = connect(client, listener);

    assertThat(socket.getSession().getCipherSuite())
        .isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    acceptor.next();

    // The JDK client prefers TLS_AES_256_GCM_SHA384; getting the other suite shows the choice.
    TlsSettings byJavaName = tls().ciphers(List.of("TLS_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).build();
    assertThat(ServerSslContexts.build(byJavaName, provider(), "test").ciphers())
        .containsExactly("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    TcpListener byJavaNameListener = started(byJavaName, b -> b);
    SSLSocket tls13 = connect(client, byJavaNameListener);
    if (byJavaNameListener.tlsProvider() == TlsProvider.JDK) {
      assertThat(tls13.getSession().getCipherSuite()).isEqualTo("TLS_AES_128_GCM_SHA256");
    } else {
      // As TlsProvider documents: BoringSSL keeps its own TLS 1.3 suites, whatever is configured.
      assertThat(tls13.getSession().getCipherSuite()).isEqualTo("TLS_AES_256_GCM_SHA384");
    }
    acceptor.next();
  }

  @Test
  void onlyTheConfiguredProtocolsAreOffered() throws Exception {
    TcpListener listener = started(tls().protocols("TLSv1.2").build(), b -> b);

    SSLSocket socket = connect(client, listener);

    assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
    acceptor.next();
  }

  // ---- settings

  @Test
  void defaultsAreThoseOfTheJavadoc() {
    TlsSettings tls = tls().build();
    TcpListener listener = TcpListener.builder().tls(tls).tlsProvider(provider()).build();

    assertThat(listener.kind()).isEqualTo("ssl");
    assertThat(listener.tls()).isSameAs(tls);
    assertThat(tls.clientAuth()).isEqualTo(ClientAuth.NONE);
    assertThat(tls.trustCertificates()).isEmpty();
    ServerSslContexts.ServerSsl ssl = ServerSslContexts.build(tls, provider(), "test");
    assertThat(ssl.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
    assertThat(ssl.ciphers()).isEmpty();
    assertThat(listener.tlsHandshakeTimeout()).isEqualTo(Duration.ofSeconds(15));
    // netty-tcnative is on this module's test class path, so AUTO must find OpenSSL.
    assertThat(TcpListener.builder().tls(tls).build().tlsProvider())
        .isEqualTo(TlsProvider.OPENSSL);
    assertThat(listener.tlsProvider()).isEqualTo(provider() == TlsProvider.JDK
        ? TlsProvider.JDK : TlsProvider.OPENSSL);
    assertThat(ssl.provider()).isEqualTo(listener.tlsProvider());
    assertThat(TcpListener.builder().build().tlsProvider()).isNull();
  }

  @Test
  void badSettingsAreReportedByName() {
    assertThatThrownBy(() -> TlsSettings.server().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("certificate");
    assertThatThrownBy(() -> tls().clientAuth(ClientAuth.REQUIRE).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trustCertificates");
    assertThatThrownBy(() -> TcpListener.builder().tls(TlsSettings.client().build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TcpListener tls takes server settings");
    assertThatThrownBy(() -> TcpListener.builder().tls(tls().protocols("TLSv9").build())
        .tlsProvider(provider()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TLSv9");
    assertThatThrownBy(() -> TcpListener.builder()
        .tls(tls().ciphers(List.of("NOT-A-CIPHER")).build()).tlsProvider(provider()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ciphers")
        .hasMessageContaining("NOT-A-CIPHER");
    assertThatThrownBy(() -> TcpListener.builder().tls(tls().build()).tlsProvider(provider())
        .tlsHandshakeTimeout(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tlsHandshakeTimeout");
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> TlsSettings.server()
        .certificate(missing, certs.server.privateKey()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("certificate chain").hasMessageContaining(missing.toString());
    assertThatThrownBy(() -> TlsSettings.server()
        .certificate(certs.server.certificate(), certs.client.privateKey()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not belong");
    assertThatThrownBy(() -> TlsSettings.server()
        .certificate(certs.server.certificate(), certs.ca).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("private key").hasMessageContaining(certs.ca.toString());
    // A CA file is checked even while clients are not verified, so a wrong path shows at once.
    assertThatThrownBy(() -> tls().trustCertificates(missing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trustCertificates").hasMessageContaining(missing.toString());
    assertThat(tls().trustCertificates(certs.ca).build().trustCertificatesFile())
        .contains(certs.ca);
  }
}
