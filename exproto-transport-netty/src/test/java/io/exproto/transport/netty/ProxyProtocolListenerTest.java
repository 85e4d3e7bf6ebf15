package io.exproto.transport.netty;

import io.exproto.transport.TestCertificates;
import io.exproto.transport.AccessRules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.exproto.handler.PeerCertificate;
import io.exproto.handler.SocketType;
import io.exproto.tls.TlsSettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** PROXY protocol v1 and v2 on tcp and ssl listeners, over real sockets on 127.0.0.1. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyProtocolListenerTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String V1 = "PROXY TCP4 203.0.113.7 127.0.0.1 56324 7993\r\n";
  private static final InetSocketAddress REAL_CLIENT =
      new InetSocketAddress("203.0.113.7", 56324);

  private TestCertificates certs;
  private NettyTransport transport;
  private final List<TcpListener> listeners = new ArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();
  private RecordingAcceptor acceptor;

  @BeforeAll
  void setUp(@TempDir Path dir) throws Exception {
    certs = TestCertificates.create(dir);
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

  private TcpListener started(UnaryOperator<TcpListener.Builder> settings) throws IOException {
    TcpListener listener = settings.apply(TcpListener.builder()
            .name("behind-proxy")
            .bind("127.0.0.1", 0)
            .transport(transport)
            .proxyProtocol(true))
        .build();
    listeners.add(listener);
    listener.start(acceptor);
    return listener;
  }

  private Socket connect(TcpListener listener) throws IOException {
    Socket socket = new Socket();
    sockets.add(socket);
    socket.connect(listener.localAddress(), 5000);
    socket.setSoTimeout(5000);
    return socket;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] v2Header() {
    EmbeddedChannel encoder = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
    encoder.writeOutbound(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
        HAProxyProxiedProtocol.TCP4, "203.0.113.7", "127.0.0.1", 56324, 7993));
    ByteBuf encoded = encoder.readOutbound();
    try {
      return ByteBufUtil.getBytes(encoded);
    } finally {
      encoded.release();
      encoder.finishAndReleaseAll();
    }
  }

  private static int readOrFail(Socket socket) {
    try {
      return socket.getInputStream().read();
    } catch (IOException closed) {
      return -1;
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void v1HeaderGivesTheRealClientAddress() throws Exception {
    TcpListener listener = started(b -> b);
    Socket socket = connect(listener);

    // Header and first bytes in one write: the bytes after the header are not lost.
    socket.getOutputStream().write(concat(ascii(V1), ascii("hello")));

    RecordingListener link = acceptor.next();
    assertThat(link.link.remoteAddress()).isEqualTo(REAL_CLIENT);
    assertThat(link.link.localAddress()).isEqualTo(listener.localAddress());
    assertThat(link.link.socketType()).isEqualTo(SocketType.TCP);
    await().atMost(WAIT).until(() -> link.receivedString().equals("hello"));
    assertThat(listener.proxyProtocolFailures()).isZero();
    assertThat(link.violations()).isEmpty();
  }

  @Test
  void v2HeaderGivesTheRealClientAddress() throws Exception {
    TcpListener listener = started(b -> b);
    Socket socket = connect(listener);

    OutputStream out = socket.getOutputStream();
    out.write(v2Header());
    out.flush();

    RecordingListener link = acceptor.next();
    assertThat(link.link.remoteAddress()).isEqualTo(REAL_CLIENT);
    out.write(ascii("after"));
    await().atMost(WAIT).until(() -> link.receivedString().equals("after"));
    link.link.write(ascii("back"));
    assertThat(socket.getInputStream().readNBytes(4)).isEqualTo(ascii("back"));
  }

  @Test
  void noAcceptBeforeTheHeaderIsComplete() throws Exception {
    TcpListener listener = started(b -> b);
    Socket socket = connect(listener);
    OutputStream out = socket.getOutputStream();

    out.write(ascii(V1.substring(0, 20)));
    out.flush();
    await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> acceptor.pending() == 0);
    out.write(ascii(V1.substring(20)));
    out.flush();

    assertThat(acceptor.next().link.remoteAddress()).isEqualTo(REAL_CLIENT);
  }

  @Test
  void truncatedHeaderIsClosedByTheTimeoutAndCounted() throws Exception {
    TcpListener listener = started(b -> b.proxyProtocolTimeout(Duration.ofMillis(300)));
    Socket socket = connect(listener);

    socket.getOutputStream().write(ascii("PROXY TCP4 203.0.113.7"));

    assertThat(readOrFail(socket)).isEqualTo(-1);
    await().atMost(WAIT).until(() -> listener.proxyProtocolFailures() == 1);
    assertThat(acceptor.pending()).isZero();
  }

  @Test
  void truncatedHeaderThenCloseIsCounted() throws Exception {
    TcpListener listener = started(b -> b);
    Socket socket = connect(listener);

    byte[] v2 = v2Header();
    socket.getOutputStream().write(Arrays.copyOf(v2, v2.length - 4));
    socket.shutdownOutput();

    assertThat(readOrFail(socket)).isEqualTo(-1);
    await().atMost(WAIT).until(() -> listener.proxyProtocolFailures() == 1);
    assertThat(acceptor.pending()).isZero();
  }

  @Test
  void headerThatNeverComesIsClosedByTheTimeoutAndCounted() throws Exception {
    TcpListener listener = started(b -> b.proxyProtocolTimeout(Duration.ofMillis(300)));
    Socket socket = connect(listener);

    assertThat(readOrFail(socket)).isEqualTo(-1);
    await().atMost(WAIT).until(() -> listener.proxyProtocolFailures() == 1);
    assertThat(acceptor.pending()).isZero();
  }

  @Test
  void invalidHeaderIsClosedAndCounted() throws Exception {
    TcpListener listener = started(b -> b);
    Socket socket = connect(listener);

    socket.getOutputStream().write(ascii("PROXY TCP4 not-an-address 127.0.0.1 1 2\r\nhello"));

    assertThat(readOrFail(socket)).isEqualTo(-1);
    await().atMost(WAIT).until(() -> listener.proxyProtocolFailures() == 1);
    assertThat(acceptor.pending()).isZero();
  }

  @Test
  void noHeaderAtAllIsClosedAndCounted() throws Exception {
    TcpListener listener = started(b -> b);
    Socket socket = connect(listener);

    socket.getOutputStream().write(ascii("GET / HTTP/1.1\r\nHost: example\r\n\r\n"));

    assertThat(readOrFail(socket)).isEqualTo(-1);
    await().atMost(WAIT).until(() -> listener.proxyProtocolFailures() == 1);
    assertThat(acceptor.pending()).isZero();
  }

  @Test
  void accessRulesAreCheckedAgainstTheRealClient() throws Exception {
    TcpListener listener = started(b -> b.accessRules(
        AccessRules.parse(List.of("deny 203.0.113.0/24", "allow all"))));

    Socket denied = connect(listener);
    denied.getOutputStream().write(ascii(V1));
    assertThat(readOrFail(denied)).isEqualTo(-1);
    await().atMost(WAIT).until(() -> listener.deniedConnections() == 1);
    assertThat(acceptor.pending()).isZero();

    Socket allowed = connect(listener);
    allowed.getOutputStream().write(ascii("PROXY TCP4 198.51.100.9 127.0.0.1 4000 7993\r\n"));
    assertThat(acceptor.next().link.remoteAddress())
        .isEqualTo(new InetSocketAddress("198.51.100.9", 4000));
    assertThat(listener.deniedConnections()).isEqualTo(1);
    assertThat(listener.proxyProtocolFailures()).isZero();
  }

  @Test
  void localCommandKeepsTheSocketAddress() throws Exception {
    TcpListener listener = started(b -> b);
    Socket socket = connect(listener);

    socket.getOutputStream().write(ascii("PROXY UNKNOWN\r\n"));

    assertThat(acceptor.next().link.remoteAddress())
        .isEqualTo(new InetSocketAddress(socket.getLocalAddress(), socket.getLocalPort()));
  }

  @Test
  void proxyProtocolAndTlsTogether() throws Exception {
    TcpListener listener = started(b -> b.tls(TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey())
        .trustCertificates(certs.ca).clientAuth(TlsSettings.ClientAuth.OPTIONAL).build()));
    Socket plain = connect(listener);
    plain.getOutputStream().write(v2Header());

    SSLSocket tls = TlsClients.over(TlsClients.context(certs.ca, certs.client), plain);
    sockets.add(tls);

    RecordingListener link = acceptor.next();
    assertThat(link.link.remoteAddress()).isEqualTo(REAL_CLIENT);
    assertThat(link.link.socketType()).isEqualTo(SocketType.SSL);
    assertThat(link.link.peerCertificate())
        .isEqualTo(new PeerCertificate("client", "CN=client,O=Org,C=CN"));
    link.onBytesHook = bytes -> link.link.write(bytes);
    tls.getOutputStream().write(ascii("ping"));
    assertThat(tls.getInputStream().readNBytes(4)).isEqualTo(ascii("ping"));

    tls.close();
    await().atMost(WAIT).until(() -> !link.closes().isEmpty());
    link.drainExecutor();
    assertThat(link.closes()).containsExactly("ssl_closed");
    assertThat(listener.handshakeFailures()).isZero();
  }

  @Test
  void proxyProtocolFailureOnATlsListenerIsNotAHandshakeFailure() throws Exception {
    TcpListener listener = started(b -> b.proxyProtocolTimeout(Duration.ofMillis(300))
        .tls(TlsSettings.server()
            .certificate(certs.server.certificate(), certs.server.privateKey()).build()));
    Socket socket = connect(listener);

    assertThat(readOrFail(socket)).isEqualTo(-1);
    await().atMost(WAIT).until(() -> listener.proxyProtocolFailures() == 1);
    await().atMost(WAIT).until(() -> listener.openConnections() == 0);
    assertThat(listener.handshakeFailures()).isZero();
    assertThat(acceptor.pending()).isZero();
  }

  @Test
  void settingsHaveTheirDefaultsAndAreValidated() {
    TcpListener plain = TcpListener.builder().build();
    assertThat(plain.proxyProtocol()).isFalse();
    assertThat(plain.proxyProtocolTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(plain.kind()).isEqualTo("tcp");
    assertThat(plain.tls()).isNull();
    assertThat(plain.tlsProvider()).isNull();
    assertThatThrownBy(() -> TcpListener.builder().proxyProtocolTimeout(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("proxyProtocolTimeout");
  }
}
