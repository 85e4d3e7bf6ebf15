package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.exproto.gateway.Gateway;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Gateway#addListener}, {@link Gateway#removeListener} and {@link Gateway#updateListener}
 * with real TCP listeners and sockets on 127.0.0.1: only the removed listener's devices are closed,
 * its port is free as soon as the removal returns (so a listener can be added on it again at
 * once), and the other listener's devices keep exchanging bytes throughout. Run with listeners
 * that own their transport (the default) and with a shared one, on NIO and on epoll.
 */
class LiveTcpListenersTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String LISTENER_STOPPED = "{shutdown,listener_stopped}";

  private NettyTransport shared; // null: each listener creates its own
  private Gateway gateway;
  private EchoHandler handler;
  private final List<Socket> devices = new ArrayList<>();
  private final AtomicInteger pings = new AtomicInteger();

  @AfterEach
  void closeEverything() throws Exception {
    for (Socket d : devices) {
      d.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (shared != null) {
      shared.close();
    }
  }

  /** Echoes every read back to its device; records connections and their close reasons. */
  static final class EchoHandler implements ConnectionHandler {
    private final ConnectionAdapter adapter;
    final Map<InetSocketAddress, String> connsByPeer = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<String>> closes = new ConcurrentHashMap<>();

    EchoHandler(ConnectionAdapter adapter) {
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
      adapter.send(conn, bytes);
      return DONE;
    }

    @Override
    public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onSocketClosed(String conn, String reason) {
      closed(conn).complete(reason);
      return DONE;
    }
  }

  /** A connected device and the gateway's conn for it. */
  private record Device(Socket socket, String conn) {}

  private void useTransport(String mode) {
    switch (mode) {
      case "own" -> shared = null;
      case "shared-nio" -> shared = NettyTransport.createNio(2);
      case "shared-epoll" -> {
        assumeThat(Epoll.isAvailable()).as("native epoll is available").isTrue();
        shared = NettyTransport.create(2);
      }
      default -> throw new IllegalArgumentException(mode);
    }
  }

  private TcpListener.Builder tcp(String name, int port) {
    TcpListener.Builder b = TcpListener.builder().name(name).bind("127.0.0.1", port);
    return shared == null ? b : b.transport(shared);
  }

  private void startGateway(TcpListener... listeners) throws IOException {
    var builder = Gateway.builder().handler(adapter -> handler = new EchoHandler(adapter));
    for (TcpListener l : listeners) {
      builder.listener(l);
    }
    gateway = builder.build().start();
  }

  private int port(String listener) {
    return gateway.listenerAddresses().get(listener).getPort();
  }

  private Device connect(String listener) throws Exception {
    return connect(gateway.listenerAddresses().get(listener));
  }

  private Device connect(InetSocketAddress address) throws Exception {
    Socket s = new Socket();
    devices.add(s);
    s.connect(address, 5000);
    s.setSoTimeout(5000);
    InetSocketAddress peer = (InetSocketAddress) s.getLocalSocketAddress();
    await().atMost(WAIT).until(() -> handler.connsByPeer.containsKey(peer));
    Device d = new Device(s, handler.connsByPeer.get(peer));
    assertEchoes(d);
    return d;
  }

  /** The device sends bytes and gets them back through the handler. */
  private void assertEchoes(Device d) throws IOException {
    byte[] ping = ("ping-" + pings.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
    d.socket.getOutputStream().write(ping);
    d.socket.getOutputStream().flush();
    assertThat(d.socket.getInputStream().readNBytes(ping.length)).isEqualTo(ping);
    assertThat(handler.closed(d.conn)).isNotDone();
  }

  /** The gateway closed the device's connection for its listener, and the device saw it. */
  private void assertClosedByListenerStop(Device d) throws Exception {
    assertThat(handler.closed(d.conn).get(5, TimeUnit.SECONDS)).isEqualTo(LISTENER_STOPPED);
    int read;
    try {
      read = d.socket.getInputStream().read();
    } catch (SocketException reset) {
      read = -1;
    }
    assertThat(read).as("end of stream at the device").isEqualTo(-1);
  }

  private static void assertNothingListensOn(int port) {
    assertThatThrownBy(() -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      }
    }).as("port %d is free", port).isInstanceOf(ConnectException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"own", "shared-nio", "shared-epoll"})
  void removingAListenerClosesOnlyItsDevicesAndItsPortCanBeReusedAtOnce(String mode)
      throws Exception {
    useTransport(mode);
    startGateway(tcp("a", 0).build(), tcp("b", 0).build());
    Device a1 = connect("a");
    Device a2 = connect("a");
    Device b1 = connect("b");
    Device b2 = connect("b");
    int portB = port("b");

    assertThat(gateway.removeListener("b")).isTrue();

    assertClosedByListenerStop(b1);
    assertClosedByListenerStop(b2);
    assertThat(gateway.listenerAddresses()).containsOnlyKeys("a");
    assertNothingListensOn(portB); // released by the time removeListener returned
    assertEchoes(a1);
    assertEchoes(a2);
    assertThat(gateway.stats().connections()).isEqualTo(2);

    // A listener on the very same port, at once.
    TcpListener again = tcp("b", portB).build();
    gateway.addListener(again);
    assertThat(port("b")).isEqualTo(portB);
    Device b3 = connect("b");
    Device b4 = connect("b");
    assertEchoes(a1);
    assertEchoes(b3);
    assertThat(again.openConnections()).isEqualTo(2);
    assertThat(gateway.stats().connections()).isEqualTo(4);

    // And once more: remove and re-add in a row, devices of "a" never disturbed.
    assertThat(gateway.removeListener("b")).isTrue();
    assertClosedByListenerStop(b3);
    assertClosedByListenerStop(b4);
    gateway.addListener(tcp("b", portB).build());
    assertEchoes(connect("b"));
    assertEchoes(a1);
    assertEchoes(a2);
    assertThat(handler.closed(a1.conn)).isNotDone();
    assertThat(handler.closed(a2.conn)).isNotDone();
  }

  @ParameterizedTest
  @ValueSource(strings = {"own", "shared-nio", "shared-epoll"})
  void updateListenerOnTheSamePortAppliesNewOptionsAndKeepsTheOtherListenersDevices(String mode)
      throws Exception {
    useTransport(mode);
    TcpListener oldB = tcp("b", 0).build();
    startGateway(tcp("a", 0).build(), oldB);
    Device a1 = connect("a");
    Device b1 = connect("b");
    Device b2 = connect("b");
    int portB = port("b");

    // Same name and port, new options: at most 2 connections, another send timeout.
    TcpListener newB = tcp("b", portB).maxConnections(2).sendTimeout(Duration.ofSeconds(5))
        .build();
    gateway.updateListener(newB);

    assertClosedByListenerStop(b1);
    assertClosedByListenerStop(b2);
    assertThat(oldB.openConnections()).isZero();
    assertThat(gateway.listenerAddresses()).containsOnlyKeys("a", "b");
    assertThat(port("b")).isEqualTo(portB);
    assertEchoes(a1);

    Device b3 = connect("b");
    connect("b");
    assertEchoes(b3);
    assertEchoes(a1);
    // The new options are live: a third device on "b" is refused.
    try (Socket refused = new Socket()) {
      refused.connect(new InetSocketAddress("127.0.0.1", portB), 5000);
      refused.setSoTimeout(5000);
      int read;
      try {
        read = refused.getInputStream().read();
      } catch (SocketException reset) {
        read = -1;
      }
      assertThat(read).isEqualTo(-1);
    }
    assertThat(newB.refusedConnections()).isEqualTo(1);
    assertThat(newB.openConnections()).isEqualTo(2);
    assertThat(handler.closed(a1.conn)).isNotDone();
    assertThat(gateway.stats().connections()).isEqualTo(3);
  }
}
