package io.exproto.transport.netty;

import io.exproto.transport.AccessRules;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a TCP listener does before and around the link, over real sockets on 127.0.0.1: framing,
 * access rules, the accept rate. Run once per I/O type by the subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractTcpListenerGatingAndFramingTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  private NettyTransport transport;
  private final List<TcpListener> listeners = new ArrayList<>();
  private final List<Socket> clients = new ArrayList<>();
  private RecordingAcceptor acceptor;

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

  @BeforeEach
  void newAcceptor() {
    acceptor = new RecordingAcceptor(); // pending() counts this test's links only
  }

  @AfterEach
  void closeEverything() throws Exception {
    for (Socket client : clients) {
      client.close();
    }
    clients.clear();
    for (TcpListener listener : listeners) {
      await().atMost(WAIT).until(() -> listener.openConnections() == 0); // nothing leaks
      listener.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    listeners.clear();
  }

  private TcpListener started(UnaryOperator<TcpListener.Builder> settings) throws IOException {
    TcpListener listener = settings.apply(TcpListener.builder()
            .name("test")
            .bind("127.0.0.1", 0)
            .transport(transport))
        .build();
    listeners.add(listener);
    listener.start(acceptor);
    return listener;
  }

  private Socket connect(TcpListener listener) throws IOException {
    Socket client = new Socket();
    clients.add(client);
    client.setTcpNoDelay(true); // so that separate writes leave as separate segments
    client.connect(listener.localAddress(), 5000);
    client.setSoTimeout(5000);
    return client;
  }

  private static byte[] latin1(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** What each {@code onBytes} carried, in order. */
  private static List<String> frames(RecordingListener link) {
    String all = new String(link.received(), StandardCharsets.ISO_8859_1);
    List<String> frames = new ArrayList<>();
    int offset = 0;
    for (int size : link.readSizes()) {
      frames.add(all.substring(offset, offset + size));
      offset += size;
    }
    return frames;
  }

  /** -1 for an orderly close; a reset (closed by the server with bytes unread) too. */
  private static int readOrReset(Socket socket) throws IOException {
    try {
      return socket.getInputStream().read();
    } catch (SocketException reset) {
      assertThat(reset.getMessage()).contains("reset");
      return -1;
    }
  }

  // ---- framing

  /** A framing, and the frames "alpha", "beta" and "gamma" encoded for it. */
  static Stream<Arguments> framings() {
    return Stream.of(
        Arguments.of(Framing.line(64), List.of("alpha\n", "beta\r\n", "gamma\n")),
        Arguments.of(Framing.delimiter(latin1("\r\n\r\n"), 64),
            List.of("alpha\r\n\r\n", "beta\r\n\r\n", "gamma\r\n\r\n")),
        Arguments.of(Framing.lengthField(0, 2, 0, 2, 66),
            List.of("\0\5alpha", "\0\4beta", "\0\5gamma")),
        Arguments.of(Framing.fixedLength(5), List.of("alpha", "beta!", "gamma")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("framings")
  void stickyAndSplitPacketsArriveAsWholeFrames(Framing framing, List<String> encoded)
      throws Exception {
    TcpListener listener = started(b -> b.framing(framing));
    Socket client = connect(listener);
    RecordingListener link = acceptor.next();
    OutputStream out = client.getOutputStream();

    out.write(latin1(encoded.get(0) + encoded.get(1))); // sticky: two frames in one write
    out.flush();
    await().atMost(WAIT).until(() -> link.readSizes().size() == 2);
    byte[] third = latin1(encoded.get(2));
    for (int[] piece : new int[][] {{0, 1}, {1, 3}, {3, third.length}}) { // split: three writes
      out.write(third, piece[0], piece[1] - piece[0]);
      out.flush();
    }

    await().atMost(WAIT).until(() -> link.readSizes().size() == 3);
    link.drainExecutor();
    String beta = framing.kind() == Framing.Kind.FIXED_LENGTH ? "beta!" : "beta";
    assertThat(frames(link)).containsExactly("alpha", beta, "gamma");
    assertThat(link.closes()).isEmpty();
    assertThat(link.violations()).isEmpty();
  }

  @Test
  void aFrameOverTheLimitClosesTheConnectionWithFrameTooLongOnce() throws Exception {
    TcpListener listener = started(b -> b.framing(Framing.line(8)));
    Socket client = connect(listener);
    RecordingListener link = acceptor.next();
    OutputStream out = client.getOutputStream();

    out.write(latin1("fits\n0123456789"));
    out.flush();

    assertThat(readOrReset(client)).isEqualTo(-1);
    await().atMost(WAIT).until(() -> !link.closes().isEmpty());
    link.drainExecutor();
    assertThat(frames(link)).containsExactly("fits");
    assertThat(link.closes()).containsExactly("frame_too_long");
    assertThat(link.violations()).isEmpty();
    assertThat(listener.framesTooLong()).isEqualTo(1);
    await().atMost(WAIT).until(() -> listener.openConnections() == 0);
  }

  @Test
  void sendsAreNotFramed() throws Exception {
    TcpListener listener = started(b -> b.framing(Framing.line(8)));
    Socket client = connect(listener);
    RecordingListener link = acceptor.next();

    link.link.write(latin1("no newline, and longer than 8"));

    assertThat(new String(client.getInputStream().readNBytes(29), StandardCharsets.ISO_8859_1))
        .isEqualTo("no newline, and longer than 8");
  }

  // ---- access rules

  @Test
  void aDeniedClientIsClosedWithoutBeingAcceptedAndCounted() throws Exception {
    TcpListener listener = started(b -> b.accessRules(
        AccessRules.parse(List.of("allow 10.0.0.1", "deny 127.0.0.0/8", "allow all"))));

    Socket client = connect(listener);

    assertThat(readOrReset(client)).isEqualTo(-1);
    await().atMost(WAIT).until(() -> listener.deniedConnections() == 1);
    assertThat(acceptor.pending()).isZero();
    assertThat(listener.openConnections()).isZero();
    assertThat(listener.rateLimitedConnections()).isZero();
  }

  @Test
  void anAllowedClientIsAccepted() throws Exception {
    TcpListener listener = started(b -> b.accessRules(
        AccessRules.parse(List.of("allow 127.0.0.1", "deny all"))));

    connect(listener);

    acceptor.next();
    assertThat(listener.deniedConnections()).isZero();
    assertThat(listener.openConnections()).isEqualTo(1);
  }

  // ---- accept rate

  @Test
  void threeTimesTheRateAtOnceIsAllAdmittedAtTheRateNoneRefused() throws Exception {
    TcpListener listener = started(b -> b.maxConnRate(10));
    List<Socket> opened = new ArrayList<>();
    long start = System.nanoTime();

    for (int i = 0; i < 30; i++) {
      opened.add(connect(listener));
    }

    // A burst of 10 at once, then one every 100 ms: all 30 in after about 2 s; the rest wait in
    // the backlog meanwhile instead of being closed.
    await().atMost(Duration.ofSeconds(4)).until(() -> acceptor.pending() == 30);
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertThat(tookMillis).as("admitted at the rate, not at once").isGreaterThan(1_500);
    assertThat(listener.openConnections()).isEqualTo(30);
    assertThat(listener.rateLimitedConnections()).isPositive();
    assertThat(listener.deniedConnections()).isZero();
    assertThat(listener.refusedConnections()).isZero();
    for (Socket client : opened) {
      client.setSoTimeout(50);
      try {
        assertThat(client.getInputStream().read()).as("still connected").isNotEqualTo(-1);
      } catch (java.net.SocketTimeoutException stillOpen) {
        // nothing to read and not closed: as expected
      }
      client.close();
    }
    await().atMost(WAIT).until(() -> listener.openConnections() == 0);
  }
}
