package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.exproto.gateway.Gateway;
import io.exproto.tls.TlsSettings;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import io.netty.channel.epoll.Epoll;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code send_timeout}, docs/configuration.md (with close) and the cap on queued outbound bytes, end to end over
 * real sockets on 127.0.0.1: the handler pushes subscription deliveries to a device through the
 * gateway; kernel buffers are pinned small on both ends so that the bytes queue in Netty.
 */
class SendTimeoutTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration SEND_TIMEOUT = Duration.ofMillis(300);
  private static final int CHUNK = 16 << 10;
  /** SO_SNDBUF of accepted sockets and SO_RCVBUF of devices: the kernel holds little. */
  private static final int SMALL_BUFFER = 4096;
  private static final String TOPIC = "push/dev";

  private Gateway gateway;
  private TcpListener listener;
  private NettyTransport transport;
  private PushHandler handler;
  private final List<Socket> devices = new ArrayList<>();

  @AfterEach
  void closeEverything() throws Exception {
    for (Socket d : devices) {
      d.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (transport != null) {
      transport.close();
    }
  }

  /** Sends every delivered payload to the subscriber's device, as a handler relaying would. */
  static final class PushHandler implements ConnectionHandler {
    private final ConnectionAdapter adapter;
    final Map<InetSocketAddress, String> connsByPeer = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<String>> closes = new ConcurrentHashMap<>();

    PushHandler(ConnectionAdapter adapter) {
      this.adapter = adapter;
    }

    CompletableFuture<String> closed(String conn) {
      return closes.computeIfAbsent(conn, c -> new CompletableFuture<>());
    }

    @Override
    public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
      connsByPeer.put(connInfo.peer(), conn);
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
      for (Message m : messages) {
        adapter.send(conn, m.payload());
      }
      return DONE;
    }

    @Override
    public CompletionStage<Void> onSocketClosed(String conn, String reason) {
      closed(conn).complete(reason);
      return DONE;
    }
  }

  private void start(String io, UnaryOperator<TcpListener.Builder> settings) throws Exception {
    if (io.equals("epoll")) {
      assumeThat(Epoll.isAvailable()).as("native epoll is available").isTrue();
      transport = NettyTransport.create(2);
    } else {
      transport = NettyTransport.createNio(2);
    }
    listener = settings.apply(TcpListener.builder()
            .name("tcp")
            .bind("127.0.0.1", 0)
            .transport(transport)
            .sendBuffer(SMALL_BUFFER))
        .build();
    gateway = Gateway.builder()
        .listener(listener)
        .handler(adapter -> handler = new PushHandler(adapter))
        .build()
        .start();
  }

  /** A device with a small receive buffer (set before connecting, so the window stays small). */
  private Socket device() throws Exception {
    Socket s = new Socket();
    devices.add(s);
    s.setReceiveBufferSize(SMALL_BUFFER);
    s.connect(listener.localAddress(), 5000);
    s.setSoTimeout(5000);
    return s;
  }

  /** Waits for the device's connection, authenticates it and subscribes it to {@link #TOPIC}. */
  private String subscribed(Socket device) throws Exception {
    InetSocketAddress peer = (InetSocketAddress) device.getLocalSocketAddress();
    await().atMost(WAIT).until(() -> handler.connsByPeer.containsKey(peer));
    String conn = handler.connsByPeer.get(peer);
    ConnectionAdapter adapter = gateway.adapter();
    assertThat(get(adapter.authenticate(conn, ClientInfo.of("dev-" + peer.getPort(), "u"), "pw"))
        .isSuccess()).isTrue();
    assertThat(get(adapter.subscribe(conn, TOPIC, 0)).isSuccess()).isTrue();
    return conn;
  }

  /** Publishes {@code chunks} payloads of {@link #CHUNK} bytes, payload i filled with byte i. */
  private void push(int chunks) throws Exception {
    ConnectionAdapter adapter = gateway.adapter();
    for (int i = 0; i < chunks; i++) {
      byte[] payload = new byte[CHUNK];
      Arrays.fill(payload, (byte) i);
      assertThat(get(adapter.rawPublish(TOPIC, 0, payload)).isSuccess()).isTrue();
    }
  }

  private static AdapterResult get(CompletionStage<AdapterResult> stage) throws Exception {
    return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private void assertAllClosed() {
    await().atMost(WAIT).until(() -> gateway.stats().connections() == 0);
    await().atMost(WAIT).until(() -> listener.openConnections() == 0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aDeviceThatStopsReadingIsClosedWithSendTimeout(String io) throws Exception {
    start(io, b -> b.sendTimeout(SEND_TIMEOUT));
    Socket device = device();
    String conn = subscribed(device);

    push(64); // 1 MiB: far more than the kernel buffers and the high-water mark; under the cap

    assertThat(handler.closed(conn).get(5, TimeUnit.SECONDS)).isEqualTo("{shutdown,send_timeout}");
    assertThat(listener.sendTimeouts()).isEqualTo(1);
    assertThat(listener.sendBufferOverflows()).isZero();
    assertAllClosed();
    // The device sees the close once it reads past what the kernel had taken for it.
    InputStream in = device.getInputStream();
    byte[] buf = new byte[CHUNK];
    long read = 0;
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        read += n;
      }
    } catch (java.net.SocketException reset) {
      // a reset is as good as an end of stream here
    }
    assertThat(read).isLessThan(64L * CHUNK);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aDeviceThatReadsSlowlyButSteadilyIsNotClosed(String io) throws Exception {
    start(io, b -> b.sendTimeout(SEND_TIMEOUT));
    Socket device = device();
    String conn = subscribed(device);
    int chunks = 32; // 512 KiB

    push(chunks);
    // At most 4 KiB every 10 ms, so draining takes at least 1.28 s: several send timeouts in
    // which the bytes queued in Netty stay above the low-water mark (the channel not writable).
    InputStream in = device.getInputStream();
    byte[] all = new byte[chunks * CHUNK];
    int read = 0;
    while (read < all.length) {
      int n = in.read(all, read, Math.min(4096, all.length - read));
      assertThat(n).as("end of stream after %d bytes", read).isPositive();
      read += n;
      Thread.sleep(10);
    }
    for (int i = 0; i < all.length; i++) {
      if (all[i] != (byte) (i / CHUNK)) {
        throw new AssertionError("byte " + i + " is " + all[i]);
      }
    }

    // Still open and answering.
    assertThat(get(gateway.adapter().send(conn, "ok".getBytes(StandardCharsets.UTF_8)))
        .isSuccess()).isTrue();
    assertThat(in.readNBytes(2)).isEqualTo("ok".getBytes(StandardCharsets.UTF_8));
    assertThat(handler.closed(conn)).isNotDone();
    assertThat(listener.sendTimeouts()).isZero();
    assertThat(listener.sendBufferOverflows()).isZero();
    assertThat(gateway.stats().connections()).isEqualTo(1);
  }

  @Test
  void aWriteBeyondTheCapClosesWithSendBufferOverflowEvenWithSendTimeoutOff() throws Exception {
    start("nio", b -> b.sendTimeout(Duration.ZERO).maxPendingOutboundBytes(128 << 10));
    Socket device = device();
    String conn = subscribed(device);

    push(64); // 1 MiB into a device that never reads: the queue passes 128 KiB

    assertThat(handler.closed(conn).get(5, TimeUnit.SECONDS))
        .isEqualTo("{shutdown,send_buffer_overflow}");
    assertThat(listener.sendBufferOverflows()).isEqualTo(1);
    assertThat(listener.sendTimeouts()).isZero();
    assertAllClosed();
  }

  @Test
  void aTlsDeviceThatStopsReadingIsClosedWithSendTimeout() throws Exception {
    SelfSignedCertificate cert = new SelfSignedCertificate("localhost", "EC", 256);
    try {
      start("nio", b -> b.sendTimeout(SEND_TIMEOUT).tls(TlsSettings.server()
          .certificate(cert.certificate().toPath(), cert.privateKey().toPath()).build()));
      SSLContext client = SSLContext.getInstance("TLS");
      client.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
      SSLSocket device = (SSLSocket) client.getSocketFactory().createSocket();
      devices.add(device);
      device.setReceiveBufferSize(SMALL_BUFFER);
      device.connect(listener.localAddress(), 5000);
      device.setSoTimeout(5000);
      device.startHandshake();
      String conn = subscribed(device);

      push(64);

      // Closed at once, not after a TLS close_notify that the device would never read.
      assertThat(handler.closed(conn).get(5, TimeUnit.SECONDS))
          .isEqualTo("{shutdown,send_timeout}");
      assertThat(listener.sendTimeouts()).isEqualTo(1);
      assertAllClosed();
    } finally {
      cert.delete();
    }
  }

}
