package io.exproto.examples;

import io.exproto.grpc.v1.AuthenticateRequest;
import io.exproto.server.HostPort;
import io.exproto.grpc.v1.ClientInfo;
import io.exproto.grpc.v1.CodeResponse;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.grpc.v1.ConnectionAdapterGrpc.ConnectionAdapterStub;
import io.exproto.grpc.v1.ConnectionUnaryHandlerGrpc;
import io.exproto.grpc.v1.EmptySuccess;
import io.exproto.grpc.v1.Message;
import io.exproto.grpc.v1.PublishRequest;
import io.exproto.grpc.v1.ReceivedBytesRequest;
import io.exproto.grpc.v1.ReceivedMessagesRequest;
import io.exproto.grpc.v1.ResultCode;
import io.exproto.grpc.v1.SendBytesRequest;
import io.exproto.grpc.v1.SocketClosedRequest;
import io.exproto.grpc.v1.SocketCreatedRequest;
import io.exproto.grpc.v1.SubscribeRequest;
import io.exproto.grpc.v1.TimerRequest;
import io.exproto.grpc.v1.TimerTimeoutRequest;
import io.exproto.grpc.v1.TimerType;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * An example handler service in Java: the gRPC {@code ConnectionUnaryHandler} a gateway calls,
 * calling the gateway's {@code ConnectionAdapter} back. It works against EMQX's ExProto gateway as
 * well; it only uses {@code exproto.proto}.
 *
 * <ul>
 *   <li>OnSocketCreated: Authenticate as {@code dev-<n>}, Subscribe to
 *       {@code devices/<clientid>/down} (qos 1), StartTimer KEEPALIVE 60 s.
 *   <li>OnReceivedBytes: Publish the bytes to {@code devices/<clientid>/up} (for the backend)
 *       and, for the echo demo, to {@code devices/<clientid>/down}, so they come back.
 *   <li>OnReceivedMessages: Send each message's payload to the device.
 *   <li>OnTimerTimeout, OnSocketClosed: log (and forget the connection).
 * </ul>
 *
 * <p>A callback answers once its adapter calls have answered; if one fails (a result code other
 * than SUCCESS, or the adapter unreachable) the callback fails with {@code INTERNAL}, and the
 * gateway closes that connection. Bytes for a connection this server does not know (it restarted
 * while the gateway kept the connection) fail with {@code FAILED_PRECONDITION}, so the device
 * reconnects and is set up afresh.
 *
 * <p>Nothing blocks a gRPC thread: adapter calls are asynchronous, each with a deadline, and
 * started in {@link Context#ROOT}. (A call started in the server call's context would be cancelled
 * by grpc-java as soon as the handler answered that call.)
 *
 * <p>Run {@code main} ({@code --port 9001 --adapter 127.0.0.1:9100}), or from a test:
 * <pre>{@code
 * PubSubHandlerServer handler = new PubSubHandlerServer().start(new InetSocketAddress("127.0.0.1", 0));
 * // ... once the adapter's port is known:
 * handler.adapterAddress("127.0.0.1:" + adapterServer.port());
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class PubSubHandlerServer
    extends ConnectionUnaryHandlerGrpc.ConnectionUnaryHandlerImplBase implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PubSubHandlerServer.class);

  /** The default port, as the ExProto examples use it. */
  public static final int DEFAULT_PORT = 9001;

  /** The default adapter address: a gateway on this host with the default {@code server.bind}. */
  public static final String DEFAULT_ADAPTER = "127.0.0.1:9100";

  /** The deadline of each adapter call. */
  public static final Duration ADAPTER_CALL_TIMEOUT = Duration.ofSeconds(10);

  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  /** The gateway's adapter as this server reaches it. */
  private record AdapterClient(String address, ManagedChannel channel, ConnectionAdapterStub stub) {}

  /** conn to client id, from OnSocketCreated to OnSocketClosed. */
  private final ConcurrentHashMap<String, String> clientIds = new ConcurrentHashMap<>();
  private final AtomicLong counter = new AtomicLong();
  private final AtomicReference<AdapterClient> adapter = new AtomicReference<>();
  private final AtomicReference<Server> server = new AtomicReference<>();

  /** A handler without an adapter yet; set it with {@link #adapterAddress(String)}. */
  public PubSubHandlerServer() {}

  /** A handler calling the adapter at {@code adapterAddress} ({@code HOST:PORT}). */
  public PubSubHandlerServer(String adapterAddress) {
    adapterAddress(adapterAddress);
  }

  /**
   * Points the handler at the gateway's adapter ({@code HOST:PORT}, plaintext), replacing an
   * earlier address. The channel connects on the first call.
   *
   * @throws IllegalArgumentException if the address is not {@code HOST:PORT}
   */
  public PubSubHandlerServer adapterAddress(String hostPort) {
    HostPort target = HostPort.parse(Objects.requireNonNull(hostPort, "hostPort"));
    ManagedChannel channel = NettyChannelBuilder.forAddress(target.host(), target.port())
        .usePlaintext()
        .directExecutor() // responses only chain futures; nothing blocks
        .build();
    AdapterClient old = adapter.getAndSet(
        new AdapterClient(target.toString(), channel, ConnectionAdapterGrpc.newStub(channel)));
    if (old != null) {
      old.channel().shutdown(); // calls in flight on it still finish
    }
    return this;
  }

  /**
   * Serves this handler on {@code bind} (port 0 picks a free port, see {@link #port()}).
   *
   * @throws IOException if the address cannot be bound
   * @throws IllegalStateException if already started
   */
  public PubSubHandlerServer start(InetSocketAddress bind) throws IOException {
    // Callbacks only start asynchronous adapter calls, so they may run on the transport threads.
    Server s = NettyServerBuilder.forAddress(bind).directExecutor().addService(this).build();
    if (!server.compareAndSet(null, s)) {
      throw new IllegalStateException("PubSubHandlerServer was already started");
    }
    try {
      s.start();
    } catch (IOException e) {
      throw new IOException("pubsub handler cannot bind " + HostPort.format(bind) + ": "
          + e.getMessage(), e);
    }
    return this;
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) startedServer().getListenSockets().get(0)).getPort();
  }

  /** The handler's address for {@code GrpcHandler.unary(...)}: {@code http://127.0.0.1:<port>}. */
  public String loopbackUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** Connections between OnSocketCreated and OnSocketClosed. */
  public int connections() {
    return clientIds.size();
  }

  /** Stops serving (waiting up to 5 s for calls in flight) and closes the adapter channel. */
  @Override
  public void close() {
    Server s = server.get();
    try {
      if (s != null) {
        s.shutdown();
        if (!s.awaitTermination(CLOSE_GRACE.toNanos(), TimeUnit.NANOSECONDS)) {
          s.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      s.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      AdapterClient a = adapter.getAndSet(null);
      if (a != null) {
        a.channel().shutdownNow();
      }
    }
  }

  /** Waits until the server has terminated (after {@link #close()} or a shutdown hook). */
  public void awaitTermination() throws InterruptedException {
    startedServer().awaitTermination();
  }

  private Server startedServer() {
    Server s = server.get();
    if (s == null) {
      throw new IllegalStateException("PubSubHandlerServer is not started; call start() first");
    }
    return s;
  }

  // ------------------------------------------------------------------ the five callbacks

  @Override
  public void onSocketCreated(SocketCreatedRequest request,
      StreamObserver<EmptySuccess> response) {
    String conn = request.getConn();
    String clientId = "dev-" + counter.incrementAndGet();
    clientIds.put(conn, clientId);
    log.info("{} connected from {}:{}", clientId, request.getConninfo().getPeername().getHost(),
        request.getConninfo().getPeername().getPort());
    ClientInfo info = ClientInfo.newBuilder()
        .setProtoName("pubsub-demo")
        .setProtoVer("1")
        .setClientid(clientId)
        .build();
    // In order: Subscribe needs the connection authenticated; answering only after the three
    // means the first OnReceivedBytes finds the device fully set up.
    answer(response,
        call("Authenticate", (stub, o) -> stub.authenticate(AuthenticateRequest.newBuilder()
            .setConn(conn).setClientinfo(info).build(), o))
        .thenCompose(v -> call("Subscribe", (stub, o) -> stub.subscribe(
            SubscribeRequest.newBuilder().setConn(conn).setTopic(downTopic(clientId)).setQos(1)
                .build(), o)))
        .thenCompose(v -> call("StartTimer", (stub, o) -> stub.startTimer(
            TimerRequest.newBuilder().setConn(conn).setType(TimerType.KEEPALIVE).setInterval(60)
                .build(), o))));
  }

  @Override
  public void onReceivedBytes(ReceivedBytesRequest request,
      StreamObserver<EmptySuccess> response) {
    String conn = request.getConn();
    String clientId = clientIds.get(conn);
    if (clientId == null) {
      response.onError(Status.FAILED_PRECONDITION
          .withDescription("unknown conn " + conn + ": OnSocketCreated was not seen by this handler")
          .asRuntimeException());
      return;
    }
    answer(response,
        publish(conn, "devices/" + clientId + "/up", request)
            .thenCompose(v -> publish(conn, downTopic(clientId), request)));
  }

  @Override
  public void onReceivedMessages(ReceivedMessagesRequest request,
      StreamObserver<EmptySuccess> response) {
    String conn = request.getConn();
    // One after the other, so the device gets the payloads in delivery order.
    CompletableFuture<Void> sent = CompletableFuture.completedFuture(null);
    for (Message m : request.getMessagesList()) {
      sent = sent.thenCompose(v -> call("Send", (stub, o) -> stub.send(
          SendBytesRequest.newBuilder().setConn(conn).setBytes(m.getPayload()).build(), o)));
    }
    answer(response, sent);
  }

  @Override
  public void onTimerTimeout(TimerTimeoutRequest request, StreamObserver<EmptySuccess> response) {
    log.info("{} timed out ({}); the gateway closes it", clientIds.get(request.getConn()),
        request.getType());
    answer(response, CompletableFuture.completedFuture(null));
  }

  @Override
  public void onSocketClosed(SocketClosedRequest request, StreamObserver<EmptySuccess> response) {
    String clientId = clientIds.remove(request.getConn());
    log.info("{} closed: {}", clientId != null ? clientId : request.getConn(), request.getReason());
    answer(response, CompletableFuture.completedFuture(null));
  }

  // ------------------------------------------------------------------ adapter calls

  private static String downTopic(String clientId) {
    return "devices/" + clientId + "/down";
  }

  private CompletableFuture<Void> publish(String conn, String topic, ReceivedBytesRequest bytes) {
    return call("Publish " + topic, (stub, o) -> stub.publish(PublishRequest.newBuilder()
        .setConn(conn).setTopic(topic).setQos(1).setPayload(bytes.getBytes()).build(), o));
  }

  /**
   * Starts one adapter call, detached from the current gRPC context and with a deadline; the
   * future fails with an {@link AdapterCallException} unless the answer is SUCCESS.
   */
  private CompletableFuture<Void> call(String what,
      BiConsumer<ConnectionAdapterStub, StreamObserver<CodeResponse>> operation) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    AdapterClient a = adapter.get();
    if (a == null) {
      done.completeExceptionally(new AdapterCallException(what
          + ": no adapter address set (call adapterAddress(\"HOST:PORT\"))", null));
      return done;
    }
    StreamObserver<CodeResponse> observer = new StreamObserver<>() {
      @Override
      public void onNext(CodeResponse r) {
        if (r.getCode() == ResultCode.SUCCESS) {
          done.complete(null);
        } else {
          done.completeExceptionally(new AdapterCallException(what + " answered " + r.getCode()
              + ": " + r.getMessage(), null));
        }
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(new AdapterCallException(what + " to adapter " + a.address()
            + " failed: " + Status.fromThrowable(t), t));
      }

      @Override
      public void onCompleted() {
        // A unary call has answered in onNext by now; this only catches a broken server.
        done.completeExceptionally(new AdapterCallException(what + ": no answer", null));
      }
    };
    try {
      Context.ROOT.run(() -> operation.accept(
          a.stub().withDeadlineAfter(ADAPTER_CALL_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS),
          observer));
    } catch (RuntimeException e) {
      observer.onError(e);
    }
    return done;
  }

  /** Answers the gateway's call once {@code work} is done: OK, or INTERNAL saying what failed. */
  private static void answer(StreamObserver<EmptySuccess> response, CompletableFuture<Void> work) {
    work.whenComplete((v, failure) -> {
      try {
        if (failure == null) {
          response.onNext(EmptySuccess.getDefaultInstance());
          response.onCompleted();
        } else {
          Throwable cause = failure instanceof CompletionException && failure.getCause() != null
              ? failure.getCause() : failure;
          log.warn("callback failed: {}", cause.getMessage());
          response.onError(Status.INTERNAL.withDescription(cause.getMessage())
              .asRuntimeException());
        }
      } catch (RuntimeException e) {
        // The gateway gave up on the call (deadline); nobody is listening any more.
        log.debug("answer not delivered: {}", e.toString());
      }
    });
  }

  /** An adapter call that did not succeed. */
  static final class AdapterCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AdapterCallException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  // ------------------------------------------------------------------ command line

  /** Runs the handler until the JVM is stopped; {@code --help} for the flags. */
  public static void main(String[] args) {
    int exit = new CommandLine(new Cli()).execute(args);
    if (exit != 0) {
      System.exit(exit);
    }
  }

  @Command(name = "pubsub-handler", mixinStandardHelpOptions = true,
      description = "An ExProto handler service (ConnectionUnaryHandler): authenticates devices,"
          + " publishes what they send to devices/<clientid>/up and .../down, and sends"
          + " deliveries back.")
  static final class Cli implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "9001",
        description = "Port to serve the handler on, all interfaces (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--adapter", paramLabel = "HOST:PORT", defaultValue = DEFAULT_ADAPTER,
        description = "The gateway's ConnectionAdapter (default: ${DEFAULT-VALUE}).")
    String adapterAddress;

    @Override
    public Integer call() throws Exception {
      if (port < 0 || port > 65535) {
        throw new ParameterException(spec.commandLine(),
            "--port must be between 0 and 65535, was " + port);
      }
      PubSubHandlerServer handler;
      try {
        handler = new PubSubHandlerServer(adapterAddress);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--adapter " + e.getMessage());
      }
      try {
        handler.start(new InetSocketAddress(port));
      } catch (IOException e) {
        handler.close();
        spec.commandLine().getErr().println("error: " + e.getMessage());
        return 1;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(handler::close, "pubsub-handler-shutdown"));
      PrintWriter out = spec.commandLine().getOut();
      out.println("pubsub handler ready: handler=0.0.0.0:" + handler.port() + " adapter="
          + adapterAddress);
      out.flush();
      handler.awaitTermination();
      return 0;
    }
  }
}
