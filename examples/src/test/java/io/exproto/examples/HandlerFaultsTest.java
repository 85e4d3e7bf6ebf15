package io.exproto.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exproto.broker.InMemoryBroker;
import io.exproto.gateway.Gateway;
import io.exproto.grpc.GrpcAdapterServer;
import io.exproto.grpc.GrpcHandler;
import io.exproto.grpc.v1.ConnectionUnaryHandlerGrpc;
import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.SocketClosedRequest;
import io.exproto.grpc.v1.SocketCreatedRequest;
import io.exproto.testkit.GrpcCleanupExtension;
import io.exproto.testkit.TcpTestDevice;
import io.exproto.transport.netty.TcpListener;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Handler faults over real gRPC (issue: the gRPC binding, complete): the handler goes away and
 * comes back, or does not implement a callback. The gateway recovers without a restart and every
 * affected connection ends with a reason of docs/behaviour.md, Close reasons.
 */
class HandlerFaultsTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @RegisterExtension
  final GrpcCleanupExtension grpc = new GrpcCleanupExtension();

  private Gateway gateway;
  private GrpcAdapterServer adapterServer;
  private PubSubHandlerServer handler;

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.shutdown();
      assertThat(gateway.awaitTermination(WAIT)).isTrue();
      assertThat(gateway.stats().connections()).isZero();
    }
    if (adapterServer != null) {
      adapterServer.close();
    }
    if (handler != null) {
      handler.close();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private TcpListener startGateway(GrpcHandler grpcHandler) throws Exception {
    TcpListener tcp = TcpListener.builder().bind(new InetSocketAddress("127.0.0.1", 0)).build();
    gateway = Gateway.builder().listener(tcp).broker(new InMemoryBroker()).handler(grpcHandler)
        .callbackTimeout(Duration.ofSeconds(5)).build();
    adapterServer = GrpcAdapterServer.builder(gateway.adapter())
        .bind(new InetSocketAddress("127.0.0.1", 0)).build().start();
    gateway.start();
    return tcp;
  }

  private static boolean echoes(TcpListener tcp, String text) {
    try (TcpTestDevice d = TcpTestDevice.connect(tcp.localAddress())) {
      return d.send(text).readText(text.length(), Duration.ofSeconds(3)).equals(text);
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void gatewayRecoversWhenTheHandlerRestartsOnTheSamePort() throws Exception {
    int handlerPort = freePort();
    String url = "http://127.0.0.1:" + handlerPort;
    TcpListener tcp = startGateway(GrpcHandler.unary(url));
    String adapterAddress = "127.0.0.1:" + adapterServer.port();
    handler = new PubSubHandlerServer(adapterAddress)
        .start(new InetSocketAddress("127.0.0.1", handlerPort));
    assertThat(echoes(tcp, "before")).isTrue();

    handler.close(); // the handler goes away
    handler = null;
    try (TcpTestDevice orphan = TcpTestDevice.connect(tcp.localAddress())) {
      // OnSocketCreated cannot reach the handler: the gateway closes the device.
      assertThat(orphan.awaitClosedByGateway(WAIT)).isTrue();
    }
    await().atMost(WAIT).until(() -> gateway.stats().connections() == 0);

    handler = new PubSubHandlerServer(adapterAddress)
        .start(new InetSocketAddress("127.0.0.1", handlerPort));
    // Back without restarting the gateway (the channel reconnects on its own backoff).
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> echoes(tcp, "after"));
  }

  /** A handler that implements every callback but OnReceivedMessages (answered UNIMPLEMENTED). */
  static final class NoMessagesHandler
      extends ConnectionUnaryHandlerGrpc.ConnectionUnaryHandlerImplBase {
    final ConcurrentHashMap<String, CompletableFuture<String>> closed = new ConcurrentHashMap<>();
    volatile String adapterAddress;

    @Override
    public void onSocketCreated(SocketCreatedRequest r, StreamObserver<EmptySuccess> out) {
      closed.computeIfAbsent(r.getConn(), k -> new CompletableFuture<>());
      out.onNext(EmptySuccess.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void onReceivedBytes(ReceivedBytesRequest r, StreamObserver<EmptySuccess> out) {
      out.onNext(EmptySuccess.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void onSocketClosed(SocketClosedRequest r, StreamObserver<EmptySuccess> out) {
      closed.computeIfAbsent(r.getConn(), k -> new CompletableFuture<>()).complete(r.getReason());
      out.onNext(EmptySuccess.getDefaultInstance());
      out.onCompleted();
    }
  }

  @Test
  void aCallbackTheHandlerDoesNotImplementClosesOnlyTheConnectionsThatNeedIt() throws Exception {
    NoMessagesHandler fake = new NoMessagesHandler();
    var server = grpc.register(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(fake).build().start());
    TcpListener tcp = startGateway(GrpcHandler.unary("http://127.0.0.1:" + server.getPort()));
    try (TcpTestDevice quiet = TcpTestDevice.connect(tcp.localAddress());
        TcpTestDevice subscriber = TcpTestDevice.connect(tcp.localAddress())) {
      await().atMost(WAIT).until(() -> fake.closed.size() == 2);
      String[] conns = fake.closed.keySet().toArray(new String[0]);
      var adapter = gateway.adapter();
      // Make the second connection receive a message: OnReceivedMessages is UNIMPLEMENTED.
      String target = conns[1];
      assertThat(adapter.authenticate(target, io.exproto.handler.ClientInfo.of("sub", ""), "")
          .toCompletableFuture().get(5, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(adapter.subscribe(target, "t", 0).toCompletableFuture()
          .get(5, TimeUnit.SECONDS).isSuccess()).isTrue();
      adapter.rawPublish("t", 0, new byte[] {1}).toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertThat(fake.closed.get(target).get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
          .isEqualTo("{shutdown,{error,{on_received_messages,unimplemented}}}");
      // The other connection is untouched.
      assertThat(fake.closed.get(conns[0])).isNotDone();
      // The gateway counts the connection until OnSocketClosed's answer has come back.
      await().atMost(WAIT).until(() -> gateway.stats().connections() == 1);
      assertThat(fake.closed.get(conns[0])).isNotDone();
    }
  }
}
