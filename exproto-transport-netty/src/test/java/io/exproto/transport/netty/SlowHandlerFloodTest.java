package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exproto.gateway.Gateway;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Backpressure end to end (docs/behaviour.md, Backpressure and limits) over real sockets on 127.0.0.1: a stuck in-process handler
 * pauses the socket reads of its connection instead of buffering a flooding device without bound,
 * other connections are served meanwhile, nothing read is lost once the handler catches up, and
 * deliveries to a stuck subscriber are bounded and every dropped one is counted.
 */
class SlowHandlerFloodTest {

  private static final int MAX_QUEUED_CALLBACKS = 64;
  private static final int MAX_QUEUED_DELIVERIES = 100;
  private static final int CHUNK = 1 << 20; // the device writes 1 MiB chunks
  private static final long TRY_AT_MOST = 256L << 20; // what the device tries to push while stuck
  /** Kernel buffers are pinned so that the bound on accepted bytes is computable. */
  private static final int SOCKET_BUFFER = 256 << 10;
  /** Netty's adaptive receive allocator reads at most 64 KiB at a time. */
  private static final int NETTY_MAX_READ = 64 << 10;
  private static final int PUBLISHES = 10_000;
  private static final Duration WAIT = Duration.ofSeconds(5);

  private Gateway gateway;
  private TcpListener listener;
  private FloodHandler handler;
  private final List<AutoCloseable> clients = new ArrayList<>();

  @AfterEach
  void closeEverything() throws Exception {
    if (handler != null) {
      handler.floodGate.complete(null);
      handler.messagesGate.complete(null);
    }
    for (AutoCloseable c : clients) {
      c.close();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  /** Byte {@code offset} of the flood stream: the chunk is a 0..250 sawtooth, restarted per chunk. */
  private static byte patternAt(long offset) {
    return (byte) ((offset % CHUNK) % 251);
  }

  static final class FloodHandler implements ConnectionHandler {
    private final ConnectionAdapter adapter;
    /** The flooding device's local address, set before it connects. */
    volatile InetSocketAddress floodPeer;
    volatile String floodConn;
    final Map<InetSocketAddress, String> connsByPeer = new ConcurrentHashMap<>();
    /** Completed by the test: until then the flood conn's onReceivedBytes never completes. */
    final CompletableFuture<Void> floodGate = new CompletableFuture<>();
    /** Completed by the test: until then onReceivedMessages never completes. */
    final CompletableFuture<Void> messagesGate = new CompletableFuture<>();
    final AtomicInteger floodCallbacks = new AtomicInteger();
    final AtomicLong floodBytes = new AtomicLong();
    final AtomicReference<String> floodCorruption = new AtomicReference<>();
    final AtomicInteger messageCallbacks = new AtomicInteger();
    final List<List<Message>> batches = new CopyOnWriteArrayList<>();
    final AtomicInteger messagesReceived = new AtomicInteger();
    final List<String> closed = new CopyOnWriteArrayList<>();

    FloodHandler(ConnectionAdapter adapter) {
      this.adapter = adapter;
    }

    @Override
    public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
      if (connInfo.peer().equals(floodPeer)) {
        floodConn = conn; // before any onReceivedBytes of that conn (docs/behaviour.md, Callback ordering)
      }
      connsByPeer.put(connInfo.peer(), conn);
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
      if (!conn.equals(floodConn)) {
        adapter.send(conn, bytes); // echo
        return DONE;
      }
      floodCallbacks.incrementAndGet();
      long base = floodBytes.get();
      for (int i = 0; i < bytes.length; i++) {
        if (bytes[i] != patternAt(base + i) && floodCorruption.get() == null) {
          floodCorruption.set("byte " + (base + i) + " is " + bytes[i]);
        }
      }
      floodBytes.addAndGet(bytes.length);
      return floodGate; // stuck until the test completes it; complete at once after
    }

    @Override
    public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
      messageCallbacks.incrementAndGet();
      batches.add(List.copyOf(messages));
      messagesReceived.addAndGet(messages.size());
      return messagesGate;
    }

    @Override
    public CompletionStage<Void> onSocketClosed(String conn, String reason) {
      closed.add(conn);
      return DONE;
    }
  }

  /** A device writing 1 MiB chunks of the pattern through a non-blocking channel. */
  private static final class Flooder {
    private final SocketChannel channel;
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong offered = new AtomicLong();
    final AtomicInteger zeroStreak = new AtomicInteger();
    final AtomicLong zeroStreakStartNanos = new AtomicLong();

    Flooder(SocketChannel channel) {
      this.channel = channel;
      for (int i = 0; i < CHUNK; i++) {
        chunk.put(patternAt(i));
      }
      chunk.flip();
    }

