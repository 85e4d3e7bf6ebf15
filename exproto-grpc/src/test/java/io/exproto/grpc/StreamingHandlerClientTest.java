package io.exproto.grpc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.exproto.grpc.internal.StreamingHandlerClient;
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
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class StreamingHandlerClientTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final ConnInfo CONN_INFO = new ConnInfo(SocketType.SSL,
      new InetSocketAddress("10.1.2.3", 51234), new InetSocketAddress("192.168.0.9", 7993),
      new PeerCertificate("client", "CN=client,O=Org,C=CN"));

  @RegisterExtension final GrpcCleanup grpc = new GrpcCleanup();

  private final StreamingFakeHandlerService service = new StreamingFakeHandlerService();
  /** The time the client sees, advanced by hand. */
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  /**
   * A client of {@link #service} over the in-process transport. With {@code direct}, gRPC runs
   * its callbacks on the calling thread (as with the gateway's directExecutor channel), so the
   * client's reentrancy is exercised too.
   */
  private StreamingHandlerClient connect(boolean direct, Duration maxBackoff, int maxQueued)
      throws IOException {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder server = InProcessServerBuilder.forName(name).addService(service);
    InProcessChannelBuilder channel = InProcessChannelBuilder.forName(name);
    if (direct) {
      server.directExecutor();
      channel.directExecutor();
    }
    grpc.register(server.build().start());
    return grpc.register(new StreamingHandlerClient(grpc.register(channel.build()), false,
        maxBackoff, maxQueued, nanos::get));
  }

  private StreamingHandlerClient connect() throws IOException {
    return connect(true, Duration.ofSeconds(1), 100);
  }

  /** Polls often, for at most {@link #WAIT}. */
  private static ConditionFactory eventually() {
    return await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
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

  /** A failure already there: the callback was refused without waiting for anything. */
  private static CallbackFailedException immediateFailure(CompletionStage<Void> stage) {
    assertThat(stage.toCompletableFuture()).isCompletedExceptionally();
    return callbackFailure(stage);
  }

  /**
   * Repeats {@code callback} until the client has seen its stream fail and refuses it; returns
   * the refusal. Attempts before that are written to the dying stream (and lost, as the
   * streaming form allows).
   */
  private static CallbackFailedException awaitRefusal(Supplier<CompletionStage<Void>> callback) {
    AtomicReference<CallbackFailedException> refusal = new AtomicReference<>();
    eventually().until(() -> {
      CompletableFuture<Void> attempt = callback.get().toCompletableFuture();
      try {
        attempt.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        return false;
      } catch (ExecutionException e) {
        refusal.set((CallbackFailedException) e.getCause());
        return true;
      }
    });
    return refusal.get();
  }

  /** Whether {@code stage} completes normally (false if it fails), waiting a bounded time. */
  private static boolean succeeds(CompletionStage<Void> stage) throws Exception {
    try {
      stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException e) {
      return false;
    }
  }

  private static byte[] counter(int i) {
    return ByteBuffer.allocate(4).putInt(i).array();
  }

  private static int counter(ReceivedBytesRequest request) {
    return request.getBytes().asReadOnlyByteBuffer().getInt();
  }

  private void advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
  }

  @Test
  void everyCallbackTypeArrivesOnItsOwnStreamWithItsFields() throws IOException {
    StreamingHandlerClient client = connect();
    List<Message> messages = List.of(new Message("node@host", "0123456789ABCDEF0123456789ABCDEF",
        2, "dev-1", "t/1", "hello".getBytes(UTF_8), 1_700_000_000_123L));

    assertCompletes(client.onSocketCreated("conn-1", CONN_INFO));
    assertCompletes(client.onReceivedBytes("conn-1", new byte[] {1, 0, (byte) 0x80, 127}));
    assertCompletes(client.onTimerTimeout("conn-1", TimerType.KEEPALIVE));
    assertCompletes(client.onReceivedMessages("conn-1", messages));
    assertCompletes(client.onSocketClosed("conn-1", "{shutdown,tcp_closed}"));

    eventually().until(() -> service.streams.size() == 5
        && service.streams.stream().allMatch(s -> s.receivedCount() == 1));
    var created = (SocketCreatedRequest) service.onlyStream("OnSocketCreated").received().get(0);
    assertThat(created.getConn()).isEqualTo("conn-1");
    assertThat(created.getConninfo().getSocktype()).isEqualTo(io.exproto.grpc.v1.SocketType.SSL);
    assertThat(created.getConninfo().getPeername().getHost()).isEqualTo("10.1.2.3");
    assertThat(created.getConninfo().getPeername().getPort()).isEqualTo(51234);
    assertThat(created.getConninfo().getSockname().getHost()).isEqualTo("192.168.0.9");
    assertThat(created.getConninfo().getPeercert().getDn()).isEqualTo("CN=client,O=Org,C=CN");
    var bytes = (ReceivedBytesRequest) service.onlyStream("OnReceivedBytes").received().get(0);
    assertThat(bytes.getConn()).isEqualTo("conn-1");
    assertThat(bytes.getBytes().toByteArray()).containsExactly(1, 0, 0x80, 127);
    var timer = (TimerTimeoutRequest) service.onlyStream("OnTimerTimeout").received().get(0);
    assertThat(timer.getConn()).isEqualTo("conn-1");
    assertThat(timer.getType()).isEqualTo(io.exproto.grpc.v1.TimerType.KEEPALIVE);
    var delivered =
        (ReceivedMessagesRequest) service.onlyStream("OnReceivedMessages").received().get(0);
    assertThat(delivered.getConn()).isEqualTo("conn-1");
    assertThat(delivered.getMessagesCount()).isEqualTo(1);
    assertThat(delivered.getMessages(0).getId()).isEqualTo("0123456789ABCDEF0123456789ABCDEF");
    assertThat(delivered.getMessages(0).getQos()).isEqualTo(2);
    assertThat(delivered.getMessages(0).getFrom()).isEqualTo("dev-1");
    assertThat(delivered.getMessages(0).getTopic()).isEqualTo("t/1");
    assertThat(delivered.getMessages(0).getPayload().toStringUtf8()).isEqualTo("hello");
    assertThat(delivered.getMessages(0).getTimestamp()).isEqualTo(1_700_000_000_123L);
    var closed = (SocketClosedRequest) service.onlyStream("OnSocketClosed").received().get(0);
    assertThat(closed.getConn()).isEqualTo("conn-1");
    assertThat(closed.getReason()).isEqualTo("{shutdown,tcp_closed}");
  }

  @Test
  void aStreamIsOpenedOnceAndReused() throws IOException {
    StreamingHandlerClient client = connect();

    for (int i = 0; i < 100; i++) {
      assertCompletes(client.onSocketClosed("conn-" + i, "normal"));
    }

    eventually().until(() -> service.onlyStream("OnSocketClosed").receivedCount() == 100);
    assertThat(service.streams).hasSize(1);
    assertThat(service.onlyStream("OnSocketClosed").received())
        .extracting(r -> ((SocketClosedRequest) r).getConn())
        .startsWith("conn-0", "conn-1", "conn-2").endsWith("conn-99");
  }

  @Test
  void concurrentCallbacksKeepEachConnectionsOrderOnOneStream() throws Exception {
    // Default executors: gRPC's reports come from its own threads, as over a real network.
    StreamingHandlerClient client = connect(false, Duration.ofSeconds(1), 10_000);
    int threads = 4;
    int perConn = 1_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<CompletionStage<Void>>>> senders = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String conn = "conn-" + t;
        senders.add(pool.submit(() -> {
          go.await();
          List<CompletionStage<Void>> stages = new ArrayList<>(perConn);
          for (int i = 0; i < perConn; i++) {
            stages.add(client.onReceivedBytes(conn, counter(i)));
          }
          return stages;
        }));
      }
      go.countDown();
      for (Future<List<CompletionStage<Void>>> sender : senders) {
        for (CompletionStage<Void> stage : sender.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          assertCompletes(stage);
        }
      }
    } finally {
      pool.shutdownNow();
    }

    eventually().until(
        () -> service.onlyStream("OnReceivedBytes").receivedCount() == threads * perConn);
    assertThat(service.streams).hasSize(1);
    Map<String, List<Integer>> byConn = new HashMap<>();
    for (Object received : service.onlyStream("OnReceivedBytes").received()) {
      ReceivedBytesRequest request = (ReceivedBytesRequest) received;
      byConn.computeIfAbsent(request.getConn(), c -> new ArrayList<>()).add(counter(request));
    }
    List<Integer> expected = java.util.stream.IntStream.range(0, perConn).boxed().toList();
    assertThat(byConn).hasSize(threads);
    byConn.forEach((conn, counters) -> assertThat(counters).as(conn).isEqualTo(expected));
  }

  @Test
  void aFailedStreamRefusesCallbacksDuringTheBackoffThenReopens() throws Exception {
    StreamingHandlerClient client = connect();
    assertCompletes(client.onReceivedBytes("c", counter(0)));
    StreamingFakeHandlerService.FakeStream first = service.nextOpened();

    first.fail(Status.INTERNAL.withDescription("handler crashed"));

    CallbackFailedException refusal = awaitRefusal(() -> client.onReceivedBytes("c", counter(1)));
    assertThat(refusal.reason()).isEqualTo("unavailable");
    assertThat(Status.fromThrowable(refusal.getCause()).getCode()).isEqualTo(Status.Code.INTERNAL);
    advance(Duration.ofMillis(99));
    assertThat(immediateFailure(client.onReceivedBytes("c", counter(2))).reason())
        .isEqualTo("unavailable");
    // Other callback types have streams of their own and are not affected.
    assertCompletes(client.onSocketClosed("c", "normal"));

    advance(Duration.ofMillis(1));
    assertCompletes(client.onReceivedBytes("c", counter(3)));

    assertThat(service.streams("OnReceivedBytes")).hasSize(2);
    StreamingFakeHandlerService.FakeStream second = service.streams("OnReceivedBytes").get(1);
    eventually().until(() -> second.receivedCount() == 1);
    assertThat(counter((ReceivedBytesRequest) second.received().get(0))).isEqualTo(3);
  }

  @Test
  void theBackoffDoublesUpToTheCapAndResetsAfterAStreamThatWorked() throws Exception {
    StreamingHandlerClient client = connect(true, Duration.ofMillis(1000), 100);
    // Every new stream fails as soon as its first message arrives, as a handler service that
    // does not implement the streaming service would.
    service.failFirstMessage = Status.UNIMPLEMENTED;
    assertCompletes(client.onTimerTimeout("c", TimerType.KEEPALIVE));
    awaitRefusal(() -> client.onTimerTimeout("c", TimerType.KEEPALIVE));

    for (long backoffMillis : new long[] {100, 200, 400, 800, 1000, 1000}) {
      int streamsBefore = service.streams.size();
      advance(Duration.ofMillis(backoffMillis - 1));
      assertThat(immediateFailure(client.onTimerTimeout("c", TimerType.KEEPALIVE)).reason())
          .as("backoff %d ms", backoffMillis).isEqualTo("unavailable");
      advance(Duration.ofMillis(1));
      assertCompletes(client.onTimerTimeout("c", TimerType.KEEPALIVE));
      assertThat(service.streams).hasSize(streamsBefore + 1);
      awaitRefusal(() -> client.onTimerTimeout("c", TimerType.KEEPALIVE));
    }

    // A stream that carries messages and stays up longer than its backoff worked: the next
    // failure starts again at 100 ms.
    service.failFirstMessage = null;
    advance(Duration.ofMillis(1000));
    assertCompletes(client.onTimerTimeout("c", TimerType.KEEPALIVE));
    StreamingFakeHandlerService.FakeStream healthy =
        service.streams.get(service.streams.size() - 1);
    eventually().until(() -> healthy.receivedCount() == 1);
    advance(Duration.ofMillis(1000));
    healthy.fail(Status.UNAVAILABLE);
    awaitRefusal(() -> client.onTimerTimeout("c", TimerType.KEEPALIVE));
    advance(Duration.ofMillis(99));
    assertThat(immediateFailure(client.onTimerTimeout("c", TimerType.KEEPALIVE)).reason())
        .isEqualTo("unavailable");
    advance(Duration.ofMillis(1));
    assertCompletes(client.onTimerTimeout("c", TimerType.KEEPALIVE));
  }

  @Test
  void withARealClockTheStreamReopensAfterTheBackoff() throws Exception {
    String name = InProcessServerBuilder.generateName();
    grpc.register(InProcessServerBuilder.forName(name).addService(service).build().start());
    StreamingHandlerClient client = grpc.register(new StreamingHandlerClient(
        grpc.register(InProcessChannelBuilder.forName(name).build()), false,
        Duration.ofMillis(50)));
    assertCompletes(client.onReceivedBytes("c", counter(0)));
    service.nextOpened().fail(Status.UNAVAILABLE);

    assertThat(awaitRefusal(() -> client.onReceivedBytes("c", counter(1))).reason())
        .isEqualTo("unavailable");

    // Refused callbacks write nothing, so polling until one is accepted is harmless.
    eventually()
        .until(() -> succeeds(client.onReceivedBytes("c", counter(2))));
    StreamingFakeHandlerService.FakeStream reopened = service.nextOpened();
    eventually().until(() -> reopened.receivedCount() == 1);
    assertCompletes(client.onReceivedBytes("c", counter(3)));
    eventually().until(() -> reopened.receivedCount() == 2);
  }

  @Test
  void aStreamTheServiceCompletesIsBrokenToo() throws Exception {
    StreamingHandlerClient client = connect();
    assertCompletes(client.onSocketCreated("c", CONN_INFO));

    service.nextOpened().complete();

    CallbackFailedException refusal = awaitRefusal(() -> client.onSocketCreated("c", CONN_INFO));
    assertThat(refusal.reason()).isEqualTo("unavailable");
    assertThat(refusal.getCause()).hasMessageContaining("completed the OnSocketCreated stream");
  }

  @Test
  void aServiceThatStopsReadingFillsTheQueueThenCallbacksFailWithResourceExhausted()
      throws Exception {
    service.manualFlowControl = true;
    StreamingHandlerClient client = connect(true, Duration.ofSeconds(1), 5);
    List<CompletionStage<Void>> queued = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      queued.add(client.onReceivedBytes("c", counter(i)));
    }
    StreamingFakeHandlerService.FakeStream stream = service.nextOpened();

    for (int i = 5; i < 1_000; i++) {
      assertThat(immediateFailure(client.onReceivedBytes("c", counter(i))).reason())
          .isEqualTo("resource_exhausted");
    }
    assertThat(queued).allSatisfy(stage -> assertThat(stage.toCompletableFuture()).isNotDone());
    assertThat(stream.receivedCount()).isZero();

    stream.request(1_000);

    for (CompletionStage<Void> stage : queued) {
      assertCompletes(stage);
    }
    eventually().until(() -> stream.receivedCount() == 5);
    assertThat(stream.received()).extracting(r -> counter((ReceivedBytesRequest) r))
        .containsExactly(0, 1, 2, 3, 4);
    // Ready again: callbacks are written at once.
    assertCompletes(client.onReceivedBytes("c", counter(1_000)));
    eventually().until(() -> stream.receivedCount() == 6);
  }

  @Test
  void aStreamFailureFailsEveryQueuedCallbackWithUnavailable() throws Exception {
    service.manualFlowControl = true;
    StreamingHandlerClient client = connect();
    List<CompletionStage<Void>> queued = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      queued.add(client.onReceivedMessages("conn-" + i, List.of()));
    }
    StreamingFakeHandlerService.FakeStream stream = service.nextOpened();

    stream.fail(Status.UNAVAILABLE.withDescription("handler restarting"));

    for (CompletionStage<Void> stage : queued) {
      CallbackFailedException failure = callbackFailure(stage);
      assertThat(failure.reason()).isEqualTo("unavailable");
      assertThat(Status.fromThrowable(failure.getCause()).getDescription())
          .isEqualTo("handler restarting");
    }
    assertThat(stream.receivedCount()).isZero();
  }

  @Test
  void anUnreachableServiceFailsTheCallbackWithUnavailable() {
    StreamingHandlerClient client = grpc.register(new StreamingHandlerClient(
        grpc.register(InProcessChannelBuilder.forName("no-such-handler").build()), false,
        Duration.ofSeconds(1), 100, nanos::get));

    assertThat(callbackFailure(client.onSocketCreated("c", CONN_INFO)).reason())
        .isEqualTo("unavailable");
    assertThat(immediateFailure(client.onSocketCreated("c", CONN_INFO)).reason())
        .isEqualTo("unavailable");
  }

  @Test
  void aStreamOpenedInsideAContextThatIsCancelledLaterLivesOn() throws Exception {
    StreamingHandlerClient client = connect();
    // As when the gateway serves an adapter call and a callback is issued on that thread: the
    // server call's context is current, and is cancelled when the server call completes.
    Context.CancellableContext serverCallContext = Context.current().withCancellation();
    AtomicReference<CompletionStage<Void>> first = new AtomicReference<>();

    serverCallContext.run(() -> first.set(client.onReceivedBytes("c", counter(0))));
    assertCompletes(first.get());
    serverCallContext.cancel(null);

    assertCompletes(client.onReceivedBytes("c", counter(1)));
    StreamingFakeHandlerService.FakeStream stream = service.onlyStream("OnReceivedBytes");
    eventually().until(() -> stream.receivedCount() == 2);
    assertThat(stream.cancelled).isNotDone();
  }

  @Test
  void aCallbackInsideAnAlreadyCancelledContextStillWorks() throws Exception {
    StreamingHandlerClient client = connect();
    Context.CancellableContext cancelled = Context.current().withCancellation();
    cancelled.cancel(null);
    AtomicReference<CompletionStage<Void>> stage = new AtomicReference<>();

    cancelled.run(() -> stage.set(client.onSocketCreated("c", CONN_INFO)));

    assertCompletes(stage.get());
    StreamingFakeHandlerService.FakeStream stream = service.nextOpened();
    eventually().until(() -> stream.receivedCount() == 1);
    assertThat(stream.cancelled).isNotDone();
  }

  @Test
  void closeHalfClosesTheStreamsAndKeepsWhatWasWritten() throws Exception {
    StreamingHandlerClient client = connect();
    CompletionStage<Void> created = client.onSocketCreated("c", CONN_INFO);
    CompletionStage<Void> bytes = client.onReceivedBytes("c", counter(7));
    assertCompletes(created);
    assertCompletes(bytes);
    eventually().until(() -> service.streams.size() == 2
        && service.streams.stream().allMatch(s -> s.receivedCount() == 1));

    client.close();

    for (StreamingFakeHandlerService.FakeStream stream : service.streams) {
      assertThat(stream.halfClosed).as(stream.method).succeedsWithin(WAIT);
      assertThat(stream.cancelled).as(stream.method).isNotDone();
      assertThat(stream.receivedCount()).isEqualTo(1);
    }
    assertThat(created.toCompletableFuture()).isCompleted().isNotCompletedExceptionally();
    assertThat(bytes.toCompletableFuture()).isCompleted().isNotCompletedExceptionally();
    assertThat(immediateFailure(client.onReceivedBytes("c", counter(8))).reason())
        .isEqualTo("unavailable");
    client.close(); // idempotent
  }

  @Test
  void closeFailsQueuedCallbacksWithUnavailable() throws Exception {
    service.manualFlowControl = true;
    StreamingHandlerClient client = connect();
    CompletionStage<Void> first = client.onSocketClosed("a", "normal");
    CompletionStage<Void> second = client.onSocketClosed("b", "normal");
    StreamingFakeHandlerService.FakeStream stream = service.nextOpened();

    client.close();

    assertThat(immediateFailure(first).reason()).isEqualTo("unavailable");
    assertThat(immediateFailure(second).reason()).isEqualTo("unavailable");
    assertThat(stream.halfClosed).succeedsWithin(WAIT);
    assertThat(stream.receivedCount()).isZero();
  }

  @Test
  void closeShutsDownAChannelItOwns() throws Exception {
    String name = InProcessServerBuilder.generateName();
    grpc.register(InProcessServerBuilder.forName(name).addService(service).build().start());
    ManagedChannel owned = InProcessChannelBuilder.forName(name).build();
    StreamingHandlerClient client =
        new StreamingHandlerClient(owned, true, Duration.ofSeconds(1));
    assertCompletes(client.onReceivedBytes("c", counter(0)));
    StreamingFakeHandlerService.FakeStream stream = service.nextOpened();

    client.close();

    assertThat(owned.isTerminated()).isTrue();
    assertThat(stream.halfClosed).succeedsWithin(WAIT);
  }

  @Test
  void closeLeavesAChannelItDoesNotOwnOpen() throws Exception {
    String name = InProcessServerBuilder.generateName();
    grpc.register(InProcessServerBuilder.forName(name).addService(service).build().start());
    ManagedChannel shared = grpc.register(InProcessChannelBuilder.forName(name).build());

    new StreamingHandlerClient(shared, false, Duration.ofSeconds(1)).close();

    assertThat(shared.isShutdown()).isFalse();
  }

  @Test
  void aTranslationFailureFailsTheStageInsteadOfThrowing() throws IOException {
    StreamingHandlerClient client = connect();

    assertThat(client.onTimerTimeout("c", null).toCompletableFuture()).failsWithin(WAIT);
    assertThat(client.onSocketCreated("c", null).toCompletableFuture()).failsWithin(WAIT);
    assertThat(service.streams).isEmpty();
  }

  @Test
  void invalidSettingsAreRejectedClearly() {
    ManagedChannel channel = grpc.register(InProcessChannelBuilder.forName("unused").build());

    assertThatThrownBy(() -> new StreamingHandlerClient(channel, false, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reopen backoff cap must be positive");
    assertThatThrownBy(() -> new StreamingHandlerClient(channel, false, Duration.ofSeconds(1), 0,
        System::nanoTime))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queue limit per stream must be at least 1, was 0");
  }
}
