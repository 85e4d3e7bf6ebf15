package io.exproto.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exproto.handler.SocketType;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every {@link TransportListener} must do, whatever its transport: each transport's test
 * module subclasses this once per listener kind and supplies a listener and a client (grpc's
 * {@code AbstractTransportTest}, Netty's {@code testsuite}). Published in exproto-core's test-jar.
 *
 * <p>Every case opens a link the same way: the client connects and sends {@code hello}, since a
 * datagram transport only creates a link when the first datagram (record) arrives.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AbstractTransportConformanceTest {

  protected static final Duration WAIT = Duration.ofSeconds(5);

  private static final byte[] HELLO = ascii("hello");

  /** A device-side client of the transport under test. */
  protected interface TestClient extends AutoCloseable {

    /** Sends {@code bytes} as one write (one datagram, one record). */
    void send(byte[] bytes) throws Exception;

    /**
     * Streams: reads {@code bytes} bytes, fewer only if the stream ends (empty at end of stream;
     * a reset or alert also counts as the end). Datagrams: the next datagram, whatever
     * {@code bytes} is. Fails if nothing arrives within {@code timeout}.
     */
    byte[] receive(int bytes, Duration timeout) throws Exception;

    /** The client's own address, as the listener should report it as the link's remote. */
    InetSocketAddress localAddress();

    @Override
    void close() throws Exception;
  }

  /** A new, unstarted listener bound to 127.0.0.1 and {@code port} (0: any free port). */
  protected abstract TransportListener newListener(int port) throws Exception;

  /** A client connected to (for datagrams: aimed at) {@code address}. */
  protected abstract TestClient connect(InetSocketAddress address) throws Exception;

  protected abstract SocketType expectedSocketType();

  /** The reason reported when the peer closes, or null if the transport cannot detect it. */
  protected abstract String expectedPeerCloseReason();

  /** True for datagram transports: one datagram per {@code onBytes}, no end of stream. */
  protected abstract boolean datagram();

  private final List<TransportListener> listeners = new ArrayList<>();
  private final List<TestClient> clients = new ArrayList<>();
  private final Acceptor acceptor = new Acceptor();

  @AfterEach
  void closeEverything() throws Exception {
    for (TestClient client : clients) {
      client.close();
    }
    clients.clear();
    for (TransportListener listener : listeners) {
      listener.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    listeners.clear();
    acceptor.accepted.clear();
  }

  // ---- the cases

  @Test
  void acceptReportsTheClientsAddressTheBoundAddressAndTheSocketType() throws Exception {
    TransportListener listener = started(0);
    TestClient client = client(listener);
    Recorder link = open(client);

    assertThat(link.link.remoteAddress()).isEqualTo(client.localAddress());
    assertThat(link.link.localAddress()).isEqualTo(listener.localAddress());
    assertThat(link.link.socketType()).isEqualTo(expectedSocketType());
    assertThat(link.link.executor().inExecutorThread()).isFalse(); // the test thread
    assertThat(acceptor.accepted).isEmpty(); // one client, one link
  }

  @Test
  void bytesFromTheDeviceArrive() throws Exception {
    TransportListener listener = started(0);
    TestClient client = client(listener);
    Recorder link = open(client);

    client.send(ascii("one"));
    client.send(ascii("two"));
    client.send(ascii("three"));

    if (datagram()) {
      await().atMost(WAIT).until(() -> link.chunks().size() == 4);
      // One datagram per onBytes, never merged or split; loopback may reorder in theory.
      assertThat(link.chunks()).containsExactlyInAnyOrder("hello", "one", "two", "three");
    } else {
      await().atMost(WAIT).until(() -> link.received().length == "helloonetwothree".length());
      assertThat(link.receivedString()).isEqualTo("helloonetwothree");
    }
    link.drainExecutor();
    assertThat(link.violations()).isEmpty();
  }

  @Test
  void writtenBytesArriveAtTheClient() throws Exception {
    TransportListener listener = started(0);
    TestClient client = client(listener);
    Recorder link = open(client);

    link.link.executor().execute(() -> link.link.write(ascii("from the gateway")));

    assertThat(new String(client.receive(16, WAIT), StandardCharsets.US_ASCII))
        .isEqualTo("from the gateway");
    if (datagram()) { // a second write is a second datagram
      link.link.executor().execute(() -> link.link.write(ascii("again")));
      assertThat(new String(client.receive(5, WAIT), StandardCharsets.US_ASCII))
          .isEqualTo("again");
    }
  }

  @Test
  void peerCloseIsReportedOnceWithTheTransportsReason() throws Exception {
    String expected = expectedPeerCloseReason();
    Assumptions.assumeTrue(expected != null, "this transport cannot detect a peer close");
    TransportListener listener = started(0);
    TestClient client = client(listener);
    Recorder link = open(client);

    client.close();

    await().atMost(WAIT).until(() -> !link.closes().isEmpty());
    link.drainExecutor();
    assertThat(link.closes()).containsExactly(expected);
    assertThat(link.violations()).isEmpty();
  }

  @Test
  void localCloseIsReportedOnceAndEndsTheClientsStream() throws Exception {
    TransportListener listener = started(0);
    TestClient client = client(listener);
    Recorder link = open(client);

    link.link.executor().execute(() -> {
      link.link.close();
      link.link.close(); // idempotent
    });

    await().atMost(WAIT).until(() -> !link.closes().isEmpty());
    link.drainExecutor();
    assertThat(link.closes()).hasSize(1);
    assertThat(link.closes().get(0)).isNotBlank();
    // A later write is dropped, and reports nothing more.
    link.link.executor().execute(() -> link.link.write(ascii("too late")));
    link.drainExecutor();
    assertThat(link.closes()).hasSize(1);
    assertThat(link.violations()).isEmpty();
    Assumptions.assumeFalse(datagram(), "a datagram client sees no end of a link");
    assertThat(client.receive(1, WAIT)).isEmpty();
  }

  @Test
  void everyEventArrivesOnTheLinksExecutor() throws Exception {
    TransportListener listener = started(0);
    TestClient client = client(listener);
    Recorder link = open(client);
    client.send(ascii("more"));
    await().atMost(WAIT).until(() -> link.receivedString().endsWith("more"));

    link.link.executor().execute(link.link::close);
    await().atMost(WAIT).until(() -> !link.closes().isEmpty());
    link.drainExecutor();

    assertThat(link.events()).contains("accept", "onBytes", "onClosed");
    assertThat(link.violations()).isEmpty();
  }

  @Test
  void stopReleasesThePort() throws Exception {
    TransportListener first = started(0);
    int port = first.localAddress().getPort();
    TestClient client = client(first);
    open(client);

    first.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);

    TransportListener again = started(port);
    assertThat(again.localAddress().getPort()).isEqualTo(port);
    // And the new listener works.
    Recorder link = open(client(again));
    assertThat(link.link.localAddress()).isEqualTo(again.localAddress());
  }

  // ---- helpers

  private TransportListener started(int port) throws Exception {
    TransportListener listener = newListener(port);
    listeners.add(listener);
    listener.start(acceptor);
    assertThat(listener.localAddress()).isNotNull();
    assertThat(listener.localAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
    return listener;
  }

  private TestClient client(TransportListener listener) throws Exception {
    TestClient client = connect(listener.localAddress());
    clients.add(client);
    return client;
  }

  /** Sends {@code hello}, takes the link it opened and waits for the bytes. */
  private Recorder open(TestClient client) throws Exception {
    client.send(HELLO);
    Recorder link = acceptor.accepted.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(link).as("a link was accepted within %s", WAIT).isNotNull();
    await().atMost(WAIT).until(() -> link.received().length >= HELLO.length);
    assertThat(link.chunks().get(0)).startsWith("hello");
    return link;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Accepts every link with a new {@link Recorder}. */
  private static final class Acceptor implements LinkAcceptor {
    final BlockingQueue<Recorder> accepted = new LinkedBlockingQueue<>();

    @Override
    public LinkListener accept(Link link) {
      Recorder recorder = new Recorder(link);
      accepted.add(recorder);
      return recorder;
    }
  }

  /**
   * Records one link's events and every breach of the SPI contract: an event off the link's
   * executor, or any event after {@code onClosed}.
   */
  private static final class Recorder implements LinkListener {
    final Link link;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final List<String> chunks = new ArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<String> closes = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();

    Recorder(Link link) {
      this.link = link;
      event("accept");
    }

    @Override
    public void onBytes(byte[] received) {
      event("onBytes");
      if (!closes.isEmpty()) {
        violations.add("onBytes after onClosed");
      }
      synchronized (this) {
        bytes.writeBytes(received);
        chunks.add(new String(received, StandardCharsets.US_ASCII));
      }
    }

    @Override
    public void onClosed(String reason) {
      event("onClosed");
      closes.add(reason);
    }

    private void event(String name) {
      events.add(name);
      if (!link.executor().inExecutorThread()) {
        violations.add(name + " off the link's executor on " + Thread.currentThread().getName());
      }
    }

    synchronized byte[] received() {
      return bytes.toByteArray();
    }

    String receivedString() {
      return new String(received(), StandardCharsets.US_ASCII);
    }

    synchronized List<String> chunks() {
      return List.copyOf(chunks);
    }

    List<String> events() {
      return List.copyOf(events);
    }

    List<String> closes() {
      return List.copyOf(closes);
    }

    List<String> violations() {
      return List.copyOf(violations);
    }

    /** Waits until everything the link's executor had queued has run. */
    void drainExecutor() throws InterruptedException {
      CountDownLatch done = new CountDownLatch(1);
      link.executor().execute(done::countDown);
      assertThat(done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("executor drained")
          .isTrue();
    }
  }
}
