package io.exproto.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.SendBytesRequest;
import io.exproto.handler.AdapterResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The adapter server's bounds on calls in progress. */
class GrpcAdapterServerLimitsTest {
  private static final InetSocketAddress ANY_LOCAL_PORT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  private static final Duration WAIT = Duration.ofSeconds(5);

  @RegisterExtension final GrpcCleanup grpc = new GrpcCleanup();

  private final RecordingAdapter adapter = new RecordingAdapter();

  private GrpcAdapterServer startServer(GrpcAdapterServer.Builder builder) throws Exception {
    return grpc.register(builder.bind(ANY_LOCAL_PORT).build()).start();
  }

  private ManagedChannel channelTo(GrpcAdapterServer server) {
    return grpc.register(NettyChannelBuilder.forAddress(server.localAddress()).usePlaintext()
        .build());
  }

  private static SendBytesRequest send(String conn) {
    return SendBytesRequest.newBuilder().setConn(conn).build();
  }

  private static CompletableFuture<CodeResponse> sendAsync(ManagedChannel channel, String conn) {
    var future = ConnectionAdapterGrpc.newFutureStub(channel)
        .withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS).send(send(conn));
    CompletableFuture<CodeResponse> result = new CompletableFuture<>();
    future.addListener(() -> {
      try {
        result.complete(future.get());
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    }, Runnable::run);
    return result;
  }

  @Test
  void aCallBeyondTheLimitIsRejectedUntilOneFinishes() throws Exception {
    GrpcAdapterServer server =
        startServer(GrpcAdapterServer.builder(adapter).maxConcurrentCalls(1));
    ManagedChannel channel = channelTo(server);
    CompletableFuture<AdapterResult> held = new CompletableFuture<>();
    adapter.answer = () -> held;

    CompletableFuture<CodeResponse> first = sendAsync(channel, "first");
    await().atMost(WAIT).until(() -> adapter.calls.size() == 1);

    var stub = ConnectionAdapterGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> stub.send(send("second")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(e.getStatus().getDescription())
              .isEqualTo("too many adapter calls in progress (limit 1)");
        });
    assertThat(adapter.calls).hasSize(1); // the rejected call never reached the adapter

    // Health checks do not count against the adapter's limit.
    assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(ServingStatus.SERVING);

    held.complete(AdapterResult.SUCCESS);
    assertThat(first).succeedsWithin(WAIT);

    assertThat(stub.send(send("third")).getCode())
        .isEqualTo(io.exproto.grpc.v1.ResultCode.SUCCESS);
    assertThat(stub.send(send("fourth")).getCode())
        .isEqualTo(io.exproto.grpc.v1.ResultCode.SUCCESS);
    assertThat(adapter.calls).extracting(RecordingAdapter.Call::conn)
        .containsExactly("first", "third", "fourth");
  }

  @Test
  void aFailedStageFreesItsSlotToo() throws Exception {
    GrpcAdapterServer server =
        startServer(GrpcAdapterServer.builder(adapter).maxConcurrentCalls(1));
    var stub = ConnectionAdapterGrpc.newBlockingStub(channelTo(server))
        .withDeadlineAfter(5, TimeUnit.SECONDS);
    adapter.answer = () -> CompletableFuture.failedStage(new IllegalStateException("boom"));

    for (int i = 0; i < 3; i++) {
      assertThat(stub.send(send("c" + i)).getCode())
          .isEqualTo(io.exproto.grpc.v1.ResultCode.UNKNOWN);
    }
    adapter.answer = () -> {
      throw new IllegalStateException("thrown");
    };
    for (int i = 0; i < 3; i++) {
      assertThat(stub.send(send("d" + i)).getCode())
          .isEqualTo(io.exproto.grpc.v1.ResultCode.UNKNOWN);
    }
    assertThat(adapter.calls).hasSize(6);
  }

  @Test
  void callsBeyondThePerConnectionLimitWaitForAFreeStream() throws Exception {
    GrpcAdapterServer server = startServer(GrpcAdapterServer.builder(adapter)
        .maxConcurrentCallsPerConnection(1));
    ManagedChannel channel = channelTo(server);
    CompletableFuture<AdapterResult> held = new CompletableFuture<>();
    adapter.answer = () -> held;

    CompletableFuture<CodeResponse> first = sendAsync(channel, "first");
    await().atMost(WAIT).until(() -> adapter.calls.size() == 1);
    CompletableFuture<CodeResponse> queued = sendAsync(channel, "queued");
    // Another connection is not held up; by the time its call arrives, the queued call has had
    // every chance to arrive too, had the server let it.
    CompletableFuture<CodeResponse> other = sendAsync(channelTo(server), "other connection");
    await().atMost(WAIT).until(() -> adapter.calls.size() == 2);
    assertThat(adapter.calls).extracting(RecordingAdapter.Call::conn)
        .containsExactly("first", "other connection");
    assertThat(queued).isNotDone();

    held.complete(AdapterResult.SUCCESS);

    assertThat(first).succeedsWithin(WAIT);
    assertThat(other).succeedsWithin(WAIT);
    assertThat(queued).succeedsWithin(WAIT);
    assertThat(adapter.calls).extracting(RecordingAdapter.Call::conn)
        .containsExactly("first", "other connection", "queued");
  }

  @Test
  void nonPositiveLimitsAreRejected() {
    GrpcAdapterServer.Builder builder = GrpcAdapterServer.builder(adapter);

    assertThatThrownBy(() -> builder.maxConcurrentCalls(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConcurrentCalls must be a positive number of calls, was 0");
    assertThatThrownBy(() -> builder.maxConcurrentCallsPerConnection(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConcurrentCallsPerConnection must be a positive number of calls, was -1");
  }

  @Test
  void theDefaultsAreDocumentedValues() {
    assertThat(GrpcAdapterServer.DEFAULT_MAX_CONCURRENT_CALLS).isEqualTo(10_000);
    assertThat(GrpcAdapterServer.DEFAULT_MAX_CONCURRENT_CALLS_PER_CONNECTION).isEqualTo(1_000);
  }
}
