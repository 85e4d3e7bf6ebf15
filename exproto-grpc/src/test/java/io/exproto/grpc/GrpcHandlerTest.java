package io.exproto.grpc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.ReceivedMessagesRequest;
import io.exproto.grpc.v1.SocketClosedRequest;
import io.exproto.grpc.v1.SocketCreatedRequest;
import io.exproto.grpc.v1.TimerTimeoutRequest;
import io.exproto.handler.CallbackFailedException;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.Message;
import io.exproto.handler.PeerCertificate;
import io.exproto.handler.SocketType;
import io.exproto.handler.TimerType;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class GrpcHandlerTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @RegisterExtension final GrpcCleanup grpc = new GrpcCleanup();

  private final FakeUnaryHandlerService service = new FakeUnaryHandlerService();
  private ManagedChannel channel;
  private GrpcHandler handler;

  @BeforeEach
  void startService() throws IOException {
    String name = InProcessServerBuilder.generateName();
    grpc.register(InProcessServerBuilder.forName(name).addService(service).build().start());
    channel = grpc.register(InProcessChannelBuilder.forName(name).build());
    handler = grpc.register(GrpcHandler.builder().channel(channel).build());
  }

  private static void assertCompletes(CompletionStage<Void> stage) {
    assertThat(stage.toCompletableFuture()).succeedsWithin(WAIT);
  }

  private static CallbackFailedException callbackFailure(CompletionStage<Void> stage) {
    Throwable thrown = catchThrowable(
        () -> stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    assertThat(thrown).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(CallbackFailedException.class);
    return (CallbackFailedException) thrown.getCause();
  }

  @Test
  void onSocketCreatedSendsEveryConnInfoField() {
    ConnInfo info = new ConnInfo(SocketType.SSL,
        new InetSocketAddress("10.1.2.3", 51234), new InetSocketAddress("192.168.0.9", 7993),
        new PeerCertificate("client", "CN=client,O=Org,C=CN"));

    assertCompletes(handler.onSocketCreated("conn-1", info));

    SocketCreatedRequest request = service.onlyRequest(SocketCreatedRequest.class);
    assertThat(request.getConn()).isEqualTo("conn-1");
    var conninfo = request.getConninfo();
    assertThat(conninfo.getSocktype()).isEqualTo(io.exproto.grpc.v1.SocketType.SSL);
    assertThat(conninfo.getPeername().getHost()).isEqualTo("10.1.2.3");
    assertThat(conninfo.getPeername().getPort()).isEqualTo(51234);
    assertThat(conninfo.getSockname().getHost()).isEqualTo("192.168.0.9");
    assertThat(conninfo.getSockname().getPort()).isEqualTo(7993);
    assertThat(conninfo.hasPeercert()).isTrue();
    assertThat(conninfo.getPeercert().getCn()).isEqualTo("client");
    assertThat(conninfo.getPeercert().getDn()).isEqualTo("CN=client,O=Org,C=CN");
  }

  @Test
  void onSocketCreatedWithoutCertificateLeavesPeercertUnset() {
    ConnInfo info = new ConnInfo(SocketType.DTLS,
        new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("127.0.0.1", 2), null);

    assertCompletes(handler.onSocketCreated("conn-2", info));

    var conninfo = service.onlyRequest(SocketCreatedRequest.class).getConninfo();
    assertThat(conninfo.getSocktype()).isEqualTo(io.exproto.grpc.v1.SocketType.DTLS);
    assertThat(conninfo.hasPeercert()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(SocketType.class)
  void everySocketTypeKeepsItsName(SocketType type) {
    ConnInfo info = new ConnInfo(type,
        new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("127.0.0.1", 2), null);

    assertCompletes(handler.onSocketCreated("c", info));

    assertThat(service.onlyRequest(SocketCreatedRequest.class).getConninfo().getSocktype().name())
        .isEqualTo(type.name());
  }

  @Test
  void onReceivedBytesSendsTheBytes() {
    assertCompletes(handler.onReceivedBytes("conn-3", new byte[] {1, 0, (byte) 0x80, 127}));

    ReceivedBytesRequest request = service.onlyRequest(ReceivedBytesRequest.class);
    assertThat(request.getConn()).isEqualTo("conn-3");
    assertThat(request.getBytes().toByteArray()).containsExactly(1, 0, 0x80, 127);
  }

  @Test
  void onTimerTimeoutSendsTheType() {
    assertCompletes(handler.onTimerTimeout("conn-4", TimerType.KEEPALIVE));

    TimerTimeoutRequest request = service.onlyRequest(TimerTimeoutRequest.class);
    assertThat(request.getConn()).isEqualTo("conn-4");
    assertThat(request.getType()).isEqualTo(io.exproto.grpc.v1.TimerType.KEEPALIVE);
  }

  @Test
  void onReceivedMessagesSendsEveryMessageWithAllFields() {
    List<Message> messages = List.of(
        new Message("node@host", "0123456789ABCDEF0123456789ABCDEF", 2, "dev-1", "t/1",
            "hello".getBytes(UTF_8), 1_700_000_000_123L),
        new Message("node@host", "FEDCBA9876543210FEDCBA9876543210", 0, "exproto", "t/2",
            new byte[0], Long.MAX_VALUE));

    assertCompletes(handler.onReceivedMessages("conn-5", messages));

    ReceivedMessagesRequest request = service.onlyRequest(ReceivedMessagesRequest.class);
    assertThat(request.getConn()).isEqualTo("conn-5");
    assertThat(request.getMessagesCount()).isEqualTo(2);
    var first = request.getMessages(0);
    assertThat(first.getNode()).isEqualTo("node@host");
    assertThat(first.getId()).isEqualTo("0123456789ABCDEF0123456789ABCDEF");
    assertThat(first.getQos()).isEqualTo(2);
    assertThat(first.getFrom()).isEqualTo("dev-1");
    assertThat(first.getTopic()).isEqualTo("t/1");
    assertThat(first.getPayload().toStringUtf8()).isEqualTo("hello");
    assertThat(first.getTimestamp()).isEqualTo(1_700_000_000_123L);
    var second = request.getMessages(1);
    assertThat(second.getId()).isEqualTo("FEDCBA9876543210FEDCBA9876543210");
    assertThat(second.getQos()).isZero();
    assertThat(second.getFrom()).isEqualTo("exproto");
    assertThat(second.getTopic()).isEqualTo("t/2");
    assertThat(second.getPayload().isEmpty()).isTrue();
    assertThat(second.getTimestamp()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void onSocketClosedSendsTheReason() {
    assertCompletes(handler.onSocketClosed("conn-6", "{shutdown,tcp_closed}"));

    SocketClosedRequest request = service.onlyRequest(SocketClosedRequest.class);
    assertThat(request.getConn()).isEqualTo("conn-6");
    assertThat(request.getReason()).isEqualTo("{shutdown,tcp_closed}");
  }

  @Test
  void theStageCompletesOnlyWhenTheHandlerAnswers() throws Exception {
    service.hold();

    CompletionStage<Void> stage = handler.onReceivedBytes("c", new byte[] {1});
    var observer = service.nextHeld();
    assertThat(stage.toCompletableFuture()).isNotDone();

    FakeUnaryHandlerService.ok(observer);
    assertCompletes(stage);
  }

  @ParameterizedTest
  @EnumSource(value = Status.Code.class, names = {"INTERNAL", "UNAVAILABLE", "UNKNOWN",
      "PERMISSION_DENIED", "RESOURCE_EXHAUSTED"})
  void anErrorStatusFailsTheStageWithTheStatusName(Status.Code code) {
    service.failWith(code.toStatus().withDescription("handler says no"));

    CallbackFailedException failure =
        callbackFailure(handler.onReceivedBytes("c", new byte[] {1}));

    assertThat(failure.reason()).isEqualTo(code.name().toLowerCase(java.util.Locale.ROOT));
    assertThat(failure.getCause()).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }

  @Test
  void aMethodTheHandlerDoesNotImplementFailsWithUnimplemented() throws IOException {
    String name = InProcessServerBuilder.generateName();
    grpc.register(InProcessServerBuilder.forName(name)
        .addService(new io.exproto.grpc.v1.ConnectionUnaryHandlerGrpc.ConnectionUnaryHandlerImplBase() {})
        .build().start());
    GrpcHandler partial = GrpcHandler.builder()
        .channel(grpc.register(InProcessChannelBuilder.forName(name).build())).build();

    assertThat(callbackFailure(partial.onSocketClosed("c", "r")).reason()).isEqualTo("unimplemented");
  }

  @Test
  void aHandlerThatNeverAnswersFailsWithDeadlineExceeded() throws Exception {
    service.hold();
    GrpcHandler impatient = GrpcHandler.builder()
        .channel(channel).callbackTimeout(Duration.ofMillis(200)).build();

    CompletionStage<Void> stage = impatient.onReceivedBytes("c", new byte[] {1});

    assertThat(callbackFailure(stage).reason()).isEqualTo("deadline_exceeded");
    // The call itself is cancelled too: the handler's server sees it end.
    var held = (io.grpc.stub.ServerCallStreamObserver<?>) service.nextHeld();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(held::isCancelled);
  }

  @Test
  void cancellingACallbacksStageCancelsTheCall() throws Exception {
    service.hold();
    CompletionStage<Void> stage = handler.onReceivedBytes("c", new byte[] {1});
    var held = (io.grpc.stub.ServerCallStreamObserver<?>) service.nextHeld();
    assertThat(held.isCancelled()).isFalse();

    stage.toCompletableFuture().cancel(false);

    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(held::isCancelled);
  }

  @Test
  void aCallStartedInsideACancelledContextStillCompletes() throws Exception {
    service.hold();
    // As when the gateway serves an adapter call and a callback is issued on that thread: the
    // server call's context is current, and is cancelled when the server call completes.
    Context.CancellableContext serverCallContext = Context.current().withCancellation();
    AtomicReference<CompletionStage<Void>> stage = new AtomicReference<>();

    serverCallContext.run(() -> stage.set(handler.onReceivedBytes("c", new byte[] {1})));
    var observer = service.nextHeld();
    serverCallContext.cancel(null);
    assertThat(stage.get().toCompletableFuture()).isNotDone();

    FakeUnaryHandlerService.ok(observer);
    assertCompletes(stage.get());
  }

  @Test
  void aCallStartedInsideAnExpiredContextIsNotBoundByItsDeadline() throws Exception {
    service.hold();
    java.util.concurrent.ScheduledExecutorService scheduler =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try {
      // A deadline of 0 has expired already: the context is cancelled at once.
      Context.CancellableContext expired = Context.current()
          .withDeadlineAfter(0, TimeUnit.NANOSECONDS, scheduler);
      assertThat(expired.isCancelled()).isTrue();
      AtomicReference<CompletionStage<Void>> stage = new AtomicReference<>();

      expired.run(() -> stage.set(handler.onReceivedBytes("c", new byte[] {1})));
      var observer = service.nextHeld();
      FakeUnaryHandlerService.ok(observer);

      assertCompletes(stage.get());
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void aTranslationFailureFailsTheStageInsteadOfThrowing() {
    CompletionStage<Void> stage = handler.onTimerTimeout("c", null);

    assertThat(stage.toCompletableFuture()).failsWithin(WAIT);
    assertThat(service.requests).isEmpty();
  }

  @Test
  void closeLeavesAChannelItDidNotCreateOpen() {
    handler.close();

    assertThat(channel.isShutdown()).isFalse();
    assertCompletes(handler.onSocketClosed("c", "r"));
  }

  @Test
  void talksToARealHandlerServiceAtAnHttpAddress() throws IOException {
    var server = grpc.register(NettyServerBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(service).build().start());
    int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    GrpcHandler remote = grpc.register(GrpcHandler.unary("http://127.0.0.1:" + port));

    assertCompletes(remote.onReceivedBytes("c", "over tcp".getBytes(UTF_8)));

    assertThat(service.onlyRequest(ReceivedBytesRequest.class).getBytes().toStringUtf8())
        .isEqualTo("over tcp");
  }

  @Test
  void givenEventLoopsCarryTheChannelAndOutliveTheHandler() throws Exception {
    var server = grpc.register(NettyServerBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(service).build().start());
    int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
        new DefaultThreadFactory("given-loop"), NioIoHandler.newFactory());
    try {
      GrpcHandler remote = GrpcHandler.builder().address("http://127.0.0.1:" + port)
          .eventLoopGroup(group, NioSocketChannel.class).build();
      service.hold();
      CompletionStage<Void> stage = remote.onReceivedBytes("c", "on given loops".getBytes(UTF_8));
      AtomicReference<String> completedOn = new AtomicReference<>();
      stage.whenComplete((v, e) -> completedOn.set(Thread.currentThread().getName()));
      FakeUnaryHandlerService.ok(service.nextHeld()); // answered only now: completes on the loop

      // Not get(): a thread waiting in get() may run the stage's dependents itself.
      org.awaitility.Awaitility.await().atMost(WAIT).until(() -> completedOn.get() != null);
      assertThat(completedOn.get()).startsWith("given-loop");
      assertCompletes(stage);
      remote.close();
      assertThat(group.isShuttingDown()).as("the caller's group is left running").isFalse();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @ParameterizedTest
  @EnumSource(HandlerService.class)
  void eachEventLoopHasItsOwnChannelAndItsCallbacksCompleteOnIt(HandlerService kind)
      throws Exception {
    // The port each call came from tells the handler-side connection it used.
    ConcurrentLinkedQueue<Integer> callerPorts = new ConcurrentLinkedQueue<>();
    ServerInterceptor recordPeer = new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        callerPorts.add(((InetSocketAddress) call.getAttributes()
            .get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)).getPort());
        return next.startCall(call, headers);
      }
    };
    var server = grpc.register(NettyServerBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(ServerInterceptors.intercept(kind == HandlerService.CONNECTION_HANDLER
            ? new StreamingFakeHandlerService() : service, recordPeer))
        .build().start());
    int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2,
        new DefaultThreadFactory("loop"), NioIoHandler.newFactory());
    try (GrpcHandler remote = GrpcHandler.builder().address("http://127.0.0.1:" + port)
        .service(kind).eventLoopGroup(group, NioSocketChannel.class).build()) {
      List<Integer> portOfLoop = new ArrayList<>();
      for (EventExecutor loop : group) {
        Thread loopThread = loop.submit(Thread::currentThread).get();
        for (int i = 0; i < 3; i++) {
          callerPorts.clear();
          AtomicReference<Thread> completedOn = new AtomicReference<>();
          // Issued on the loop, as a connection does; the dependent is registered before the
          // answer can arrive, so it runs where the answer is read.
          CompletionStage<Void> stage = loop.submit(() -> {
            CompletionStage<Void> s = remote.onReceivedBytes("c", "hi".getBytes(UTF_8));
            s.whenComplete((v, e) -> completedOn.set(Thread.currentThread()));
            return s;
          }).get();
          // Not get() first: a thread waiting in get() may run the stage's dependents itself.
          org.awaitility.Awaitility.await().atMost(WAIT).until(() -> completedOn.get() != null);
          assertThat(completedOn.get()).isSameAs(loopThread);
          assertCompletes(stage);
          if (kind == HandlerService.CONNECTION_UNARY_HANDLER || i == 0) {
            // a stream is opened once per loop: later callbacks ride on it
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> !callerPorts.isEmpty());
            assertThat(callerPorts).hasSize(1);
            if (i == 0) {
              portOfLoop.add(callerPorts.peek());
            } else {
              assertThat(callerPorts.peek()).isEqualTo(portOfLoop.get(portOfLoop.size() - 1));
            }
          }
        }
      }
      assertThat(portOfLoop).hasSize(2).doesNotHaveDuplicates();
      if (kind == HandlerService.CONNECTION_UNARY_HANDLER) {
        callerPorts.clear();
        assertCompletes(remote.onReceivedBytes("c", "off loop".getBytes(UTF_8)));
        assertThat(callerPorts).as("other threads use the first loop's channel")
            .containsExactly(portOfLoop.get(0));
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void eventLoopsAreForTheChannelBuiltFromAnAddressOnly() {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      assertThatThrownBy(() -> GrpcHandler.builder().channel(channel)
          .eventLoopGroup(group, NioSocketChannel.class).build())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("eventLoopGroup");
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void anUnreachableHandlerFailsWithUnavailable() throws IOException {
    int freePort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      freePort = probe.getLocalPort();
    }
    GrpcHandler remote = grpc.register(GrpcHandler.builder()
        .address("http://127.0.0.1:" + freePort).callbackTimeout(WAIT).build());

    assertThat(callbackFailure(remote.onSocketCreated("c", new ConnInfo(SocketType.TCP,
        new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("127.0.0.1", 2), null)))
        .reason()).isEqualTo("unavailable");
  }

  @Test
  void callbacksAfterCloseOfAnOwnedChannelFailWithUnavailable() {
    GrpcHandler remote = GrpcHandler.unary("http://127.0.0.1:9");
    remote.close();
    remote.close();

    assertThat(callbackFailure(remote.onSocketClosed("c", "r")).reason()).isEqualTo("unavailable");
  }

  @Test
  void anIpv6AddressIsAccepted() {
    grpc.register(GrpcHandler.unary("http://[::1]:9001/"));
  }

  @Test
  void anHttpsAddressIsAccepted() {
    // Connects lazily: building needs no handler; GrpcHandlerTlsTest talks TLS to one.
    grpc.register(GrpcHandler.unary("https://127.0.0.1:9001"));
    grpc.register(GrpcHandler.unary("https://handler.example:9001/"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "127.0.0.1:9001", "http://127.0.0.1", "http://127.0.0.1:0",
      "http://127.0.0.1:70000", "ftp://127.0.0.1:9001", "http://127.0.0.1:9001/path",
      "http://user@127.0.0.1:9001", "http://127.0.0.1:9001?q=1", "http:// bad:1"})
  void aMalformedAddressIsRejectedClearly(String address) {
    assertThatThrownBy(() -> GrpcHandler.unary(address))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("handler address must look like http://host:port or https://host:port, was "
            + address);
  }

  @Test
  void theBuilderNeedsExactlyOneOfAddressAndChannel() {
    assertThatThrownBy(() -> GrpcHandler.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("address");
    assertThatThrownBy(() -> GrpcHandler.builder().address("http://h:1").channel(channel).build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aNonPositiveCallbackTimeoutIsRejected() {
    assertThatThrownBy(() -> GrpcHandler.builder().callbackTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("callbackTimeout");
  }
}
