package io.exproto.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exproto.broker.Broker;
import io.exproto.broker.BrokerMessage;
import io.exproto.broker.InMemoryBroker;
import io.exproto.broker.Subscriber;
import io.exproto.grpc.GrpcHandler;
import io.exproto.grpc.v1.ConnectionUnaryHandlerGrpc;
import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.ReceivedMessagesRequest;
import io.exproto.grpc.v1.SocketClosedRequest;
import io.exproto.grpc.v1.SocketCreatedRequest;
import io.exproto.grpc.v1.TimerTimeoutRequest;
import io.exproto.transport.netty.NettyTransport;
import io.exproto.transport.netty.TcpListener;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A graceful shutdown with 1,000 connections and a remote (gRPC) handler: the callbacks in flight
 * when it starts still finish, every connection gets exactly one OnSocketClosed with
 * {@code {shutdown,gateway_stopped}}, the broker is flushed once after the last connection, and
 * the gateway terminates within the drain timeout.
 */
class GracefulDrainTest {
  private static final int CONNECTIONS = 1000;
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final List<SocketChannel> devices = new ArrayList<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private Server handlerServer;
  private NettyTransport transport;

  @AfterEach
  void tearDown() throws IOException {
    for (SocketChannel d : devices) {
      d.close();
    }
    if (handlerServer != null) {
      handlerServer.shutdownNow();
    }
    if (transport != null) {
      transport.close();
    }
    timer.shutdownNow();
  }

  @Test
  void everyConnectionIsClosedOnceWithGatewayStoppedAndInFlightCallbacksFinish()
      throws Exception {
    CountingHandler counting = new CountingHandler(timer);
    handlerServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(counting).build().start();
    transport = NettyTransport.create();
    FlushCountingBroker broker = new FlushCountingBroker(counting.closed);
    Gateway gateway = Gateway.builder()
        .listener(TcpListener.builder().name("tcp").bind("127.0.0.1", 0).backlog(2048)
            .maxConnRate(1_000_000).transport(transport).build())
        .handler(GrpcHandler.builder().address("http://127.0.0.1:" + handlerServer.getPort())
            .eventLoopGroup(transport.workerGroup(), transport.socketChannelType()).build())
        .broker(broker)
        .idleTimeout(Duration.ofMinutes(5))
        .drainTimeout(Duration.ofSeconds(15))
        .build().start();
    InetSocketAddress address = gateway.listenerAddresses().get("tcp");

    for (int i = 0; i < CONNECTIONS; i++) {
      devices.add(SocketChannel.open(address));
    }
    await().atMost(WAIT).until(() -> counting.created.get() == CONNECTIONS);
    // One OnReceivedBytes per device, each answered only 500 ms after it arrived: in flight when
    // the shutdown starts.
    for (SocketChannel d : devices) {
      d.write(ByteBuffer.wrap(new byte[] {42}));
    }
    await().atMost(WAIT).until(() -> counting.bytesCalls.get() == CONNECTIONS);
    assertThat(counting.bytesAnswered.get()).as("still in flight").isLessThan(CONNECTIONS);

    long t0 = System.nanoTime();
    gateway.shutdown();
    // Stops accepting: a device connecting now never reaches the handler.
    try (SocketChannel late = SocketChannel.open()) {
      try {
        late.connect(address);
        late.socket().setSoTimeout(10_000);
        assertThat(late.socket().getInputStream().read()).isEqualTo(-1);
      } catch (IOException refused) {
        // the listener is already gone: not accepted either
      }
    }
    assertThat(gateway.awaitTermination(Duration.ofSeconds(30))).isTrue();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(counting.bytesAnswered.get()).as("callbacks in flight finished")
        .isEqualTo(CONNECTIONS);
    assertThat(counting.closed.get()).as("OnSocketClosed calls").isEqualTo(CONNECTIONS);
    assertThat(counting.reasons).hasSize(CONNECTIONS)
        .allSatisfy((conn, reason) -> assertThat(reason).isEqualTo("{shutdown,gateway_stopped}"));
    assertThat(counting.created.get()).as("no connection after the shutdown began")
        .isEqualTo(CONNECTIONS);
    assertThat(broker.flushes.get()).isEqualTo(1);
    assertThat(broker.closedWhenFlushed.get()).as("flushed after the last OnSocketClosed")
        .isEqualTo(CONNECTIONS);
    assertThat(tookMs).as("within the drain timeout").isLessThan(15_000);
  }

  /** Counts the callbacks; answers OnReceivedBytes 500 ms late. */
  private static final class CountingHandler
      extends ConnectionUnaryHandlerGrpc.ConnectionUnaryHandlerImplBase {
    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger bytesCalls = new AtomicInteger();
    final AtomicInteger bytesAnswered = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final Map<String, String> reasons = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    CountingHandler(ScheduledExecutorService timer) {
      this.timer = timer;
    }

    @Override
    public void onSocketCreated(SocketCreatedRequest r, StreamObserver<EmptySuccess> o) {
      created.incrementAndGet();
      ok(o);
    }

    @Override
    public void onReceivedBytes(ReceivedBytesRequest r, StreamObserver<EmptySuccess> o) {
      bytesCalls.incrementAndGet();
      timer.schedule(() -> {
        bytesAnswered.incrementAndGet();
        ok(o);
      }, 500, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onTimerTimeout(TimerTimeoutRequest r, StreamObserver<EmptySuccess> o) {
      ok(o);
    }

    @Override
    public void onReceivedMessages(ReceivedMessagesRequest r, StreamObserver<EmptySuccess> o) {
      ok(o);
    }

    @Override
    public void onSocketClosed(SocketClosedRequest r, StreamObserver<EmptySuccess> o) {
      if (reasons.putIfAbsent(r.getConn(), r.getReason()) == null) {
        closed.incrementAndGet();
      } else {
        reasons.put(r.getConn(), "closed twice");
      }
      ok(o);
    }

    private static void ok(StreamObserver<EmptySuccess> o) {
      o.onNext(EmptySuccess.getDefaultInstance());
      o.onCompleted();
    }
  }

  /** The in-memory broker, counting flushes and what was closed by then. */
  private static final class FlushCountingBroker implements Broker {
    private final Broker delegate = new InMemoryBroker();
    private final AtomicInteger closed;
    final AtomicInteger flushes = new AtomicInteger();
    final AtomicLong closedWhenFlushed = new AtomicLong(-1);

    FlushCountingBroker(AtomicInteger closed) {
      this.closed = closed;
    }

    @Override
    public CompletionStage<Void> publish(BrokerMessage message) {
      return delegate.publish(message);
    }

    @Override
    public CompletionStage<Void> subscribe(String filter, int qos, Subscriber subscriber) {
      return delegate.subscribe(filter, qos, subscriber);
    }

    @Override
    public CompletionStage<Void> unsubscribe(String filter, Subscriber subscriber) {
      return delegate.unsubscribe(filter, subscriber);
    }

    @Override
    public CompletionStage<Void> flush() {
      flushes.incrementAndGet();
      closedWhenFlushed.set(closed.get());
      return CompletableFuture.completedFuture(null);
    }
  }
}