    /** One attempt: writes until the kernel takes nothing more (or the cap); counts zero attempts. */
    long writeSome(long cap) throws IOException {
      long before = accepted.get();
      while (accepted.get() < cap) {
        if (!chunk.hasRemaining()) {
          chunk.rewind();
        }
        offered.addAndGet(chunk.remaining());
        int n = channel.write(chunk);
        if (n == 0) {
          break;
        }
        accepted.addAndGet(n);
      }
      long wrote = accepted.get() - before;
      if (wrote == 0) {
        if (zeroStreak.getAndIncrement() == 0) {
          zeroStreakStartNanos.set(System.nanoTime());
        }
      } else {
        zeroStreak.set(0);
      }
      return wrote;
    }

    /** 20 consecutive attempts over at least 200 ms took nothing. */
    boolean plateaued() {
      return zeroStreak.get() >= 20
          && System.nanoTime() - zeroStreakStartNanos.get() >= TimeUnit.MILLISECONDS.toNanos(200);
    }
  }

  private static AdapterResult get(CompletionStage<AdapterResult> stage) throws Exception {
    return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void aStuckHandlerPausesReadsAndBoundsDeliveriesWithoutLosingWhatWasRead() throws Exception {
    listener = TcpListener.builder().name("tcp").bind("127.0.0.1", 0)
        .recvBuffer(SOCKET_BUFFER).build();
    gateway = Gateway.builder()
        .listener(listener)
        .maxQueuedCallbacks(MAX_QUEUED_CALLBACKS)
        .maxQueuedDeliveries(MAX_QUEUED_DELIVERIES)
        .handler(adapter -> handler = new FloodHandler(adapter))
        .build()
        .start();
    InetSocketAddress server = gateway.listenerAddresses().get("tcp");

    // ---- (1) the flood plateaus while the handler is stuck
    SocketChannel floodChannel = SocketChannel.open();
    clients.add(floodChannel);
    floodChannel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
    floodChannel.bind(new InetSocketAddress("127.0.0.1", 0));
    handler.floodPeer = (InetSocketAddress) floodChannel.getLocalAddress();
    floodChannel.connect(server);
    floodChannel.configureBlocking(false);
    Flooder flooder = new Flooder(floodChannel);

    long floodStart = System.nanoTime();
    await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
        .until(() -> {
          flooder.writeSome(TRY_AT_MOST);
          return flooder.plateaued() || flooder.accepted.get() >= TRY_AT_MOST;
        });
    long plateau = flooder.accepted.get();
    long plateauMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - floodStart);
    // The kernel may double what SO_SNDBUF / SO_RCVBUF ask for.
    long kernel = 2L * floodChannel.getOption(StandardSocketOptions.SO_SNDBUF) + 2L * SOCKET_BUFFER;
    long bound = kernel + (long) (MAX_QUEUED_CALLBACKS + 1 + 8) * NETTY_MAX_READ;
    System.out.printf("flood: accepted %,d bytes before the plateau (offered %,d) in %d ms;"
        + " bound %,d (kernel %,d + %d reads of %,d)%n", plateau, flooder.offered.get(), plateauMs,
        bound, kernel, MAX_QUEUED_CALLBACKS + 1 + 8, NETTY_MAX_READ);
    assertThat(plateau).as("bytes the device could push into a stuck gateway")
        .isLessThan(32L << 20).isLessThanOrEqualTo(bound);
    assertThat(flooder.offered.get()).isGreaterThan(plateau); // it kept trying
    // (2) while stuck: one callback in flight, nothing more handed to the handler.
    assertThat(handler.floodCallbacks.get()).isEqualTo(1);
    assertThat(handler.floodBytes.get()).isBetween(1L, (long) NETTY_MAX_READ);
    String floodConn = handler.floodConn;
    assertThat(floodConn).isNotNull();

    // ---- (3) another connection on the same gateway is served meanwhile
    Socket echo = new Socket();
    clients.add(echo);
    echo.connect(server, 5000);
    echo.setSoTimeout(5000);
    for (int i = 0; i < 3; i++) {
      byte[] ping = ("ping-" + i).getBytes(StandardCharsets.UTF_8);
      echo.getOutputStream().write(ping);
      echo.getOutputStream().flush();
      assertThat(echo.getInputStream().readNBytes(ping.length)).isEqualTo(ping);
    }
    // Still stuck: more attempts stay within the bound (the kernel may free a little window by
    // compacting its receive queue, never more than its buffers), still one callback.
    for (int i = 0; i < 5; i++) {
      flooder.writeSome(TRY_AT_MOST);
    }
    long afterEcho = flooder.accepted.get();
    assertThat(afterEcho).isLessThanOrEqualTo(bound);
    assertThat(handler.floodCallbacks.get()).isEqualTo(1);

    // ---- (2) release: the flood resumes and every byte written reaches the handler, in order
    handler.floodGate.complete(null);
    long resumeTarget = plateau + (16L << 20);
    long releaseStart = System.nanoTime();
    await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
        .until(() -> {
          flooder.writeSome(resumeTarget);
          return flooder.accepted.get() >= resumeTarget;
        });
    long total = flooder.accepted.get();
    floodChannel.close();
    await().atMost(WAIT).until(() -> handler.floodBytes.get() == total);
    await().atMost(WAIT).until(() -> handler.closed.contains(floodConn));
    long drainMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - releaseStart);
    assertThat(handler.floodBytes.get()).isEqualTo(total);
    assertThat(handler.floodCorruption.get()).isNull();
    System.out.printf("flood: %,d bytes accepted after the echo exchange while still stuck%n",
        afterEcho - plateau);
    System.out.printf("flood: after release wrote %,d bytes in total; handler got all of them in"
        + " %,d callbacks, %d ms%n", total, handler.floodCallbacks.get(), drainMs);

