package io.exproto.grpc;

import io.exproto.grpc.internal.HandlerChannels;
import io.exproto.grpc.internal.PerLoopHandlers;
import io.exproto.grpc.internal.StreamingHandlerClient;
import io.exproto.grpc.internal.UnaryHandlerClient;
import io.exproto.handler.CallbackFailedException;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import io.exproto.tls.TlsSettings;
import io.exproto.tls.internal.TlsChecks;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A {@link ConnectionHandler} that calls a remote handler service over gRPC: each callback is one
 * unary call of {@code emqx.exproto.v1.ConnectionUnaryHandler} (the service EMQX calls by default),
 * so handler services written for EMQX work unchanged.
 *
 * <pre>{@code
 * GrpcHandler handler = GrpcHandler.unary("http://127.0.0.1:9001");
 * // or
 * GrpcHandler handler = GrpcHandler.builder()
 *     .address("http://127.0.0.1:9001")
 *     .callbackTimeout(Duration.ofSeconds(10))
 *     .build();
 * }</pre>
 *
 * <p>Each callback returns at once with a stage that completes when the handler service has
 * answered; nothing blocks. A call that ends with a non-OK gRPC status (handler unreachable, error,
 * no answer within {@link Builder#callbackTimeout(Duration)}) completes the stage exceptionally
 * with a {@link CallbackFailedException} whose {@linkplain CallbackFailedException#reason() reason}
 * is the status code's name in lower case, e.g. {@code unavailable}, {@code deadline_exceeded},
 * {@code unimplemented}, {@code internal}.
 *
 * <p>Calls are started detached from the caller's gRPC {@link Context}: a callback issued while
 * the gateway serves an adapter call is neither cancelled when that adapter call ends nor bound by
 * its deadline.
 *
 * <p>The channel connects lazily, on the first callback, and reconnects by itself. Thread-safe.
 * {@link #close()} shuts down the channel if this handler created it; callbacks after that fail
 * with {@code unavailable}.
 */
public final class GrpcHandler implements ConnectionHandler, AutoCloseable {

  /** The default callback deadline (docs/behaviour.md, Callback ordering). */
  public static final Duration DEFAULT_CALLBACK_TIMEOUT = Duration.ofSeconds(30);

  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  private final ConnectionHandler client;
  private final HandlerService service;
  private final Duration callbackTimeout;
  private final String target;

  private GrpcHandler(ConnectionHandler client, HandlerService service, Duration callbackTimeout,
      String target) {
    this.client = client;
    this.service = service;
    this.callbackTimeout = callbackTimeout;
    this.target = target;
  }

  /**
   * A handler calling the {@code ConnectionUnaryHandler} service at {@code address}, with the
   * default callback timeout.
   *
   * @param address {@code http://host:port}, or {@code https://host:port} for TLS with the JDK's
   *     default trust store (see {@link Builder#tls(TlsSettings)} for more)
   * @throws IllegalArgumentException if the address is malformed
   */
  public static GrpcHandler unary(String address) {
    return builder().address(address).build();
  }

  /**
   * A handler using the older streaming {@code ConnectionHandler} service at {@code address}
   * ({@code handler.service_name = ConnectionHandler}); see {@link HandlerService} for what it
   * guarantees.
   *
   * @throws IllegalArgumentException if the address is malformed
   */
  public static GrpcHandler streaming(String address) {
    return builder().address(address).service(HandlerService.CONNECTION_HANDLER).build();
  }

  /** The service this handler calls. */
  public HandlerService service() {
    return service;
  }

  @Override
  public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
    return client.onSocketCreated(conn, connInfo);
  }

  @Override
  public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
    return client.onReceivedBytes(conn, bytes);
  }

  @Override
  public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
    return client.onTimerTimeout(conn, type);
  }

  @Override
  public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
    return client.onReceivedMessages(conn, messages);
  }

  @Override
  public CompletionStage<Void> onSocketClosed(String conn, String reason) {
    return client.onSocketClosed(conn, reason);
  }

  /**
   * Shuts down the channel if this handler created it (waiting up to 5 seconds for calls in
   * progress; a streaming handler half-closes its streams first); a channel passed to
   * {@link Builder#channel} is left to its owner. Idempotent.
   */
  @Override
  public void close() {
    try {
      ((AutoCloseable) client).close();
    } catch (Exception e) {
      throw new IllegalStateException("closing " + this + " failed", e);
    }
  }

  /** A builder; set either {@link Builder#address} or {@link Builder#channel}. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String toString() {
    return "GrpcHandler[" + service.serviceName() + " at " + target + ", callbackTimeout="
        + callbackTimeout + "]";
  }

  /**
   * Configures a {@link GrpcHandler}. Not thread-safe; {@link #build()} validates.
   */
  public static final class Builder {
    private String address;
    private ManagedChannel channel;
    private Duration callbackTimeout = DEFAULT_CALLBACK_TIMEOUT;
    private TlsSettings tls;
    private HandlerService service = HandlerService.CONNECTION_UNARY_HANDLER;
    private EventLoopGroup eventLoopGroup;
    private Class<? extends Channel> channelType;
    private boolean transparentRetry;

    private Builder() {}

    /**
     * The handler service's address ({@code handler.address}): {@code http://host:port} for
     * plaintext, {@code https://host:port} for TLS (see {@link #tls(TlsSettings)}). The host is a
     * name or an IP literal ({@code [::1]} for IPv6).
     */
    public Builder address(String address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * How to connect over TLS ({@code handler.ssl_options}): the client side of {@link
     * TlsSettings}, with the CA that verifies the handler, a client certificate for mutual TLS, a
     * server name. The handler's certificate is always verified, chain and host name; the server
     * name, when set, is sent as SNI, verified instead of the address's host, and becomes the
     * calls' {@code :authority}. Protocols and ciphers cannot be chosen here. Used for {@code
     * https://} addresses; without it an {@code https://} address trusts the JDK's default trust
     * store and presents no client certificate. Rejected by {@link #build()} with an {@link
     * IllegalStateException} when given with an {@code http://} address or a {@link #channel}.
     *
     * <pre>{@code
     * GrpcHandler handler = GrpcHandler.builder()
     *     .address("https://10.0.0.5:9001")
     *     .tls(TlsSettings.client()
     *         .trustCertificates(Path.of("/etc/exproto/handler-ca.pem"))      // cacertfile
     *         .certificate(Path.of("/etc/exproto/gateway.pem"),               // certfile
     *             Path.of("/etc/exproto/gateway.key"))                        // keyfile
     *         .serverName("handler.example")                 // server_name_indication
     *         .build())
     *     .build();
     * }</pre>
     *
     * @throws IllegalArgumentException if they are server settings, or set protocols or ciphers
     */
    public Builder tls(TlsSettings tls) {
      TlsChecks.requireSide(tls, TlsSettings.Side.CLIENT, "GrpcHandler tls");
      TlsChecks.refuseProtocolsAndCiphers(tls, "GrpcHandler tls");
      this.tls = tls;
      return this;
    }

    /**
     * A channel to use instead of an {@link #address}, for example an in-process channel in
     * tests. The caller keeps ownership: {@link GrpcHandler#close()} does not shut it down.
     */
    public Builder channel(ManagedChannel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
      return this;
    }

    /**
     * Runs the handler channel's network I/O on {@code group} instead of gRPC's own threads. Give
     * it the device transport's threads ({@code NettyTransport.workerGroup()} and {@code
     * socketChannelType()}) so that one set of threads serves devices and handler calls. The
     * handler then gets one channel (one HTTP/2 connection) per event loop of the group, and each
     * callback is made on the channel of the loop it is issued on: a device's callbacks start and
     * complete on the device's own thread, with no hand-off between threads either way. Callbacks
     * issued on other threads (a listener with its own executors) use the first loop's channel.
     * The group stays the caller's: closing the handler leaves it running, so close the handler
     * (or the gateway) before shutting the group down. Not with {@link #channel}. Default: gRPC's
     * own threads.
     *
     * @param channelType a socket channel class that runs on {@code group}, such as {@code
     *     EpollSocketChannel.class} for an epoll group
     */
    public Builder eventLoopGroup(EventLoopGroup group, Class<? extends Channel> channelType) {
      this.eventLoopGroup = Objects.requireNonNull(group, "group");
      this.channelType = Objects.requireNonNull(channelType, "channelType");
      return this;
    }

    /**
     * Whether the handler channel keeps gRPC's transparent retries; default {@code false}. With
     * them, gRPC sends a call again by itself when the handler refused its stream before
     * processing it (an HTTP/2 REFUSED_STREAM, or a GOAWAY racing the call); without them that
     * call fails as {@code unavailable} and its connection closes, as any unavailable callback
     * does. The default is off because gRPC's retry machinery (a RetriableStream per call, with
     * its buffering) costs on every call: in the benchmark, the gateway's CPU per echo through a
     * unary handler fell from 54 to 43 µs with it off, and the echo rate rose by a fifth.
     * Handlers that close connections gracefully (a two-phase GOAWAY, as grpc-java, grpc-go and
     * gRPC core servers do) leave no call to retry. Switch it on when the handler sits behind a
     * proxy that refuses streams, or closes connections abruptly, under load. No gRPC retry
     * policy is configured either way: a callback that reached the handler is never sent twice.
     * Not with {@link #channel}.
     */
    public Builder transparentRetry(boolean on) {
      this.transparentRetry = on;
      return this;
    }

    /**
     * Which service to call ({@code handler.service_name}); default
     * {@link HandlerService#CONNECTION_UNARY_HANDLER}.
     */
    public Builder service(HandlerService service) {
      this.service = Objects.requireNonNull(service, "service");
      return this;
    }

    /**
     * The deadline of every callback; default 30 seconds. A callback not answered in time fails
     * with reason {@code deadline_exceeded} and its call is cancelled, within an eighth of the
     * timeout (at most 250 ms) after it expired (unary service; the streaming service has no
     * per-callback call and relies on the gateway's own {@code callbackTimeout}).
     *
     * @throws IllegalArgumentException if zero or negative
     */
    public Builder callbackTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "callbackTimeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("callbackTimeout must be positive, was " + timeout);
      }
      this.callbackTimeout = timeout;
      return this;
    }

    /**
     * A new handler. Does not connect yet: the channel connects on the first callback.
     *
     * @throws IllegalStateException if neither or both of address and channel are set, or
     *     {@link #tls} is set with an {@code http://} address or a channel, or
     *     {@link #eventLoopGroup} or {@code transparentRetry(true)} with a channel
     * @throws IllegalArgumentException if the address is malformed, or the TLS context cannot be
     *     made from the settings
     */
    public GrpcHandler build() {
      if ((address == null) == (channel == null)) {
        throw new IllegalStateException(
            "set exactly one of address(\"http://host:port\") and channel(...) on GrpcHandler.builder()");
      }
      if (channel != null && tls != null) {
        throw new IllegalStateException("tls(...) applies to an https:// address, not to a"
            + " channel(...): configure TLS on the channel itself");
      }
      if (channel != null && eventLoopGroup != null) {
        throw new IllegalStateException("eventLoopGroup(...) applies to the channel built from"
            + " address(...), not to a channel(...): configure its event loops where it is built");
      }
      if (channel != null && transparentRetry) {
        throw new IllegalStateException("transparentRetry(true) applies to the channel built"
            + " from address(...), not to a channel(...): enable retries where it is built");
      }
      if (channel != null) {
        return new GrpcHandler(client(channel, false), service, callbackTimeout,
            channel.authority());
      }
      List<EventLoop> loops = new ArrayList<>();
      if (eventLoopGroup != null) {
        eventLoopGroup.forEach(loop -> loops.add((EventLoop) loop));
      }
      List<ManagedChannel> channels = HandlerChannels.create(address, tls, loops, channelType,
          transparentRetry);
      if (loops.isEmpty()) {
        return new GrpcHandler(client(channels.get(0), true), service, callbackTimeout, address);
      }
      List<ConnectionHandler> clients = new ArrayList<>();
      channels.forEach(c -> clients.add(client(c, true)));
      return new GrpcHandler(new PerLoopHandlers(loops, clients), service, callbackTimeout,
          address);
    }

    private ConnectionHandler client(ManagedChannel channel, boolean owns) {
      return service == HandlerService.CONNECTION_HANDLER
          ? new StreamingHandlerClient(channel, owns,
              StreamingHandlerClient.DEFAULT_MAX_REOPEN_BACKOFF)
          : new UnaryHandlerClient(channel, owns, callbackTimeout);
    }
  }
}
