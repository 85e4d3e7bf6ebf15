package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exproto.gateway.Gateway;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.SocketType;
import io.exproto.handler.TimerType;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway engine over a real {@link UdpListener} on 127.0.0.1, with an in-process handler:
 * one UDP peer is one connection, and datagram peers live on the idle and keepalive timers
 * (docs/behaviour.md: Connections, Timers).
 */
class UdpGatewayTest {

  private final List<DatagramSocket> sockets = new ArrayList<>();
  private Gateway gateway;

  @AfterEach
  void closeEverything() {
    sockets.forEach(DatagramSocket::close);
    if (gateway != null) {
      gateway.close();
    }
  }

  /**
   * Records every callback. Datagrams {@code ka:<seconds>} start a keepalive, {@code echo:<text>}
   * are answered with {@code <text>} through the adapter; anything else is only recorded.
   */
  static final class ScriptedHandler implements ConnectionHandler {

    record Event(String conn, String kind, String detail, long nanos) {}

    private final ConnectionAdapter adapter;
    final List<Event> events = new CopyOnWriteArrayList<>();
    final List<ConnInfo> created = new CopyOnWriteArrayList<>();
    final List<AdapterResult> results = new CopyOnWriteArrayList<>();

    ScriptedHandler(ConnectionAdapter adapter) {
      this.adapter = adapter;
    }

    private void record(String conn, String kind, String detail) {
      events.add(new Event(conn, kind, detail, System.nanoTime()));
    }

    @Override
    public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
      created.add(connInfo);
      record(conn, "created", connInfo.peer().toString());
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
      String text = new String(bytes, StandardCharsets.UTF_8);
      record(conn, "bytes", text);
      if (text.startsWith("ka:")) {
        int seconds = Integer.parseInt(text.substring(3));
        // On the connection's own thread: done when it returns.
        adapter.startTimer(conn, TimerType.KEEPALIVE, seconds)
            .thenAccept(results::add);
      } else if (text.startsWith("echo:")) {
        adapter.send(conn, text.substring(5).getBytes(StandardCharsets.UTF_8))
            .thenAccept(results::add);
      }
      return DONE;
    }

    @Override
    public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
      record(conn, "timeout", type.name());
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onSocketClosed(String conn, String reason) {
      record(conn, "closed", reason);
      return DONE;
    }

    /** The conns created for {@code peer}, oldest first. */
    List<String> connsOf(InetSocketAddress peer) {
      return events.stream()
          .filter(e -> e.kind().equals("created") && e.detail().equals(peer.toString()))
          .map(Event::conn)
          .collect(Collectors.toList());
    }

    List<Event> eventsOf(String conn) {
      return events.stream().filter(e -> e.conn().equals(conn)).collect(Collectors.toList());
    }

    Event first(String conn, String kind) {
      return eventsOf(conn).stream().filter(e -> e.kind().equals(kind)).findFirst().orElse(null);
    }