    // ---- (4) a stuck subscriber: bounded deliveries, every drop counted
    Socket sub = new Socket();
    clients.add(sub);
    sub.connect(server, 5000);
    InetSocketAddress subPeer = (InetSocketAddress) sub.getLocalSocketAddress();
    await().atMost(WAIT).until(() -> handler.connsByPeer.containsKey(subPeer));
    String subConn = handler.connsByPeer.get(subPeer);
    ConnectionAdapter adapter = gateway.adapter();
    assertThat(get(adapter.authenticate(subConn, ClientInfo.of("sub", "sub"), "pw")).isSuccess())
        .isTrue();
    assertThat(get(adapter.subscribe(subConn, "flood/t", 0)).isSuccess()).isTrue();
    long droppedBefore = gateway.stats().deliveriesDropped();

    List<CompletableFuture<AdapterResult>> published = new ArrayList<>(PUBLISHES);
    for (int i = 0; i < PUBLISHES; i++) {
      published.add(adapter.rawPublish("flood/t", 0, Integer.toString(i)
          .getBytes(StandardCharsets.UTF_8)).toCompletableFuture());
    }
    CompletableFuture.allOf(published.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
    assertThat(published).allMatch(f -> f.join().isSuccess());
    // The first delivery went in flight at once and is stuck; the queue keeps the newest 100.
    await().atMost(WAIT).until(() -> handler.messageCallbacks.get() == 1
        && gateway.stats().deliveriesDropped() - droppedBefore
            == PUBLISHES - MAX_QUEUED_DELIVERIES - handler.messagesReceived.get());
    int inFlight = handler.messagesReceived.get();
    assertThat(inFlight).isBetween(1, 11); // one batch, default max batch size 11
    handler.messagesGate.complete(null);
    await().atMost(WAIT).until(
        () -> handler.messagesReceived.get() == inFlight + MAX_QUEUED_DELIVERIES);
    long dropped = gateway.stats().deliveriesDropped() - droppedBefore;
    assertThat(dropped).isEqualTo(PUBLISHES - handler.messagesReceived.get());
    List<String> payloads = handler.batches.stream().flatMap(List::stream)
        .map(m -> new String(m.payload(), StandardCharsets.UTF_8)).toList();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < inFlight; i++) {
      expected.add(Integer.toString(i));
    }
    for (int i = PUBLISHES - MAX_QUEUED_DELIVERIES; i < PUBLISHES; i++) {
      expected.add(Integer.toString(i)); // the oldest were dropped, the newest kept, in order
    }
    assertThat(payloads).isEqualTo(expected);
    // Settled: one more round trip through the subscriber's connection changes nothing.
    assertThat(get(adapter.send(subConn, new byte[] {1})).isSuccess()).isTrue();
    assertThat(handler.messagesReceived.get()).isEqualTo(inFlight + MAX_QUEUED_DELIVERIES);
    assertThat(gateway.stats().deliveriesDropped() - droppedBefore).isEqualTo(dropped);
    System.out.printf("deliveries: published %,d, received %d (%d in flight + %d queued) in %d"
        + " callbacks, dropped %,d%n", PUBLISHES, handler.messagesReceived.get(), inFlight,
        MAX_QUEUED_DELIVERIES, handler.messageCallbacks.get(), dropped);

    // ---- shutdown
    gateway.close();
    assertThat(gateway.stats().connections()).isZero();
    await().atMost(WAIT).until(() -> listener.openConnections() == 0);
  }
}
