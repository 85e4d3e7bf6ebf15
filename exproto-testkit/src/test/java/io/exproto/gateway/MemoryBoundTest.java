package io.exproto.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import io.exproto.transport.netty.NettyTransport;
import io.exproto.transport.netty.TcpListener;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 2,000 connections flood a handler that does not answer: the gateway-wide bound on queued bytes
 * keeps the heap under the bound plus a margin (without it the gateway would read everything the
 * devices sent, 4 times the bound, into its queues), and once the handler catches up every byte
 * is delivered.
 */
class MemoryBoundTest {
  private static final int CONNECTIONS = 2000;
  private static final int PER_CONNECTION = 64 * 1024;
  private static final long BOUND = 16L * 1024 * 1024;
  /**
   * Past the bound: the reads other connections finish before they see it tripped, and each
   * queued read's object overhead; plus Netty's and the JVM's own garbage between samples. The
   * flood is 128 MiB.
   */
  private static final long MARGIN = 24L * 1024 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(90);

  private final List<SocketChannel> devices = new ArrayList<>();
  private NettyTransport transport;
  private Gateway gateway;

  @AfterEach
  void tearDown() throws IOException {
    for (SocketChannel d : devices) {
      d.close();
    }
    if (gateway != null) {
      gateway.shutdownNow();
    }
    if (transport != null) {
      transport.close();
    }
  }

  @Test
  void heapStaysUnderTheBoundAndEverythingArrivesOnceTheHandlerCatchesUp() throws Exception {
    SlowHandler handler = new SlowHandler();
    transport = NettyTransport.create();
    gateway = Gateway.builder()
        .listener(TcpListener.builder().name("tcp").bind("127.0.0.1", 0).backlog(4096)
            .maxConnRate(1_000_000).transport(transport).build())
        .handler(handler)
        .idleTimeout(Duration.ofMinutes(5))
        .callbackTimeout(Duration.ofMinutes(5))
        .maxQueuedBytes(BOUND)
        .build().start();
    InetSocketAddress address = gateway.listenerAddresses().get("tcp");
    for (int i = 0; i < CONNECTIONS; i++) {
      SocketChannel d = SocketChannel.open(address);
      d.configureBlocking(false);
      devices.add(d);
    }
    await().atMost(WAIT).until(() -> handler.received.size() == CONNECTIONS);
    long baseline = heapAfterGc();

    // Flood: every device sends PER_CONNECTION bytes (the kernel's socket buffers take what the
    // gateway does not read). 128 MiB in all, 8 times the bound.
    flood();
    // The gateway reads until the bound stops it; without the bound it would go on to read all
    // 128 MiB (measured: past the bound plus the margin within a few seconds on 2 busy cores).
    // Measure over 40 full collections once reading has started.
    await().atMost(WAIT).until(() -> handler.total() > 0);
    long peak = 0;
    for (int i = 0; i < 40 && peak - baseline < BOUND + MARGIN; i++) {
      peak = Math.max(peak, heapAfterGc());
    }
    assertThat(peak - baseline).as("heap growth while flooding a stuck handler, bytes")
        .isLessThan(BOUND + MARGIN);
    assertThat(handler.total()).as("the handler has not seen everything yet")
        .isLessThan((long) CONNECTIONS * PER_CONNECTION);

    handler.catchUp();
    await().atMost(WAIT).until(() -> handler.total() == (long) CONNECTIONS * PER_CONNECTION);
    assertThat(handler.received.values()).allSatisfy(n -> assertThat(n.get())
        .isEqualTo(PER_CONNECTION));
  }

  private void flood() throws IOException {
    // One payload shared by every device (each has its own position): 2,000 buffers of their own
    // would be 128 MiB of the test's heap, measured as if the gateway held it.
    ByteBuffer payload = ByteBuffer.allocate(PER_CONNECTION).asReadOnlyBuffer();
    Map<SocketChannel, ByteBuffer> left = new java.util.HashMap<>();
    for (SocketChannel d : devices) {
      left.put(d, payload.duplicate());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      boolean progress = false;
      for (var it = left.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        progress |= e.getKey().write(e.getValue()) > 0;
        if (!e.getValue().hasRemaining()) {
          it.remove();
        }
      }
      if (!progress) {
        break; // every socket buffer is full: the gateway has stopped reading
      }
    }
    // What did not fit is written once the handler catches up.
    if (!left.isEmpty()) {
      Thread writer = new Thread(() -> {
        try {
          for (var e : left.entrySet()) {
            e.getKey().configureBlocking(true);
            while (e.getValue().hasRemaining()) {
              e.getKey().write(e.getValue());
            }
          }
        } catch (IOException ignored) {
          // the test fails on the missing bytes
        }
      }, "memory-bound-writer");
      writer.setDaemon(true);
      writer.start();
    }
  }

  private static long heapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Holds every OnReceivedBytes until {@link #catchUp()}; counts bytes per connection. */
  private static final class SlowHandler implements ConnectionHandler {
    final Map<String, AtomicLong> received = new ConcurrentHashMap<>();
    private final Queue<CompletableFuture<Void>> held = new ConcurrentLinkedQueue<>();
    private volatile boolean caughtUp;

    long total() {
      return received.values().stream().mapToLong(AtomicLong::get).sum();
    }

    void catchUp() {
      caughtUp = true;
      for (CompletableFuture<Void> f; (f = held.poll()) != null; ) {
        f.complete(null);
      }
    }

    @Override
    public CompletionStage<Void> onSocketCreated(String conn, ConnInfo info) {
      received.put(conn, new AtomicLong());
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
      received.get(conn).addAndGet(bytes.length);
      if (caughtUp) {
        return DONE;
      }
      CompletableFuture<Void> f = new CompletableFuture<>();
      held.add(f);
      if (caughtUp) {
        catchUp(); // raced with catchUp(): release what it may have missed
      }
      return f;
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
      return DONE;
    }
  }
}