    boolean isClosed(String conn) {
      return first(conn, "closed") != null;
    }
  }

  private ScriptedHandler handler;

  private InetSocketAddress startGateway(Duration idleTimeout) throws IOException {
    UdpListener udp = UdpListener.builder().name("udp").bind("127.0.0.1", 0).build();
    gateway = Gateway.builder()
        .listener(udp)
        .idleTimeout(idleTimeout)
        .handler(adapter -> handler = new ScriptedHandler(adapter))
        .build()
        .start();
    return gateway.listenerAddresses().get("udp");
  }

  private DatagramSocket client() throws IOException {
    DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    socket.setSoTimeout(5000);
    sockets.add(socket);
    return socket;
  }

  private static void send(DatagramSocket from, InetSocketAddress to, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    try {
      from.send(new DatagramPacket(bytes, bytes.length, to));
    } catch (IOException e) {
      throw new AssertionError("cannot send " + text, e);
    }
  }

  private static String receive(DatagramSocket socket) throws IOException {
    DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
    socket.receive(packet);
    return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
  }

  private static InetSocketAddress address(DatagramSocket socket) {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  /** The conn of the peer's first connection, once created. */
  private String awaitConn(DatagramSocket peer) {
    await().atMost(Duration.ofSeconds(5)).until(() -> !handler.connsOf(address(peer)).isEmpty());
    return handler.connsOf(address(peer)).get(0);
  }

  @Test
  void aDatagramIsEchoedThroughTheAdapter() throws Exception {
    InetSocketAddress server = startGateway(Duration.ofSeconds(30));
    DatagramSocket client = client();

    send(client, server, "echo:hi");
    assertThat(receive(client)).isEqualTo("hi");
    send(client, server, "echo:again");
    assertThat(receive(client)).isEqualTo("again");

    String conn = awaitConn(client);
    ConnInfo info = handler.created.get(0);
    assertThat(info.socketType()).isEqualTo(SocketType.UDP);
    assertThat(info.peer()).isEqualTo(address(client));
    assertThat(info.local()).isEqualTo(server);
    assertThat(handler.connsOf(address(client))).containsExactly(conn); // one peer, one connection
    assertThat(gateway.stats().connections()).isEqualTo(1);
    assertThat(handler.results).allMatch(AdapterResult::isSuccess);

    gateway.close();
    assertThat(handler.first(conn, "closed").detail()).isEqualTo("{shutdown,gateway_stopped}");
    assertThat(gateway.stats().connections()).isZero();
  }

  @Test
  void aPeerThatNeverStartsAKeepaliveIsClosedAfterIdleTimeoutDespiteTraffic() throws Exception {
    InetSocketAddress server = startGateway(Duration.ofMillis(300));
    DatagramSocket client = client();

    send(client, server, "hello");
    String conn = awaitConn(client);
    // Keep talking every 50 ms: inbound datagrams do not keep a UDP peer off the idle timer.
    await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          send(client, server, "tick");
          return handler.isClosed(conn);
        });

    ScriptedHandler.Event created = handler.first(conn, "created");
    ScriptedHandler.Event closed = handler.first(conn, "closed");
    assertThat(closed.detail()).isEqualTo("{shutdown,idle_timeout}");
    assertThat(TimeUnit.NANOSECONDS.toMillis(closed.nanos() - created.nanos()))
        .isBetween(250L, 2000L);
    assertThat(handler.eventsOf(conn).stream().filter(e -> e.kind().equals("bytes")).count())
        .isGreaterThan(1);

    // The peer's next datagram is a new connection.
    send(client, server, "back");
    await().atMost(Duration.ofSeconds(5))
        .until(() -> handler.connsOf(address(client)).size() >= 2);
    assertThat(handler.connsOf(address(client)).get(1)).isNotEqualTo(conn);

    gateway.close();
    assertThat(gateway.stats().connections()).isZero();
  }

  @Test
  void anotherPeersTrafficDoesNotKeepAPeerAlive() throws Exception {
    InetSocketAddress server = startGateway(Duration.ofSeconds(30));
    DatagramSocket a = client();
    DatagramSocket b = client();

    send(b, server, "ka:30");
    String connB = awaitConn(b);
    send(a, server, "ka:1");
    String connA = awaitConn(a);
    // B chats every 50 ms on the same socket and event loop; A stays silent.
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          send(b, server, "chat");
          return handler.isClosed(connA);
        });

    List<ScriptedHandler.Event> eventsA = handler.eventsOf(connA);
    assertThat(eventsA).extracting(ScriptedHandler.Event::kind)
        .containsExactly("created", "bytes", "timeout", "closed");
    assertThat(eventsA.get(2).detail()).isEqualTo("KEEPALIVE");
    assertThat(eventsA.get(3).detail()).isEqualTo("{shutdown,keepalive_timeout}");
    long lifeMs = TimeUnit.NANOSECONDS.toMillis(eventsA.get(3).nanos() - eventsA.get(1).nanos());
    assertThat(lifeMs).as("1.5 x 1 s keepalive").isBetween(1400L, 3000L);

    // B is unaffected and still reachable.
    assertThat(handler.isClosed(connB)).isFalse();
    assertThat(gateway.adapter().send(connB, "still here".getBytes(StandardCharsets.UTF_8))
        .toCompletableFuture().get(5, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(receive(b)).isEqualTo("still here");
    assertThat(handler.results).allMatch(AdapterResult::isSuccess);
    assertThat(gateway.stats().connections()).isEqualTo(1);

    gateway.close();
    assertThat(handler.first(connB, "closed").detail()).isEqualTo("{shutdown,gateway_stopped}");
    assertThat(gateway.stats().connections()).isZero();
    assertThat(gateway.isTerminated()).isTrue();
  }
}
