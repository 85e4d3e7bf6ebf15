package io.exproto.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.exproto.gateway.Gateway;
import io.exproto.grpc.GrpcAdapterServer;
import io.exproto.grpc.GrpcHandler;
import io.exproto.grpc.v1.AuthenticateRequest;
import io.exproto.grpc.v1.ClientInfo;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.ConnectionAdapterGrpc.ConnectionAdapterBlockingStub;
import io.exproto.grpc.v1.ConnectionUnaryHandlerGrpc;
import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.grpc.v1.PublishRequest;
import io.exproto.grpc.v1.RawPublishRequest;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.ResultCode;
import io.exproto.grpc.v1.SendBytesRequest;
import io.exproto.grpc.v1.SocketClosedRequest;
import io.exproto.grpc.v1.SocketCreatedRequest;
import io.exproto.grpc.v1.SubscribeRequest;
import io.exproto.testkit.GrpcCleanupExtension;
import io.exproto.testkit.TcpTestDevice;
import io.exproto.transport.netty.TcpListener;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bad input over real gRPC and real sockets: what a broken or malicious handler, a garbage client
 * on the adapter port, and failing handler services do to the gateway (docs/behaviour.md: Callback ordering, Adapter result codes).
 */
@SuppressWarnings("try") // several tests only need a device connected, not used
class BadInputEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  final GrpcCleanupExtension grpc = new GrpcCleanupExtension();

  private final FakeHandler fake = new FakeHandler();
  private Gateway gateway;
  private TcpListener tcp;
  private GrpcAdapterServer adapterServer;
  private ConnectionAdapterBlockingStub adapter;

  // ------------------------------------------------------------------ adapter result codes

  @Test
  void malformedConnIsNotAlive() throws Exception {
    startGateway(serveFake(), Duration.ofSeconds(5));
    for (String conn : new String[] {"", "not-a-conn", "\u0000\u00ff", "x".repeat(10_000)}) {
      assertCode(adapter().send(send(conn, "hi")), ResultCode.CONN_PROCESS_NOT_ALIVE);
      assertCode(adapter().authenticate(authenticate(conn, "dev")),
          ResultCode.CONN_PROCESS_NOT_ALIVE);
      assertCode(adapter().publish(publish(conn, "a/b", 0)), ResultCode.CONN_PROCESS_NOT_ALIVE);
    }
  }

  @Test
  void closedConnIsNotAlive() throws Exception {
    startGateway(serveFake(), Duration.ofSeconds(5));
    String conn;
    try (TcpTestDevice device = TcpTestDevice.connect(tcp.localAddress())) {
      conn = fake.awaitCreated();
      assertCode(adapter().authenticate(authenticate(conn, "stale")), ResultCode.SUCCESS);
    }
    assertThat(fake.awaitClosed(conn)).isEqualTo("{shutdown,tcp_closed}");

    assertCode(adapter().send(send(conn, "late")), ResultCode.CONN_PROCESS_NOT_ALIVE);
    assertCode(adapter().publish(publish(conn, "a/b", 0)), ResultCode.CONN_PROCESS_NOT_ALIVE);
    assertCode(adapter().subscribe(subscribe(conn, "a/b", 0)),
        ResultCode.CONN_PROCESS_NOT_ALIVE);
    assertCode(adapter().authenticate(authenticate(conn, "again")),
        ResultCode.CONN_PROCESS_NOT_ALIVE);
  }

  @Test
  void authenticateWithoutClientInfoMissesParams() throws Exception {
    startGateway(serveFake(), Duration.ofSeconds(5));
    try (TcpTestDevice device = TcpTestDevice.connect(tcp.localAddress())) {
      String conn = fake.awaitCreated();
      assertCode(adapter().authenticate(AuthenticateRequest.newBuilder().setConn(conn).build()),
          ResultCode.REQUIRED_PARAMS_MISSED);
      // Nothing broke: the connection can still authenticate properly.
      assertCode(adapter().authenticate(authenticate(conn, "dev-1")), ResultCode.SUCCESS);
    }
  }

  @Test
  void qosAboveTwoIsAParamsTypeError() throws Exception {
    startGateway(serveFake(), Duration.ofSeconds(5));
    try (TcpTestDevice device = TcpTestDevice.connect(tcp.localAddress())) {
      String conn = fake.awaitCreated();
      assertCode(adapter().authenticate(authenticate(conn, "dev-1")), ResultCode.SUCCESS);
      assertCode(adapter().publish(publish(conn, "a/b", 3)), ResultCode.PARAMS_TYPE_ERROR);
      assertCode(adapter().subscribe(subscribe(conn, "a/b", 3)), ResultCode.PARAMS_TYPE_ERROR);
      assertCode(adapter().rawPublish(RawPublishRequest.newBuilder().setTopic("a/b").setQos(3)
          .build()), ResultCode.PARAMS_TYPE_ERROR);
      // uint32 on the wire: a "negative" qos is a huge one.
      assertCode(adapter().publish(publish(conn, "a/b", -1)), ResultCode.PARAMS_TYPE_ERROR);
    }
  }

  @Test
  void invalidTopicsAreParamsTypeErrors() throws Exception {
    startGateway(serveFake(), Duration.ofSeconds(5));
    try (TcpTestDevice device = TcpTestDevice.connect(tcp.localAddress())) {
      String conn = fake.awaitCreated();
      assertCode(adapter().authenticate(authenticate(conn, "dev-1")), ResultCode.SUCCESS);
      assertCode(adapter().publish(publish(conn, "a/+", 0)), ResultCode.PARAMS_TYPE_ERROR);
      assertCode(adapter().publish(publish(conn, "a/#", 0)), ResultCode.PARAMS_TYPE_ERROR);
      assertCode(adapter().publish(publish(conn, "", 0)), ResultCode.PARAMS_TYPE_ERROR);
      assertCode(adapter().subscribe(subscribe(conn, "a/#/b", 0)), ResultCode.PARAMS_TYPE_ERROR);
      assertCode(adapter().subscribe(subscribe(conn, "a/b+", 0)), ResultCode.PARAMS_TYPE_ERROR);
      assertCode(adapter().subscribe(subscribe(conn, "", 0)), ResultCode.PARAMS_TYPE_ERROR);
      assertCode(adapter().rawPublish(RawPublishRequest.newBuilder().setTopic("a/+").build()),
          ResultCode.PARAMS_TYPE_ERROR);
      // Valid ones still work afterwards.
      assertCode(adapter().subscribe(subscribe(conn, "a/+/c", 1)), ResultCode.SUCCESS);
      assertCode(adapter().publish(publish(conn, "a/b/c", 1)), ResultCode.SUCCESS);
    }
  }

  @Test
  void garbageOnTheAdapterPortDoesNotBreakIt() throws Exception {
    startGateway(serveFake(), Duration.ofSeconds(5));
    byte[] garbage = new byte[64 * 1024];
    new Random(42).nextBytes(garbage);
    for (byte[] junk : new byte[][] {
        garbage,
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
        // A valid HTTP/2 preface followed by a garbage frame.
        concat("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII), garbage)}) {
      try (Socket s = new Socket()) {
        s.connect(adapterServer.localAddress(), 5000);
        OutputStream out = s.getOutputStream();
        try {
          out.write(junk);
          out.flush();
        } catch (IOException closedWhileWriting) {
          // the server may hang up before it has read everything
        }
        assertThat(closedByPeer(s, WAIT)).as("the adapter server hangs up on garbage").isTrue();
      }
    }

    assertCode(adapter().send(send("no-such-conn", "x")), ResultCode.CONN_PROCESS_NOT_ALIVE);
    try (TcpTestDevice device = TcpTestDevice.connect(tcp.localAddress())) {
      String conn = fake.awaitCreated();
      assertCode(adapter().authenticate(authenticate(conn, "dev-1")), ResultCode.SUCCESS);
      assertCode(adapter().send(send(conn, "still fine")), ResultCode.SUCCESS);
      assertThat(device.readText(10, WAIT)).isEqualTo("still fine");
    }
  }

  // ------------------------------------------------------------------ failing handler services

  @Test
  void handlerErrorClosesTheConnection() throws Exception {
    fake.bytes = Behaviour.FAIL;
    startGateway(serveFake(), Duration.ofSeconds(5));
    try (TcpTestDevice device = TcpTestDevice.connect(tcp.localAddress())) {
      String conn = fake.awaitCreated();
      device.send("boom");
      assertThat(device.awaitClosedByGateway(WAIT)).isTrue();
      assertThat(fake.awaitClosed(conn))
          .isEqualTo("{shutdown,{error,{on_received_bytes,internal}}}");
    }
  }

  @Test
  void handlerThatNeverAnswersIsTimedOut() throws Exception {
    fake.bytes = Behaviour.NEVER_ANSWER;
    startGateway(serveFake(), Duration.ofMillis(500));
    try (TcpTestDevice device = TcpTestDevice.connect(tcp.localAddress())) {
      String conn = fake.awaitCreated();
      device.send("anyone there?");
      assertThat(device.awaitClosedByGateway(WAIT)).isTrue();
      assertThat(fake.awaitClosed(conn))
          .isEqualTo("{shutdown,{error,{on_received_bytes,deadline_exceeded}}}");
    }
  }

  @Test
  void handlerThatIsDownClosesNewDevices() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    startGateway("http://127.0.0.1:" + closedPort, Duration.ofSeconds(5));
    try (TcpTestDevice device = TcpTestDevice.connect(tcp.localAddress())) {
      assertThat(device.awaitClosedByGateway(WAIT)).isTrue();
    }
    await().atMost(WAIT).until(() -> gateway.stats().connections() == 0);
    assertThat(gateway.stats().callbackFailures()).isPositive();
  }

  // ------------------------------------------------------------------ set-up

  @AfterEach
  void noConnectionsLeftAndGatewayTerminates() throws Exception {
    if (gateway == null) {
      return;
    }
    try {
      await().atMost(WAIT).until(() -> gateway.stats().connections() == 0);
      gateway.shutdown();
      assertThat(gateway.awaitTermination(WAIT)).as("gateway terminated").isTrue();
    } finally {
      fake.releaseAll();
      adapterServer.close();
    }
  }

  /** Serves {@link #fake} on a free port; returns its address for GrpcHandler. */
  private String serveFake() throws IOException {
    Server server = grpc.register(NettyServerBuilder
        .forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(fake)
        .build()
        .start());
    return "http://127.0.0.1:" + ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  private void startGateway(String handlerUrl, Duration callbackTimeout) throws IOException {
    tcp = TcpListener.builder().name("tcp").bind("127.0.0.1", 0).build();
    gateway = Gateway.builder()
        .listener(tcp)
        .handler(GrpcHandler.builder().address(handlerUrl).callbackTimeout(callbackTimeout)
            .build())
        .callbackTimeout(callbackTimeout)
        .closeFlushTimeout(Duration.ofSeconds(2))
        .build();
    adapterServer = GrpcAdapterServer.builder(gateway.adapter())
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .build()
        .start();
    gateway.start();
    ManagedChannel channel = grpc.register(NettyChannelBuilder
        .forAddress("127.0.0.1", adapterServer.port())
        .usePlaintext()
        .build());
    adapter = ConnectionAdapterGrpc.newBlockingStub(channel);
  }

  private ConnectionAdapterBlockingStub adapter() {
    return adapter.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void assertCode(CodeResponse response, ResultCode expected) {
    assertThat(response.getCode()).as("%s", response).isEqualTo(expected);
    if (expected != ResultCode.SUCCESS) {
      assertThat(response.getMessage()).as("a plain-English message").isNotBlank();
    }
  }

  private static SendBytesRequest send(String conn, String text) {
    return SendBytesRequest.newBuilder().setConn(conn).setBytes(ByteString.copyFromUtf8(text))
        .build();
  }

  private static AuthenticateRequest authenticate(String conn, String clientId) {
    return AuthenticateRequest.newBuilder().setConn(conn)
        .setClientinfo(ClientInfo.newBuilder().setClientid(clientId)).build();
  }

  private static PublishRequest publish(String conn, String topic, int qos) {
    return PublishRequest.newBuilder().setConn(conn).setTopic(topic).setQos(qos)
        .setPayload(ByteString.copyFromUtf8("p")).build();
  }

  private static SubscribeRequest subscribe(String conn, String topic, int qos) {
    return SubscribeRequest.newBuilder().setConn(conn).setTopic(topic).setQos(qos).build();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Reads and discards until the peer closes (true) or {@code timeout} passes (false). */
  private static boolean closedByPeer(Socket s, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    InputStream in = s.getInputStream();
    byte[] buf = new byte[8192];
    while (true) {
      long leftMs = (deadline - System.nanoTime()) / 1_000_000;
      if (leftMs <= 0) {
        return false;
      }
      s.setSoTimeout((int) leftMs);
      try {
        if (in.read(buf) < 0) {
          return true;
        }
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException reset) {
        return true;
      }
    }
  }

  // ------------------------------------------------------------------ the fake handler service

  enum Behaviour { OK, FAIL, NEVER_ANSWER }

  /** A handler service that records connections and close reasons; OnReceivedBytes as told. */
  static final class FakeHandler extends ConnectionUnaryHandlerGrpc.ConnectionUnaryHandlerImplBase {
    volatile Behaviour bytes = Behaviour.OK;
    private final BlockingQueue<String> created = new LinkedBlockingQueue<>();
    private final Map<String, CompletableFuture<String>> closed = new ConcurrentHashMap<>();
    private final BlockingQueue<StreamObserver<EmptySuccess>> unanswered =
        new LinkedBlockingQueue<>();

    @Override
    public void onSocketCreated(SocketCreatedRequest request, StreamObserver<EmptySuccess> r) {
      created.add(request.getConn());
      ok(r);
    }

    @Override
    public void onReceivedBytes(ReceivedBytesRequest request, StreamObserver<EmptySuccess> r) {
      switch (bytes) {
        case OK -> ok(r);
        // INTERNAL is what the gateway reports as "internal" in the close reason.
        case FAIL -> r.onError(Status.INTERNAL.withDescription("handler bug").asRuntimeException());
        case NEVER_ANSWER -> unanswered.add(r);
      }
    }

    @Override
    public void onSocketClosed(SocketClosedRequest request, StreamObserver<EmptySuccess> r) {
      closedFuture(request.getConn()).complete(request.getReason());
      ok(r);
    }

    String awaitCreated() throws InterruptedException {
      String conn = created.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(conn).as("OnSocketCreated within %s", WAIT).isNotNull();
      return conn;
    }

    String awaitClosed(String conn) throws Exception {
      return closedFuture(conn).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    void releaseAll() {
      StreamObserver<EmptySuccess> r;
      while ((r = unanswered.poll()) != null) {
        try {
          ok(r);
        } catch (RuntimeException cancelled) {
          // the gateway gave up on it long ago
        }
      }
    }

    private CompletableFuture<String> closedFuture(String conn) {
      return closed.computeIfAbsent(conn, c -> new CompletableFuture<>());
    }

    private static void ok(StreamObserver<EmptySuccess> r) {
      r.onNext(EmptySuccess.getDefaultInstance());
      r.onCompleted();
    }
  }
}
