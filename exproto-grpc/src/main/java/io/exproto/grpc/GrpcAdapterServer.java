package io.exproto.grpc;

import io.exproto.grpc.internal.AdapterService;
import io.exproto.grpc.internal.TlsContexts;
import io.exproto.grpc.v1.ConnectionAdapterGrpc;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.tls.TlsSettings;
import io.exproto.tls.internal.TlsChecks;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link ConnectionAdapter} to remote handlers as the gRPC service
 * {@code emqx.exproto.v1.ConnectionAdapter} over HTTP/2, plaintext or TLS ({@link Builder#tls}),
 * together with the standard health service {@code grpc.health.v1.Health} and server reflection
 * ({@code grpc.reflection.v1}).
 *
 * <pre>{@code
 * try (GrpcAdapterServer server = GrpcAdapterServer.builder(gateway.adapter())
 *     .bind(new InetSocketAddress("127.0.0.1", 9100))
 *     .build()
 *     .start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Every adapter outcome, failures included, is answered with gRPC status OK and a
 * {@code CodeResponse} (docs/behaviour.md, Adapter result codes). Overload is a transport-level fault and gets a non-OK status: a
 * request larger than {@link Builder#maxInboundMessageSize(int)}, and an adapter call beyond
 * {@link Builder#maxConcurrentCalls(int)}, are rejected with {@code RESOURCE_EXHAUSTED}; calls
 * beyond {@link Builder#maxConcurrentCallsPerConnection(int)} on one connection wait in the
 * client until a stream is free (HTTP/2 flow control).
 *
 * <p>Thread-safe. Lifecycle: {@link #start()} once ({@link IllegalStateException} on a second
 * call), then {@link #shutdown()} or {@link #shutdownNow()}, {@link #awaitTermination(Duration)};
 * {@link #close()} does both.
 */
public final class GrpcAdapterServer implements AutoCloseable {

  /** The default port of {@code server.bind} (docs/configuration.md). */
  public static final int DEFAULT_PORT = 9100;

  /** The default largest request accepted: 4 MiB, as gRPC's default. */
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_SIZE = 4 * 1024 * 1024;

  /** The default limit of adapter calls in progress on the whole server: 10,000. */
  public static final int DEFAULT_MAX_CONCURRENT_CALLS = 10_000;

  /** The default limit of calls in progress on one connection (HTTP/2 streams): 1,000. */
  public static final int DEFAULT_MAX_CONCURRENT_CALLS_PER_CONNECTION = 1_000;

  /** The full name of the served service, also registered with the health service. */
  public static final String SERVICE_NAME = ConnectionAdapterGrpc.SERVICE_NAME;

  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(GrpcAdapterServer.class);

  private final Server server;
  private final HealthStatusManager health;
  /** The warning {@link #start()} logs, or null: see {@link #exposureWarning}. */
  private final String exposureWarning;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();

  private GrpcAdapterServer(Builder builder) {
    this.health = new HealthStatusManager();
    this.exposureWarning = exposureWarning(builder.bind, builder.tls != null);
    NettyServerBuilder netty = NettyServerBuilder.forAddress(builder.bind)
        .maxInboundMessageSize(builder.maxInboundMessageSize)
        .maxConcurrentCallsPerConnection(builder.maxConcurrentCallsPerConnection)
        .addService(new AdapterService(builder.adapter, builder.maxConcurrentCalls))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance());
    if (builder.tls != null) {
      netty.sslContext(TlsContexts.forAdapterServer(builder.tls));
    }
    if (builder.workerGroup != null) {
      netty.bossEventLoopGroup(builder.bossGroup).workerEventLoopGroup(builder.workerGroup)
          .channelType(builder.channelType);
    }
    if (builder.executor != null) {
      netty.executor(builder.executor);
    } else {
      // Every service here answers without blocking (the adapter only hops onto a connection's
      // executor), so run calls on the transport threads: a thread handoff per call costs more
      // than the call itself.
      netty.directExecutor();
    }
    this.server = netty.build();
  }

  /** A builder serving {@code adapter}, with the defaults given on each setting. */
  public static Builder builder(ConnectionAdapter adapter) {
    return new Builder(adapter);
  }

  /**
   * Binds the port and starts serving; the health service reports {@code SERVING} for the server
   * ({@code ""}) and for {@link #SERVICE_NAME}.
   *
   * @return this server
   * @throws IOException if the address cannot be bound (for example the port is in use)
   * @throws IllegalStateException if started before
   */
  public GrpcAdapterServer start() throws IOException {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("GrpcAdapterServer was already started; start() may be called once");
    }
    server.start();
    if (exposureWarning != null) {
      log.warn(exposureWarning);
    }
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    health.setStatus(SERVICE_NAME, ServingStatus.SERVING);
    return this;
  }

  /**
   * The warning for an adapter that anyone on the network can call: bound to an address other
   * than loopback (the wildcard included) without TLS. Null when bound to loopback or with TLS.
   */
  static String exposureWarning(InetSocketAddress bind, boolean tls) {
    InetAddress address = bind.getAddress();
    if (tls || (address != null && address.isLoopbackAddress())) {
      return null;
    }
    String where = address == null ? bind.getHostString() + ":" + bind.getPort()
        : (address.isAnyLocalAddress() ? "every interface, port " + bind.getPort()
            : address.getHostAddress() + ":" + bind.getPort());
    return "the ConnectionAdapter gRPC server listens on " + where + " without TLS: anyone who"
        + " can reach it can write to every device, close connections and publish and subscribe"
        + " as them. Bind it to 127.0.0.1, or give it TLS with client certificates"
        + " (server.ssl_options with verify = verify_peer; GrpcAdapterServer.Builder#tls with"
        + " client authentication required).";
  }

  /**
   * The bound address; with port 0 in {@link Builder#bind} this is where the chosen port is read.
   *
   * @throws IllegalStateException if not started, or already terminated
   */
  public InetSocketAddress localAddress() {
    if (!started.get()) {
      throw new IllegalStateException("GrpcAdapterServer is not started; call start() first");
    }
    List<? extends SocketAddress> sockets = server.getListenSockets();
    if (sockets.isEmpty()) {
      throw new IllegalStateException("GrpcAdapterServer is shut down and has no bound address");
    }
    return (InetSocketAddress) sockets.get(0);
  }

  /**
   * The bound port.
   *
   * @throws IllegalStateException if not started, or already terminated
   */
  public int port() {
    return localAddress().getPort();
  }

  /**
   * Stops accepting new calls and lets calls in progress finish; the health service reports
   * {@code NOT_SERVING} from now on. Returns at once. Does nothing if already shut down.
   */
  public void shutdown() {
    stopServing();
    server.shutdown();
  }

  /** Like {@link #shutdown()}, but also cancels calls in progress. */
  public void shutdownNow() {
    stopServing();
    server.shutdownNow();
  }

  private void stopServing() {
    // The health service complains when told more than once.
    if (stopping.compareAndSet(false, true)) {
      health.enterTerminalState();
    }
  }

  /**
   * Waits until the server has terminated after a shutdown.
   *
   * @return true if it terminated within {@code timeout}
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return server.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** True once shut down and every call has finished. */
  public boolean isTerminated() {
    return server.isTerminated();
  }

  /**
   * {@link #shutdown()}, waits up to 5 seconds for calls in progress, then {@link #shutdownNow()}.
   * If interrupted, shuts down at once and keeps the interrupt flag.
   */
  @Override
  public void close() {
    shutdown();
    try {
      if (!awaitTermination(CLOSE_GRACE)) {
        shutdownNow();
      }
    } catch (InterruptedException e) {
      shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "GrpcAdapterServer" + (started.get() && !server.isShutdown()
        ? server.getListenSockets() : "[not serving]");
  }

  /**
   * Configures a {@link GrpcAdapterServer}. Not thread-safe; {@link #build()} validates and may be
   * called more than once.
   */
  public static final class Builder {
    private final ConnectionAdapter adapter;
    private InetSocketAddress bind = new InetSocketAddress(DEFAULT_PORT);
    private int maxInboundMessageSize = DEFAULT_MAX_INBOUND_MESSAGE_SIZE;
    private int maxConcurrentCalls = DEFAULT_MAX_CONCURRENT_CALLS;
    private int maxConcurrentCallsPerConnection = DEFAULT_MAX_CONCURRENT_CALLS_PER_CONNECTION;
    private TlsSettings tls;
    private Executor executor;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Class<? extends ServerChannel> channelType;

    private Builder(ConnectionAdapter adapter) {
      this.adapter = Objects.requireNonNull(adapter, "adapter");
    }

    /**
     * The address to listen on ({@code server.bind}); default {@code 0.0.0.0:9100}. Port 0 picks a
     * free port, see {@link GrpcAdapterServer#port()}.
     */
    public Builder bind(InetSocketAddress bind) {
      this.bind = Objects.requireNonNull(bind, "bind");
      return this;
    }

    /**
     * The largest request accepted, in bytes; default 4 MiB. Larger requests fail with
     * {@code RESOURCE_EXHAUSTED}.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxInboundMessageSize(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException(
            "maxInboundMessageSize must be a positive number of bytes, was " + bytes);
      }
      this.maxInboundMessageSize = bytes;
      return this;
    }

    /**
     * The most adapter calls in progress at once, over all connections; default 10,000. A call
     * is in progress from its arrival until the adapter has answered it. A call beyond the limit
     * is answered at once with gRPC status {@code RESOURCE_EXHAUSTED}, "too many adapter calls in
     * progress (limit N)"; health and reflection calls do not count.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxConcurrentCalls(int calls) {
      if (calls <= 0) {
        throw new IllegalArgumentException(
            "maxConcurrentCalls must be a positive number of calls, was " + calls);
      }
      this.maxConcurrentCalls = calls;
      return this;
    }

    /**
     * The most calls in progress on one connection, announced to clients as HTTP/2's
     * {@code SETTINGS_MAX_CONCURRENT_STREAMS}; default 1,000. A well-behaved client queues calls
     * beyond it until one finishes; streams a client opens beyond it anyway are refused.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxConcurrentCallsPerConnection(int calls) {
      if (calls <= 0) {
        throw new IllegalArgumentException(
            "maxConcurrentCallsPerConnection must be a positive number of calls, was " + calls);
      }
      this.maxConcurrentCallsPerConnection = calls;
      return this;
    }

    /**
     * Serve over TLS ({@code server.ssl_options}, which EMQX accepted but ignored; this gateway
     * honours it), optionally verifying handlers' client certificates: the server side of {@link
     * TlsSettings}. With {@link TlsSettings.ClientAuth#REQUIRE} only handlers with a certificate
     * from the trusted CA get in. Protocols and ciphers cannot be chosen here (gRPC's TLS 1.3 and
     * 1.2 and its HTTP/2 cipher suites are used). Default: plaintext.
     *
     * <pre>{@code
     * GrpcAdapterServer server = GrpcAdapterServer.builder(gateway.adapter())
     *     .tls(TlsSettings.server()
     *         .certificate(Path.of("/etc/exproto/adapter.pem"),
     *             Path.of("/etc/exproto/adapter.key"))
     *         .trustCertificates(Path.of("/etc/exproto/handlers-ca.pem"))
     *         .clientAuth(TlsSettings.ClientAuth.REQUIRE)
     *         .build())
     *     .build();
     * }</pre>
     *
     * @throws IllegalArgumentException if they are client settings, or set protocols or ciphers
     */
    public Builder tls(TlsSettings tls) {
      TlsChecks.requireSide(tls, TlsSettings.Side.SERVER, "GrpcAdapterServer tls");
      TlsChecks.refuseProtocolsAndCiphers(tls, "GrpcAdapterServer tls");
      this.tls = tls;
      return this;
    }

    /**
     * The executor that runs incoming calls. By default calls run directly on the server's
     * transport threads, which is safe because the adapter never blocks; give an executor only if
     * you wrap the adapter with something that may block. The caller owns it and shuts it down
     * after the server has terminated.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Runs the server's network I/O on these event loops instead of gRPC's own threads. Give it
     * the device transport's ({@code NettyTransport.acceptorGroup()}, {@code workerGroup()} and
     * {@code serverChannelType()}) so that one set of threads serves devices and adapter calls: an
     * adapter call then often runs on the thread of the connection it is for, without a hand-off.
     * The groups stay the caller's: stop the server before shutting them down. Default: gRPC's
     * own threads.
     *
     * @param channelType a server channel class that runs on the groups, such as {@code
     *     EpollServerSocketChannel.class} for epoll groups
     */
    public Builder eventLoopGroups(EventLoopGroup boss, EventLoopGroup worker,
        Class<? extends ServerChannel> channelType) {
      this.bossGroup = Objects.requireNonNull(boss, "boss");
      this.workerGroup = Objects.requireNonNull(worker, "worker");
      this.channelType = Objects.requireNonNull(channelType, "channelType");
      return this;
    }

    /**
     * A new server, not yet started; with {@link #tls}, its TLS context is made now.
     *
     * @throws IllegalArgumentException if the TLS context cannot be made from the settings
     */
    public GrpcAdapterServer build() {
      return new GrpcAdapterServer(this);
    }
  }
}
