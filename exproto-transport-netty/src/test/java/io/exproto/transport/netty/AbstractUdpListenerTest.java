package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.exproto.handler.SocketType;
import io.exproto.transport.AccessRules;
import io.exproto.transport.LinkListener;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every UDP listener does over real datagram sockets on 127.0.0.1, run once per I/O type by
 * the subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractUdpListenerTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  private NettyTransport transport;
  private final List<UdpListener> listeners = new ArrayList<>();
  private final List<DatagramSocket> sockets = new ArrayList<>();
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
    for (DatagramSocket socket : sockets) {
      socket.close();
    }
    for (UdpListener listener : listeners) {
      listener.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private UdpListener listener(UnaryOperator<UdpListener.Builder> settings) {
    UdpListener listener = settings.apply(UdpListener.builder()
            .name("test")
            .bind("127.0.0.1", 0)
            .transport(transport))
        .build();
    listeners.add(listener);
    return listener;
  }

  private UdpListener started(UnaryOperator<UdpListener.Builder> settings) throws IOException {
    UdpListener listener = listener(settings);
    listener.start(acceptor);
    return listener;
  }

  private UdpListener started() throws IOException {
    return started(b -> b);
  }

  /** A client socket on 127.0.0.1 with a 5 s receive timeout. */
  private DatagramSocket client() throws IOException {
    DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    socket.setSoTimeout(5000);
    sockets.add(socket);
    return socket;
  }

  private static void send(DatagramSocket from, UdpListener to, byte[] bytes) throws IOException {
    from.send(new DatagramPacket(bytes, bytes.length, to.localAddress()));
  }

  private static void send(DatagramSocket from, UdpListener to, String text) throws IOException {
    send(from, to, utf8(text));
  }

  /** The next datagram, waiting at most the socket's timeout. */
  private static String receive(DatagramSocket socket) throws IOException {
    DatagramPacket packet = new DatagramPacket(new byte[65536], 65536);
    socket.receive(packet);
    return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
  }

  private static InetSocketAddress address(DatagramSocket socket) {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void deniedPeersAndPeersBeyondTheRateAreDroppedAndCounted() throws Exception {
    UdpListener listener = started(b -> b.accessRules(AccessRules.parse(List.of("deny 127.0.0.1")))
        .maxConnRate(1));
    DatagramSocket denied = client();
    send(denied, listener, "let me in");
    send(denied, listener, "again");
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> listener.deniedConnections() == 2);
    assertThat(acceptor.pending()).isZero();
    assertThat(listener.openConnections()).isZero();

    UdpListener limited = started(b -> b.maxConnRate(1));
    send(client(), limited, "first");
    acceptor.next();
    // The bucket holds one token a second: the next new peers within that second are dropped.
    for (int i = 0; i < 3; i++) {
      send(client(), limited, "more");
    }
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> limited.rateLimitedConnections() + limited.openConnections() == 4);
    assertThat(limited.rateLimitedConnections()).isGreaterThanOrEqualTo(2);
    assertThat(limited.deniedConnections()).isZero();
  }

  @Test
  void startBindsAndReportsTheRealPort() throws IOException {
    UdpListener listener = started();

    assertThat(listener.kind()).isEqualTo("udp");
    assertThat(listener.localAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
    assertThat(listener.localAddress().getPort()).isPositive();
    assertThat(listener.toString()).contains("udp listener 'test'", "127.0.0.1:");
  }

  @Test
  void eachDatagramIsOneOnBytesOfOnePeerLink() throws Exception {
    UdpListener listener = started();
    DatagramSocket client = client();

    send(client, listener, "hello");
    RecordingListener link = acceptor.next();
    send(client, listener, "datagram");
    send(client, listener, "");

    await().atMost(WAIT).until(() -> link.readSizes().size() == 3);
    assertThat(link.readSizes()).containsExactly(5, 8, 0);
    assertThat(link.receivedString()).isEqualTo("hellodatagram");
    assertThat(acceptor.pending()).isZero();
    assertThat(link.link.socketType()).isEqualTo(SocketType.UDP);
    assertThat(link.link.remoteAddress()).isEqualTo(address(client));
    assertThat(link.link.localAddress()).isEqualTo(listener.localAddress());
    assertThat(link.link.peerCertificate()).isNull();
    assertThat(link.link.listenerName()).isEqualTo("test");
    assertThat(link.link.executor().inExecutorThread()).isFalse();
    assertThat(link.violations()).isEmpty();
    assertThat(listener.openConnections()).isEqualTo(1);
  }

  @Test
  void aLargeDatagramArrivesWhole() throws Exception {
    UdpListener listener = started();
    DatagramSocket client = client();
    byte[] big = new byte[60_000];
    new Random(7).nextBytes(big);

    send(client, listener, big);

    RecordingListener link = acceptor.next();
    await().atMost(WAIT).until(() -> link.readSizes().size() == 1);
    assertThat(link.received()).isEqualTo(big);
  }

  @Test
  void twoPeersAreTwoConnectionsWithTheirOwnAddressesAndBytes() throws Exception {
    UdpListener listener = started();
    DatagramSocket a = client();
    DatagramSocket b = client();

    send(a, listener, "from a");
    RecordingListener linkA = acceptor.next();
    send(b, listener, "from b");
    RecordingListener linkB = acceptor.next();
    send(a, listener, " again");

    await().atMost(WAIT).until(() -> linkA.receivedString().equals("from a again"));
    assertThat(linkB.receivedString()).isEqualTo("from b");
    assertThat(linkA.link.remoteAddress()).isEqualTo(address(a));
    assertThat(linkB.link.remoteAddress()).isEqualTo(address(b));
    assertThat(linkA.link.executor()).isSameAs(linkB.link.executor()); // one socket, one loop
    assertThat(listener.openConnections()).isEqualTo(2);
  }

  @Test
  void writeSendsExactlyOneDatagramToThatPeer() throws Exception {
    UdpListener listener = started();
    DatagramSocket a = client();
    DatagramSocket b = client();
    send(a, listener, "a");
    RecordingListener linkA = acceptor.next();
    send(b, listener, "b");
    RecordingListener linkB = acceptor.next();

    linkA.link.executor().execute(() -> {
      linkA.link.write(utf8("first"));
      linkA.link.write(utf8("second"));
    });
    linkB.link.write(utf8("for b")); // off the event loop: Netty hands it over

    assertThat(receive(a)).isEqualTo("first");
    assertThat(receive(a)).isEqualTo("second");
    assertThat(receive(b)).isEqualTo("for b");
  }

  @Test
  void localCloseReportsOnceAndTheNextDatagramIsANewConnection() throws Exception {
    UdpListener listener = started();
    DatagramSocket client = client();
    send(client, listener, "one");
    RecordingListener first = acceptor.next();
    List<String> closesSeenInsideClose = new CopyOnWriteArrayList<>();

    first.link.executor().execute(() -> {
      first.link.close();
      first.link.close(); // idempotent
      // Reported on a later turn of the loop, never from inside close (the engine calls close
      // from inside its own close).
      closesSeenInsideClose.addAll(first.closes());
      first.link.write(utf8("too late")); // dropped
    });

    await().atMost(WAIT).until(() -> !first.closes().isEmpty());
    first.drainExecutor();
    assertThat(closesSeenInsideClose).isEmpty();
    assertThat(first.closes()).containsExactly("udp_closed");
    assertThat(listener.openConnections()).isZero();

    send(client, listener, "two");
    RecordingListener second = acceptor.next();
    await().atMost(WAIT).until(() -> second.receivedString().equals("two"));
    second.link.write(utf8("fresh"));
    assertThat(receive(client)).isEqualTo("fresh"); // "too late" was never sent
    assertThat(second.link).isNotSameAs(first.link);
    assertThat(second.link.remoteAddress()).isEqualTo(address(client));
    first.drainExecutor();
    assertThat(first.receivedString()).isEqualTo("one");
    assertThat(first.closes()).containsExactly("udp_closed");
    assertThat(first.violations()).isEmpty();
    assertThat(second.violations()).isEmpty();
  }

  @Test
  void aLinkClosedWhileBeingAcceptedGetsNoBytesAndOneClose() throws Exception {
    List<RecordingListener> accepted = new CopyOnWriteArrayList<>();
    UdpListener listener = listener(b -> b);
    // Like the gateway while it stops: close the link from inside accept.
    listener.start(link -> {
      RecordingListener l = new RecordingListener(link);
      accepted.add(l);
      link.close();
      return l;
    });
    DatagramSocket client = client();

    send(client, listener, "hello");

    await().atMost(WAIT).until(() -> accepted.size() == 1 && !accepted.get(0).closes().isEmpty());
    RecordingListener link = accepted.get(0);
    link.drainExecutor();
    assertThat(link.closes()).containsExactly("udp_closed");
    assertThat(link.readSizes()).isEmpty();
    assertThat(link.violations()).isEmpty();
    assertThat(listener.openConnections()).isZero();
  }

  @Test
  void aNullListenerFromAcceptDropsTheDatagram() throws Exception {
    List<String> accepted = new CopyOnWriteArrayList<>();
    UdpListener listener = listener(b -> b);
    listener.start(link -> {
      accepted.add(link.remoteAddress().toString());
      return accepted.size() == 1 ? null : new LinkListener() {
        @Override
        public void onBytes(byte[] bytes) {
          accepted.add(new String(bytes, StandardCharsets.UTF_8));
        }

        @Override
        public void onClosed(String reason) {}
      };
    });
    DatagramSocket client = client();

    send(client, listener, "dropped");
    await().atMost(WAIT).until(() -> accepted.size() == 1);
    send(client, listener, "kept");

    await().atMost(WAIT).until(() -> accepted.size() == 3);
    assertThat(accepted.get(2)).isEqualTo("kept");
    assertThat(listener.openConnections()).isEqualTo(1);
  }

  @Test
  void datagramsFromPeersBeyondMaxConnectionsAreDroppedAndCounted() throws Exception {
    UdpListener listener = started(b -> b.maxConnections(1));
    DatagramSocket a = client();
    DatagramSocket b = client();
    send(a, listener, "a");
    RecordingListener linkA = acceptor.next();

    send(b, listener, "b1");
    send(b, listener, "b2");

    await().atMost(WAIT).until(() -> listener.refusedConnections() == 2);
    assertThat(acceptor.pending()).isZero();
    assertThat(listener.openConnections()).isEqualTo(1);
    send(a, listener, "a again"); // the open peer is unaffected
    await().atMost(WAIT).until(() -> linkA.receivedString().equals("aa again"));

    linkA.link.close();
    await().atMost(WAIT).until(() -> listener.openConnections() == 0);
    send(b, listener, "b3");
    RecordingListener linkB = acceptor.next();
    await().atMost(WAIT).until(() -> linkB.receivedString().equals("b3"));
    assertThat(listener.refusedConnections()).isEqualTo(2);
  }

  @Test
  void healthCheckIsAnsweredWithoutCreatingAConnection() throws Exception {
    UdpListener listener = started(b -> b.healthCheck(utf8("ping"), utf8("pong")));
    DatagramSocket client = client();

    send(client, listener, "ping");

    assertThat(receive(client)).isEqualTo("pong");
    assertThat(acceptor.pending()).isZero();
    assertThat(listener.openConnections()).isZero();
    assertThat(listener.hasHealthCheck()).isTrue();

    // A peer with a connection is answered too, and its connection never sees the request.
    send(client, listener, "hello");
    RecordingListener link = acceptor.next();
    send(client, listener, "ping");
    assertThat(receive(client)).isEqualTo("pong");
    send(client, listener, "pingpong"); // not equal to the request: ordinary bytes
    await().atMost(WAIT).until(() -> link.readSizes().size() == 2);
    assertThat(link.receivedString()).isEqualTo("hellopingpong");
    assertThat(acceptor.pending()).isZero();
  }

  @Test
  void healthCheckFromADeniedAddressIsDroppedAndCounted() throws Exception {
    UdpListener listener = started(b -> b.healthCheck(utf8("ping"), utf8("pong"))
        .accessRules(AccessRules.parse(List.of("deny 127.0.0.1"))));
    DatagramSocket client = client();
    client.setSoTimeout(300);

    send(client, listener, "ping");

    assertThatThrownBy(() -> receive(client)).isInstanceOf(SocketTimeoutException.class);
    assertThat(listener.deniedConnections()).isEqualTo(1);
    assertThat(acceptor.pending()).isZero();
    assertThat(listener.openConnections()).isZero();
  }

  @Test
  void pausedReadsDropThePeersDatagramsAndCountThem() throws Exception {
    UdpListener listener = started();
    DatagramSocket a = client();
    DatagramSocket b = client();
    send(a, listener, "first");
    RecordingListener linkA = acceptor.next();
    send(b, listener, "b");
    RecordingListener linkB = acceptor.next();
    // Takes effect at once, from any thread (the engine calls it on the loop, inside onBytes).
    linkA.link.setReadPaused(true);

    send(a, listener, "lost 1");
    send(a, listener, "lost 2");
    send(b, listener, "b kept"); // another peer is not paused

    await().atMost(WAIT).until(() -> listener.droppedWhilePaused() == 2);
    await().atMost(WAIT).until(() -> linkB.receivedString().equals("bb kept"));
    linkA.link.setReadPaused(false);
    send(a, listener, " then");
    await().atMost(WAIT).until(() -> linkA.receivedString().equals("first then"));
    assertThat(listener.droppedWhilePaused()).isEqualTo(2);
    assertThat(linkA.closes()).isEmpty();
  }

  @Test
  void bindingAPortInUseThrowsIOExceptionNamingTheAddress() throws Exception {
    DatagramSocket squatter = client();
    int port = squatter.getLocalPort();
    UdpListener listener = listener(b -> b.bind("127.0.0.1", port));

    assertThatThrownBy(() -> listener.start(acceptor))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("127.0.0.1:" + port)
        .hasMessageContaining("udp listener 'test'");
    assertThat(listener.localAddress()).isNull();

    // A failed start leaves the listener unstarted: once the port is free it can start.
    squatter.close();
    listener.start(acceptor);
    assertThat(listener.localAddress().getPort()).isEqualTo(port);
  }

  @Test
  void twoListenersCannotShareAPortByDefault() throws Exception {
    UdpListener first = started();
    int port = first.localAddress().getPort();
    UdpListener second = listener(b -> b.bind("127.0.0.1", port));

    assertThatThrownBy(() -> second.start(acceptor))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("127.0.0.1:" + port);
  }

  @Test
  void startingTwiceThrows() throws Exception {
    UdpListener listener = started();

    assertThatThrownBy(() -> listener.start(acceptor))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("udp listener 'test' was already started");
  }

  @Test
  void stopClosesOpenLinksOnceAndReleasesThePort() throws Exception {
    UdpListener first = started();
    int port = first.localAddress().getPort();
    DatagramSocket a = client();
    DatagramSocket b = client();
    send(a, first, "a");
    RecordingListener linkA = acceptor.next();
    send(b, first, "b");
    RecordingListener linkB = acceptor.next();
    linkB.link.close(); // already closed: reported once, not again by stop

    await().atMost(WAIT).until(() -> !linkB.closes().isEmpty());
    first.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(linkA.closes()).containsExactly("udp_closed");
    assertThat(linkB.closes()).containsExactly("udp_closed");
    assertThat(first.openConnections()).isZero();
    assertThat(linkA.violations()).isEmpty();
    linkA.link.close(); // harmless after stop
    linkA.link.write(utf8("dropped"));

    UdpListener again = started(s -> s.bind("127.0.0.1", port));
    assertThat(again.localAddress().getPort()).isEqualTo(port);
    assertThat(first.stop()).isSameAs(first.stop());
    assertThatThrownBy(() -> first.start(acceptor))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stopped");
    linkA.drainExecutor();
    assertThat(linkA.closes()).containsExactly("udp_closed");
  }
}
