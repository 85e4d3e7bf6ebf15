package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.exproto.handler.SocketType;
import io.exproto.transport.netty.internal.ChannelLink;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every TCP listener does over real sockets on 127.0.0.1, run once per I/O type by the
 * subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractTcpListenerTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  private NettyTransport transport;
  private final List<TcpListener> listeners = new ArrayList<>();
  private final List<Socket> clients = new ArrayList<>();
  private final RecordingAcceptor acceptor = new RecordingAcceptor();

  /** The transport under test; two worker threads are plenty. */
  abstract NettyTransport newTransport();

  @BeforeAll
  void createTransport() {
    transport = newTransport();
  }

  @AfterAll
  void closeTransport() {
    if (transport != null) { // null when the subclass's assumption skipped the class
      transport.close();
    }
  }

  @AfterEach
  void closeEverything() throws Exception {
    for (Socket client : clients) {
      client.close();
    }
    for (TcpListener listener : listeners) {
      listener.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private TcpListener listener(UnaryOperator<TcpListener.Builder> settings) {
    TcpListener listener = settings.apply(TcpListener.builder()
            .name("test")
            .bind("127.0.0.1", 0)
            .transport(transport))
        .build();
    listeners.add(listener);
    return listener;
  }

  private TcpListener started(UnaryOperator<TcpListener.Builder> settings) throws IOException {
    TcpListener listener = listener(settings);
    listener.start(acceptor);
    return listener;
  }

  private TcpListener started() throws IOException {
    return started(b -> b);
  }

  private Socket connect(TcpListener listener) throws IOException {
    Socket client = new Socket();
    clients.add(client);
    client.connect(listener.localAddress(), 5000);
    client.setSoTimeout(5000);
    return client;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void startBindsAndReportsTheRealPort() throws IOException {
    TcpListener listener = started();

    assertThat(listener.kind()).isEqualTo("tcp");
    assertThat(listener.localAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
    assertThat(listener.localAddress().getPort()).isPositive();
  }

  @Test
  void acceptReportsAddressesSocketTypeAndListenerName() throws Exception {
    TcpListener listener = started();
    Socket client = connect(listener);

    RecordingListener link = acceptor.next();

    assertThat(link.link.socketType()).isEqualTo(SocketType.TCP);
    assertThat(link.link.remoteAddress())
        .isEqualTo(new InetSocketAddress(client.getLocalAddress(), client.getLocalPort()));
    assertThat(link.link.localAddress()).isEqualTo(listener.localAddress());
    assertThat(link.link.peerCertificate()).isNull();
    assertThat(link.link.listenerName()).isEqualTo("test");
    assertThat(link.link.executor().inExecutorThread()).isFalse();
    assertThat(link.violations()).isEmpty();
    assertThat(listener.openConnections()).isEqualTo(1);
  }

  @Test
  void socketOptionsAreApplied() throws Exception {
    TcpListener listener = started(b -> b.sendBuffer(128 * 1024).recvBuffer(128 * 1024));
    connect(listener);

    ChannelConfig config = ((ChannelLink) acceptor.next().link).channel().config();

    assertThat(config.getOption(ChannelOption.TCP_NODELAY)).isTrue();
    assertThat(config.isAutoRead()).isTrue();
    assertThat(config.getWriteBufferLowWaterMark()).isEqualTo(32 * 1024);
    assertThat(config.getWriteBufferHighWaterMark()).isEqualTo(64 * 1024);
    // Linux doubles what was asked for; any OS gives at least roughly what was asked.
    assertThat(config.getOption(ChannelOption.SO_SNDBUF)).isGreaterThanOrEqualTo(64 * 1024);
    assertThat(config.getOption(ChannelOption.SO_RCVBUF)).isGreaterThanOrEqualTo(64 * 1024);
  }

  @Test
  void bytesArriveInOrderOneReadPerOnBytes() throws Exception {
    TcpListener listener = started();
    Socket client = connect(listener);
    RecordingListener link = acceptor.next();
    Random random = new Random(42);
    byte[] sent = new byte[256 * 1024];
    random.nextBytes(sent);

    OutputStream out = client.getOutputStream();
    for (int offset = 0; offset < sent.length; ) {
      int chunk = Math.min(1 + random.nextInt(4096), sent.length - offset);
      out.write(sent, offset, chunk);
      out.flush();
      offset += chunk;
    }

    await().atMost(WAIT).until(() -> link.received().length == sent.length);
    assertThat(link.received()).isEqualTo(sent);
    assertThat(link.readSizes()).allSatisfy(size -> assertThat(size).isPositive());
    assertThat(link.violations()).isEmpty();
  }

  @Test
  void writeSendsEachCallsBytesInOrder() throws Exception {
    TcpListener listener = started();
    Socket client = connect(listener);
    RecordingListener link = acceptor.next();

    link.link.executor().execute(() -> {
      link.link.write(utf8("hello "));
      link.link.write(utf8("from "));
    });
    link.link.write(utf8("the gateway")); // off the event loop: Netty hands it over, still in order

    InputStream in = client.getInputStream();
    assertThat(new String(in.readNBytes(22), StandardCharsets.UTF_8))
        .isEqualTo("hello from the gateway");
  }

  @Test
  void peerCloseReportsTcpClosedOnce() throws Exception {
    TcpListener listener = started();
    Socket client = connect(listener);
    RecordingListener link = acceptor.next();

    client.getOutputStream().write(utf8("bye"));
    client.close();

    await().atMost(WAIT).until(() -> !link.closes().isEmpty());
    link.drainExecutor();
    assertThat(link.closes()).containsExactly("tcp_closed");
    assertThat(link.receivedString()).isEqualTo("bye");
    assertThat(link.violations()).isEmpty();
    await().atMost(WAIT).until(() -> listener.openConnections() == 0);
  }

  @Test
  void localCloseReportsOnceAndClosesTheSocket() throws Exception {
    TcpListener listener = started();
    Socket client = connect(listener);
    RecordingListener link = acceptor.next();

    link.link.executor().execute(() -> {
      link.link.close();
      link.link.close(); // idempotent
    });

    assertThat(client.getInputStream().read()).isEqualTo(-1);
    await().atMost(WAIT).until(() -> !link.closes().isEmpty());
    link.drainExecutor();
    assertThat(link.closes()).containsExactly("tcp_closed");
    assertThat(link.violations()).isEmpty();
  }

  @Test
  void writeAfterCloseIsDroppedWithoutASecondReport() throws Exception {
    TcpListener listener = started();
    connect(listener);
    RecordingListener link = acceptor.next();

    link.link.executor().execute(() -> {
      link.link.close();
      link.link.write(utf8("too late"));
    });

    await().atMost(WAIT).until(() -> !link.closes().isEmpty());
    link.drainExecutor();
    assertThat(link.closes()).containsExactly("tcp_closed");
  }

  /**
   * SO_LINGER 0 makes the client send RST on close. Both NIO ("Connection reset") and epoll
   * ("... failed: Connection reset by peer") surface it as a read error, mapped to econnreset.
   */
  @Test
  void connectionResetReportsEconnreset() throws Exception {
    TcpListener listener = started();
    Socket client = connect(listener);
    RecordingListener link = acceptor.next();

    client.setSoLinger(true, 0);
    client.close();

    await().atMost(WAIT).until(() -> !link.closes().isEmpty());
    link.drainExecutor();
    assertThat(link.closes()).containsExactly("econnreset");
    assertThat(link.violations()).isEmpty();
  }

  @Test
  void connectionsBeyondMaxConnectionsAreClosedAndCounted() throws Exception {
    TcpListener listener = started(b -> b.maxConnections(2));
    Socket first = connect(listener);
    Socket second = connect(listener);
    acceptor.next();
    acceptor.next();

    Socket third = connect(listener);

    assertThat(readOrReset(third)).isEqualTo(-1);
    await().atMost(WAIT).until(() -> listener.refusedConnections() == 1);
    assertThat(listener.openConnections()).isEqualTo(2);
    assertThat(acceptor.pending()).isZero();

    first.close();
    second.close();
    await().atMost(WAIT).until(() -> listener.openConnections() == 0);
    assertThat(listener.refusedConnections()).isEqualTo(1);
  }

  /** -1 for an orderly close; a reset (closed by the server before the handshake settled) too. */
  private static int readOrReset(Socket socket) throws IOException {
    try {
      return socket.getInputStream().read();
    } catch (SocketException reset) {
      assertThat(reset.getMessage()).contains("reset");
      return -1;
    }
  }

  @Test
  void pausedReadsDeliverNothingUntilResumed() throws Exception {
    TcpListener listener = started();
    Socket client = connect(listener);
    RecordingListener link = acceptor.next();
    // The engine pauses from inside onBytes when its queue is full; do the same.
    link.onBytesHook = bytes -> link.link.setReadPaused(true);
    OutputStream out = client.getOutputStream();

    out.write(utf8("first"));
    await().atMost(WAIT).until(() -> link.receivedString().equals("first"));
    out.write(utf8("second"));

    await().during(Duration.ofMillis(300)).atMost(WAIT)
        .until(() -> link.receivedString().equals("first"));
    link.onBytesHook = bytes -> {};
    link.link.setReadPaused(false);
    await().atMost(WAIT).until(() -> link.receivedString().equals("firstsecond"));
  }

  @Test
  void bindingAPortInUseThrowsIOExceptionNamingTheAddress() throws Exception {
    TcpListener first = started();
    int port = first.localAddress().getPort();
    TcpListener second = listener(b -> b.bind("127.0.0.1", port));

    assertThatThrownBy(() -> second.start(acceptor))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("127.0.0.1:" + port)
        .hasMessageContaining("'test'");
    assertThat(second.localAddress()).isNull();

    // A failed start leaves the listener unstarted: once the port is free it can start.
    first.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    second.start(acceptor);
    assertThat(second.localAddress().getPort()).isEqualTo(port);
  }

  @Test
  void startingTwiceThrows() throws Exception {
    TcpListener listener = started();

    assertThatThrownBy(() -> listener.start(acceptor))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already started");
  }

  @Test
  void stopReleasesThePort() throws Exception {
    TcpListener first = started();
    int port = first.localAddress().getPort();
    connect(first);
    acceptor.next();

    first.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);

    TcpListener again = started(b -> b.bind("127.0.0.1", port));
    assertThat(again.localAddress().getPort()).isEqualTo(port);
    assertThat(first.stop()).isSameAs(first.stop());
    assertThatThrownBy(() -> first.start(acceptor)).isInstanceOf(IllegalStateException.class);
  }
}
