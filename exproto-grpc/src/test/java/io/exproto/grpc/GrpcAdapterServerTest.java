package io.exproto.grpc;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.ConnectionAdapterGrpc.ConnectionAdapterBlockingStub;
import io.exproto.grpc.v1.SendBytesRequest;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ResultCode;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class GrpcAdapterServerTest {
  private static final InetSocketAddress ANY_LOCAL_PORT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  @RegisterExtension final GrpcCleanup grpc = new GrpcCleanup();

  private final RecordingAdapter adapter = new RecordingAdapter();

  private GrpcAdapterServer startServer(GrpcAdapterServer.Builder builder) throws IOException {
    return grpc.register(builder.bind(ANY_LOCAL_PORT).build()).start();
  }

  private ManagedChannel channelTo(GrpcAdapterServer server) {
    return grpc.register(NettyChannelBuilder.forAddress(server.localAddress()).usePlaintext().build());
  }

  private ConnectionAdapterBlockingStub adapterStub(GrpcAdapterServer server) {
    return ConnectionAdapterGrpc.newBlockingStub(channelTo(server))
        .withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  @Test
  void aRealClientGetsTheAdaptersResult() throws Exception {
    GrpcAdapterServer server = startServer(GrpcAdapterServer.builder(adapter));
    adapter.answerWith(AdapterResult.of(ResultCode.CONN_PROCESS_NOT_ALIVE, "connection closed"));

    CodeResponse response = adapterStub(server).send(SendBytesRequest.newBuilder()
        .setConn("c1").setBytes(ByteString.copyFromUtf8("ping")).build());

    assertThat(server.port()).isPositive();
    assertThat(response.getCode()).isEqualTo(io.exproto.grpc.v1.ResultCode.CONN_PROCESS_NOT_ALIVE);
    assertThat(response.getMessage()).isEqualTo("connection closed");
    assertThat(adapter.onlyCall().conn()).isEqualTo("c1");
    assertThat(adapter.onlyCall().bytes()).asString(US_ASCII).isEqualTo("ping");
  }

  @Test
  void givenEventLoopsRunTheCallsAndOutliveTheServer() throws Exception {
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1,
        new DefaultThreadFactory("given-boss"), NioIoHandler.newFactory());
    EventLoopGroup worker = new MultiThreadIoEventLoopGroup(1,
        new DefaultThreadFactory("given-worker"), NioIoHandler.newFactory());
    try {
      GrpcAdapterServer server = startServer(GrpcAdapterServer.builder(adapter)
          .eventLoopGroups(boss, worker, NioServerSocketChannel.class));

      adapterStub(server).send(SendBytesRequest.newBuilder().setConn("c1")
          .setBytes(ByteString.copyFromUtf8("ping")).build());

      assertThat(adapter.onlyCall().conn()).isEqualTo("c1");
      assertThat(adapter.lastThread).startsWith("given-worker");
      server.close();
      assertThat(boss.isShuttingDown() || worker.isShuttingDown())
          .as("the caller's groups are left running").isFalse();
    } finally {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      worker.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void healthReportsServingForTheServerAndTheAdapterService() throws Exception {
    GrpcAdapterServer server = startServer(GrpcAdapterServer.builder(adapter));
    var health = HealthGrpc.newBlockingStub(channelTo(server))
        .withDeadlineAfter(5, TimeUnit.SECONDS);

    assertThat(health.check(HealthCheckRequest.newBuilder().setService("").build()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
    assertThat(health.check(HealthCheckRequest.newBuilder()
            .setService("emqx.exproto.v1.ConnectionAdapter").build()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void reflectionListsTheAdapterService() throws Exception {
    GrpcAdapterServer server = startServer(GrpcAdapterServer.builder(adapter));
    CompletableFuture<List<String>> services = new CompletableFuture<>();
    List<String> names = new ArrayList<>();

    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc
        .newStub(channelTo(server))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse response) {
            response.getListServicesResponse().getServiceList().stream()
                .map(ServiceResponse::getName)
                .forEach(names::add);
          }

          @Override
          public void onError(Throwable t) {
            services.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            services.complete(names);
          }
        });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();

    assertThat(services).succeedsWithin(Duration.ofSeconds(5))
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.list(String.class))
        .contains("emqx.exproto.v1.ConnectionAdapter", "grpc.health.v1.Health");
  }

  @Test
  void garbageOnThePortDoesNotStopTheServer() throws Exception {
    GrpcAdapterServer server = startServer(GrpcAdapterServer.builder(adapter));

    try (Socket socket = new Socket()) {
      socket.connect(server.localAddress(), 5_000);
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(US_ASCII));
      byte[] noise = new byte[512];
      for (int i = 0; i < noise.length; i++) {
        noise[i] = (byte) (i * 31 + 7);
      }
      out.write(noise);
      out.flush();
      // The server rejects the connection: read until it closes it (or resets it).
      InputStream in = socket.getInputStream();
      try {
        while (in.read() != -1) {
          // drain whatever the server answered
        }
      } catch (SocketException reset) {
        // a reset is a fine way to refuse garbage too
      }
    }

    CodeResponse response = adapterStub(server).send(
        SendBytesRequest.newBuilder().setConn("after-garbage").build());
    assertThat(response.getCode()).isEqualTo(io.exproto.grpc.v1.ResultCode.SUCCESS);
    assertThat(adapter.onlyCall().conn()).isEqualTo("after-garbage");
  }

  @Test
  void anOversizeRequestIsRejectedWithResourceExhausted() throws Exception {
    GrpcAdapterServer server = startServer(
        GrpcAdapterServer.builder(adapter).maxInboundMessageSize(1024));
    ConnectionAdapterBlockingStub stub = adapterStub(server);

    assertThatThrownBy(() -> stub.send(SendBytesRequest.newBuilder()
            .setConn("c").setBytes(ByteString.copyFrom(new byte[4096])).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(adapter.calls).isEmpty();

    // A request within the limit still works on the same server.
    stub.send(SendBytesRequest.newBuilder().setConn("c").setBytes(ByteString.copyFrom(new byte[512]))
        .build());
    assertThat(adapter.onlyCall().bytes()).hasSize(512);
  }

  @Test
  void startingTwiceThrows() throws Exception {
    GrpcAdapterServer server = startServer(GrpcAdapterServer.builder(adapter));

    assertThatThrownBy(server::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already started");
  }

  @Test
  void portBeforeStartThrows() {
    GrpcAdapterServer server = grpc.register(GrpcAdapterServer.builder(adapter).bind(ANY_LOCAL_PORT).build());

    assertThatThrownBy(server::port)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not started");
  }

  @Test
  void aPortInUseFailsStartWithIoException() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      GrpcAdapterServer server = grpc.register(GrpcAdapterServer.builder(adapter)
          .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort()))
          .build());

      assertThatThrownBy(server::start).isInstanceOf(IOException.class);
    }
  }

  @Test
  void closeTerminatesTheServerAndStopsServing() throws Exception {
    GrpcAdapterServer server = startServer(GrpcAdapterServer.builder(adapter));
    ConnectionAdapterBlockingStub stub = adapterStub(server);
    stub.close(io.exproto.grpc.v1.CloseSocketRequest.newBuilder().setConn("c").build());

    server.close();

    assertThat(server.isTerminated()).isTrue();
    assertThatThrownBy(() -> stub.send(SendBytesRequest.newBuilder().setConn("c").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void invalidSettingsAreRejected() {
    GrpcAdapterServer.Builder builder = GrpcAdapterServer.builder(adapter);

    assertThatThrownBy(() -> builder.maxInboundMessageSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxInboundMessageSize")
        .hasMessageContaining("0");
    assertThatThrownBy(() -> GrpcAdapterServer.builder(null))
        .isInstanceOf(NullPointerException.class);
  }
}
