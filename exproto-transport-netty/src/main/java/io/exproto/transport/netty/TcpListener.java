package io.exproto.transport.netty;

import io.exproto.tls.TlsSettings;
import io.exproto.tls.internal.TlsChecks;
import io.exproto.transport.AccessRules;
import io.exproto.transport.LinkAcceptor;
import io.exproto.transport.ListenerBuilder;
import io.exproto.transport.ListenerOptions;
import io.exproto.transport.TransportListener;
import io.exproto.transport.internal.Addresses;
import io.exproto.transport.internal.ListenerLifecycle;
import io.exproto.transport.netty.internal.AcceptGate;
import io.exproto.transport.netty.internal.ServerChannels;
import io.exproto.transport.netty.internal.ServerSslContexts;
import io.exproto.transport.netty.internal.SendLimits;
import io.exproto.transport.netty.internal.TcpChannelInitializer;
import io.exproto.transport.netty.internal.TcpServerSockets;
import io.netty.channel.Channel;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A TCP listener ({@code listeners.tcp.<name>}, docs/configuration.md), or with {@link
 * Builder#tls(TlsSettings)} a TLS one ({@code listeners.ssl.<name>}): each accepted socket
 * becomes one {@link io.exproto.transport.Link} of socket type TCP (or SSL), confined to one event
 * loop thread.
 *
 * <pre>{@code
 * TcpListener tcp = TcpListener.builder()
 *     .name("default")
 *     .bind("0.0.0.0", 7993)
 *     .framing(Framing.line(4096))
 *     .accessRules(AccessRules.parse(List.of("deny 10.0.0.0/8", "allow all")))
 *     .maxConnRate(500)
 *     .build();
 * }</pre>
 *
 * <p>Options, set on the {@link Builder}, with their defaults:
 *
 * <ul>
 *   <li>{@code name}: {@code default}; {@code bind}: {@code 0.0.0.0:7993} (port 0 picks one).
 *   <li>{@code maxConnections}: 1024000 connections open at once. More are closed as soon as
 *       they are accepted, counted in {@link #refusedConnections()}.
 *   <li>{@code maxConnRate}: 1000 connections accepted a second, in bursts of up to that many
 *       (a token bucket). Beyond it the listener pauses accepting, as EMQX did, so faster
 *       clients wait in the accept backlog ({@code backlog}) and are admitted at the rate, none
 *       refused; those that had to wait are counted in {@link #rateLimitedConnections()}.
 *   <li>{@code accessRules}: {@link AccessRules#allowAll()}. A client they deny is closed at
 *       once, counted in {@link #deniedConnections()}. Rules are checked before the rate, so a
 *       denied client spends no token.
 *   <li>{@code framing}: {@link Framing#none()}, each socket read reported as one {@code onBytes}
 *       as EMQX does. With a codec, each whole frame is one {@code onBytes} however TCP merged or
 *       split the bytes; a frame over its limit closes the connection with reason {@code
 *       frame_too_long}, counted in {@link #framesTooLong()}.
 *   <li>{@code nodelay}: true; {@code reuseaddr}: true; {@code sendBuffer} and {@code
 *       recvBuffer}: 0, the OS default; {@code backlog}: 1024.
 *   <li>{@code sendTimeout}: 15 s ({@code send_timeout}, always with close): a device that takes
 *       none of the bytes queued for it for that long is closed with reason {@code send_timeout},
 *       counted in {@link #sendTimeouts()}; see {@link Builder#sendTimeout(Duration)}.
 *   <li>{@code maxPendingOutboundBytes}: 8 MiB (this gateway's own): a write that would queue
 *       more for one connection closes it with reason {@code send_buffer_overflow}, counted in
 *       {@link #sendBufferOverflows()}; see {@link Builder#maxPendingOutboundBytes(int)}.
 *   <li>{@code tls}: none, a plain {@code tcp} listener. With {@link TlsSettings#server()}
 *       settings it is an {@code ssl} listener: {@link #kind()} {@code ssl}, links of socket type
 *       SSL, each handed to the gateway only once its TLS handshake succeeded (so {@code
 *       OnSocketCreated} carries the client certificate, if one was presented, as {@code
 *       peercert}); a failed or timed-out handshake, or a close before it completed, closes the
 *       socket unseen, counted in {@link #handshakeFailures()}. A peer's close is reported as
 *       {@code ssl_closed}. Protocols default to {@code TLSv1.3, TLSv1.2}; ciphers, by Java or
 *       OpenSSL name, must each be one the provider supports.
 *   <li>{@code tlsHandshakeTimeout}: 15 s ({@code ssl_options.handshake_timeout}).
 *   <li>{@code tlsProvider}: {@link TlsProvider#AUTO}: OpenSSL (BoringSSL, from {@code
 *       netty-tcnative-boringssl-static} when it is on the class path), else the JDK's.
 *   <li>{@code proxyProtocol}: false. When true, each connection starts with a PROXY protocol v1
 *       or v2 header (on {@code ssl}, in clear before the handshake) whose client address becomes
 *       {@code peername} and is checked against the access rules again (denied: closed, counted
 *       in {@link #deniedConnections()}); an invalid, truncated or late header ({@code
 *       proxyProtocolTimeout}, 3 s) closes the connection unseen, counted in {@link
 *       #proxyProtocolFailures()}.
 *   <li>{@code transport}: none, the listener creates and closes its own {@link NettyTransport}.
 * </ul>
 *
 * <p>Denied, rate-limited and refused connections never reach the gateway: its handler sees no
 * {@code OnSocketCreated} for them. Each {@code Link.write} is one write, never framed: a handler
 * frames its own output. A socket error closes the connection with an errno-like reason ({@code
 * econnreset}, {@code epipe}, {@code etimedout}, ...); an orderly close is {@code tcp_closed}
 * ({@code ssl_closed} on an {@code ssl} listener).
 *
 * <p>A listener starts once: {@link #start} binds (blocking until bound, so it must not be called
 * on an event loop thread) and {@link #stop} stops accepting. {@code stop} does not close accepted
 * connections on a shared transport (the gateway closes them before stopping its listeners); on a
 * transport the listener created itself, stopping closes that transport and with it every
 * connection.
 *
 * <p>Thread-safe.
 */
public final class TcpListener implements TransportListener {

  /** Default port of the ExProto TCP listener. */
  public static final int DEFAULT_PORT = 7993;

  /** Default {@code sendTimeout}: 15 s, as {@code send_timeout}, docs/configuration.md. */
  public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(15);

  /** Default {@code maxPendingOutboundBytes}: 8 MiB (128 times the high-water mark). */
  public static final int DEFAULT_MAX_PENDING_OUTBOUND_BYTES =
      SendLimits.DEFAULT_MAX_PENDING_BYTES;

  private final ListenerLifecycle lifecycle = new ListenerLifecycle(this::describe);
  private final String name;
  private final InetSocketAddress bindAddress;
  private final int maxConnections;
  private final int maxConnRate;
  private final AccessRules accessRules;
  private final Framing framing;
  private final TcpServerSockets sockets;
  private final NettyTransport sharedTransport;
  private final TlsSettings tls;
  private final ServerSslContexts.ServerSsl ssl; // null: plain TCP
  private final Duration tlsHandshakeTimeout;
  private final boolean proxyProtocol;
  private final Duration proxyProtocolTimeout;
  private final Duration sendTimeout;
  private final SendLimits sendLimits;

  private NettyTransport ownTransport; // guarded by this
  private Channel serverChannel; // guarded by this
  private volatile InetSocketAddress localAddress;
  private volatile TcpChannelInitializer connections;

  private final boolean authenticationEnabled;

  private TcpListener(Builder b, ListenerOptions options, TcpServerSockets sockets,
      SendLimits sendLimits, ServerSslContexts.ServerSsl ssl) {
    this.authenticationEnabled = b.authenticationEnabled();
    this.name = options.name();
    this.bindAddress = options.bindAddress();
    this.maxConnections = options.maxConnections();
    this.maxConnRate = options.maxConnRate();
    this.accessRules = options.accessRules();
    this.framing = b.framing;
    this.sockets = sockets;
    this.sharedTransport = b.transport;
    this.tls = b.tls;
    this.ssl = ssl;
    this.tlsHandshakeTimeout = b.tlsHandshakeTimeout;
    this.proxyProtocol = b.proxyProtocol;
    this.proxyProtocolTimeout = b.proxyProtocolTimeout;
    this.sendTimeout = b.sendTimeout;
    this.sendLimits = sendLimits;
  }

  /** A builder with the defaults listed in docs/configuration.md. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  /** Returns {@code "ssl"} with TLS settings, {@code "tcp"} without. */
  @Override
  public String kind() {
    return tls != null ? "ssl" : "tcp";
  }

  @Override
  public boolean authenticationEnabled() {
    return authenticationEnabled;
  }

  /** The TLS settings of an {@code ssl} listener; null for a {@code tcp} listener. */
  public TlsSettings tls() {
    return tls;
  }

  /**
   * The TLS implementation an {@code ssl} listener runs on: {@link TlsProvider#JDK} or {@link
   * TlsProvider#OPENSSL}, never AUTO; null for a {@code tcp} listener.
   */
  public TlsProvider tlsProvider() {
    return ssl == null ? null : ssl.provider();
  }

  /** How long a TLS handshake may take before the connection is closed. Default 15 s. */
  public Duration tlsHandshakeTimeout() {
    return tlsHandshakeTimeout;
  }

  /** Whether each connection starts with a PROXY protocol header. */
  public boolean proxyProtocol() {
    return proxyProtocol;
  }

  /** How long the PROXY protocol header may take, when {@link #proxyProtocol()}. */
  public Duration proxyProtocolTimeout() {
    return proxyProtocolTimeout;
  }

  /**
   * How long a connection that is not writable may go without its device taking any queued byte
   * before it is closed with reason {@code send_timeout}; {@link Duration#ZERO} when off. Default
   * 15 s.
   */
  public Duration sendTimeout() {
    return sendTimeout;
  }

  /**
   * The most bytes one connection may hold queued in Netty before it is closed with reason {@code
   * send_buffer_overflow}. Default 8 MiB.
   */
  public int maxPendingOutboundBytes() {
    return (int) sendLimits.maxPendingBytes();
  }

  /** The configured address, possibly with port 0; see {@link #localAddress()} for the bound one. */
  public InetSocketAddress bindAddress() {
    return bindAddress;
  }

  /** The configured connection limit. */
  public int maxConnections() {
    return maxConnections;
  }

  /** The configured accept rate, in connections a second. */
  public int maxConnRate() {
    return maxConnRate;
  }

  /** The configured access rules. */
  public AccessRules accessRules() {
    return accessRules;
  }

  /** The configured framing of inbound bytes. */
  public Framing framing() {
    return framing;
  }

  /**
   * The bound address, with the real port when configured with port 0; null before a successful
   * {@link #start}. Still returned after {@link #stop}.
   */
  @Override
  public InetSocketAddress localAddress() {
    return localAddress;
  }

  /**
   * Connections currently open on this listener: accepted, not refused, not yet closed. 0 before
   * start. Read without locking; exact once the listener is idle.
   */
  public int openConnections() {
    TcpChannelInitializer c = connections;
    return c == null ? 0 : c.openConnections();
  }

  /**
   * Connections closed immediately after accept because {@code maxConnections} were already open,
   * since start. Never reset.
   */
  public long refusedConnections() {
    TcpChannelInitializer c = connections;
    return c == null ? 0 : c.refusedConnections();
  }

  /** Connections closed at once because the access rules denied their address, since start. */
  public long deniedConnections() {
    TcpChannelInitializer c = connections;
    return c == null ? 0 : c.deniedConnections();
  }

  /**
   * Connections that came faster than {@code maxConnRate} and waited for it, since start (those
   * still in the kernel's backlog are not counted).
   */
  public long rateLimitedConnections() {
    TcpChannelInitializer c = connections;
    return c == null ? 0 : c.rateLimitedConnections();
  }

  /**
   * Connections closed with reason {@code frame_too_long} because a frame was longer than the
   * framing allows, since start. Always 0 without framing.
   */
  public long framesTooLong() {
    TcpChannelInitializer c = connections;
    return c == null ? 0 : c.framesTooLong();
  }

  /**
   * Connections closed with reason {@code send_timeout} because their device took none of the
   * bytes queued for it within {@code sendTimeout}, since start. Always 0 with {@code sendTimeout}
   * off. Never reset.
   */
  public long sendTimeouts() {
    TcpChannelInitializer c = connections;
    return c == null ? 0 : c.sendTimeouts();
  }

  /**
   * Connections closed with reason {@code send_buffer_overflow} because a write would have queued
   * more than {@code maxPendingOutboundBytes} for them, since start. Never reset.
   */
  public long sendBufferOverflows() {
    TcpChannelInitializer c = connections;
    return c == null ? 0 : c.sendBufferOverflows();
  }

  /**
   * Connections closed before reaching the gateway because their TLS handshake failed (bad bytes,
   * no or an untrusted client certificate when required, timeout, closed mid-handshake), since
   * start. Always 0 on a {@code tcp} listener.
   */
  public long handshakeFailures() {
    TcpChannelInitializer c = connections;
    return c == null ? 0 : c.handshakeFailures();
  }

  /**
   * Connections closed before reaching the gateway because their PROXY protocol header was
   * invalid, truncated or late, since start. Always 0 without {@code proxyProtocol}.
   */
  public long proxyProtocolFailures() {
    TcpChannelInitializer c = connections;
    return c == null ? 0 : c.proxyProtocolFailures();
  }

  /**
   * Binds and starts accepting; returns once bound. If binding fails the listener stays unstarted
   * and {@code start} may be called again.
   *
   * @throws BindException naming the address, if it cannot be bound (e.g. already in use)
   * @throws IllegalStateException if already started or stopped, or if the given transport was
   *     shut down
   */
  @Override
  public synchronized void start(LinkAcceptor acceptor) throws IOException {
    Objects.requireNonNull(acceptor, "acceptor");
    lifecycle.start(() -> bind(acceptor));
  }

  private void bind(LinkAcceptor acceptor) throws IOException {
    if (sharedTransport != null && sharedTransport.isShutdown()) {
      throw new IllegalStateException(describe() + ": its NettyTransport was shut down; stop"
          + " listeners before closing their transport");
    }
    NettyTransport transport = sharedTransport != null ? sharedTransport : NettyTransport.create();
    NettyTransport own = transport != sharedTransport ? transport : null;
    AcceptGate gate = new AcceptGate(name,
        accessRules.rules().isEmpty() ? null : accessRules::allows, maxConnRate, System::nanoTime);
    TcpChannelInitializer initializer = new TcpChannelInitializer(name, acceptor, maxConnections,
        framing.kind() == Framing.Kind.NONE ? null : framing::newDecoder, gate);
    if (ssl != null) {
      initializer.tls(ssl.context(), tlsHandshakeTimeout.toMillis());
    }
    if (proxyProtocol) {
      initializer.proxyProtocol(proxyProtocolTimeout.toNanos());
    }
    initializer.sendLimits(sendLimits);
    serverChannel = ServerChannels.bind(sockets.bootstrap(transport.eventLoops(), initializer),
        bindAddress, describe(), own);
    ownTransport = own;
    connections = initializer;
    localAddress = (InetSocketAddress) serverChannel.localAddress();
  }

  /**
   * Stops accepting and closes the listening socket, then the transport if this listener created
   * it. Idempotent; before {@link #start} it only marks the listener stopped.
   *
   * @return completes when the port is released (and the own transport has terminated)
   */
  @Override
  public synchronized CompletionStage<Void> stop() {
    return lifecycle.stop(() -> ServerChannels.close(serverChannel, ownTransport));
  }

  private String describe() {
    return kind() + " listener '" + name + "'";
  }

  @Override
  public String toString() {
    InetSocketAddress bound = localAddress;
    return describe() + " on " + Addresses.format(bound != null ? bound : bindAddress);
  }

  /**
   * Configures a {@link TcpListener}. Setters only record; {@link #build()} validates. Not
   * thread-safe.
   */
  public static final class Builder extends ListenerBuilder<Builder> {
    private Framing framing = Framing.none();
    private boolean nodelay = true;
    private boolean reuseaddr = true;
    private int sendBuffer;
    private int recvBuffer;
    private int backlog = 1024;
    private NettyTransport transport;
    private TlsSettings tls;
    private TlsProvider tlsProvider = TlsProvider.AUTO;
    private Duration tlsHandshakeTimeout = Duration.ofSeconds(15);
    private boolean proxyProtocol;
    private Duration proxyProtocolTimeout = Duration.ofSeconds(3);
    private Duration sendTimeout = DEFAULT_SEND_TIMEOUT;
    private int maxPendingOutboundBytes = DEFAULT_MAX_PENDING_OUTBOUND_BYTES;

    private Builder() {
      super(DEFAULT_PORT, "connection");
    }

    /**
     * How inbound bytes are cut into the frames reported to the gateway (docs/configuration.md, Framing); outbound bytes
     * are never framed. Default {@link Framing#none()}: each socket read as it is.
     */
    public Builder framing(Framing framing) {
      this.framing = Objects.requireNonNull(framing, "framing");
      return this;
    }

    /** {@code TCP_NODELAY} on accepted sockets. Default true. */
    public Builder nodelay(boolean nodelay) {
      this.nodelay = nodelay;
      return this;
    }

    /** {@code SO_REUSEADDR} on the listening socket. Default true. */
    public Builder reuseaddr(boolean reuseaddr) {
      this.reuseaddr = reuseaddr;
      return this;
    }

    /** {@code SO_SNDBUF} of accepted sockets in bytes; 0 keeps the OS default. Default 0. */
    public Builder sendBuffer(int bytes) {
      this.sendBuffer = bytes;
      return this;
    }

    /** {@code SO_RCVBUF} of accepted sockets in bytes; 0 keeps the OS default. Default 0. */
    public Builder recvBuffer(int bytes) {
      this.recvBuffer = bytes;
      return this;
    }

    /** The accept backlog of the listening socket. Default 1024. */
    public Builder backlog(int backlog) {
      this.backlog = backlog;
      return this;
    }

    /**
     * Event loops shared with other listeners; the caller keeps ownership and closes it after the
     * listeners stop. Default: the listener creates its own with {@link NettyTransport#create()}
     * at start and closes it on stop.
     */
    public Builder transport(NettyTransport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * Makes this an {@code ssl} listener with these TLS settings ({@code ssl_options}, docs/configuration.md):
     * socket type SSL, links handed to the gateway after a successful handshake, peer close
     * reason {@code ssl_closed}. Default none: a plain {@code tcp} listener. The settings are
     * turned into the TLS context at {@link #build()}, which checks their protocols and ciphers
     * against the {@link #tlsProvider}.
     *
     * @throws IllegalArgumentException if they are client settings
     */
    public Builder tls(TlsSettings tls) {
      this.tls = TlsChecks.requireSide(tls, TlsSettings.Side.SERVER, "TcpListener tls");
      return this;
    }

    /**
     * The TLS implementation of an {@code ssl} listener: {@link TlsProvider#AUTO} (the default)
     * takes OpenSSL when it is available, else the JDK's; {@link TlsProvider#OPENSSL} requires
     * it. Used only with {@link #tls}.
     */
    public Builder tlsProvider(TlsProvider provider) {
      this.tlsProvider = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /**
     * How long a TLS handshake may take before the connection is closed ({@code
     * ssl_options.handshake_timeout}); positive. Used only with {@link #tls}. Default 15 s.
     */
    public Builder tlsHandshakeTimeout(Duration timeout) {
      this.tlsHandshakeTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Whether each connection starts with a PROXY protocol v1 or v2 header giving the real client
     * address ({@code proxy_protocol}, docs/configuration.md). Default false.
     */
    public Builder proxyProtocol(boolean proxyProtocol) {
      this.proxyProtocol = proxyProtocol;
      return this;
    }

    /**
     * How long a connection may take to send its whole PROXY protocol header before it is closed
     * ({@code proxy_protocol_timeout}, docs/configuration.md); positive. Used only with {@link
     * #proxyProtocol(boolean)}. Default 3 s.
     */
    public Builder proxyProtocolTimeout(Duration timeout) {
      this.proxyProtocolTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * {@code send_timeout}, docs/configuration.md, always with close ({@code send_timeout_close}): once more than
     * 64 KiB are queued for a connection (its socket buffer being full), a device that takes none
     * of them for this long is closed with reason {@code send_timeout} and counted in {@link
     * TcpListener#sendTimeouts()}. It is closed between one and 1.25 timeouts after it last took a
     * byte; a device that keeps reading, however slowly, is never closed by it. {@link
     * Duration#ZERO} turns it off ({@link #maxPendingOutboundBytes(int)} still bounds memory);
     * otherwise at least 1 ms. Default 15 s.
     */
    public Builder sendTimeout(Duration timeout) {
      this.sendTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * The most bytes one connection may hold queued in Netty (beyond the kernel's socket buffer);
     * at least 65536, the high-water mark at which a connection stops being writable. A write that
     * would queue more is dropped and the connection closed with reason {@code
     * send_buffer_overflow}, counted in {@link TcpListener#sendBufferOverflows()}. A write into an
     * empty queue is always taken, so one write larger than this is no reason to close. Default 8
     * MiB: room for bursts far above a device's usual traffic, while a connection stuck for the
     * whole send timeout holds a bounded amount.
     */
    public Builder maxPendingOutboundBytes(int bytes) {
      this.maxPendingOutboundBytes = bytes;
      return this;
    }

    /**
     * Validates the settings and creates the listener (not started).
     *
     * @throws IllegalArgumentException naming the setting that is wrong, and its value
     */
    public TcpListener build() {
      ListenerOptions options = options();
      TcpServerSockets sockets = new TcpServerSockets(nodelay, reuseaddr, sendBuffer,
          recvBuffer, backlog);
      if (proxyProtocolTimeout.isZero() || proxyProtocolTimeout.isNegative()) {
        throw new IllegalArgumentException("proxyProtocolTimeout must be positive, was "
            + proxyProtocolTimeout);
      }
      SendLimits sendLimits = TcpServerSockets.sendLimits(sendTimeout, maxPendingOutboundBytes);
      if (tlsHandshakeTimeout.isZero() || tlsHandshakeTimeout.isNegative()) {
        throw new IllegalArgumentException("tlsHandshakeTimeout must be positive, was "
            + tlsHandshakeTimeout);
      }
      ServerSslContexts.ServerSsl ssl = tls == null ? null
          : ServerSslContexts.build(tls, tlsProvider, "TcpListener tls");
      return new TcpListener(this, options, sockets, sendLimits, ssl);
    }
  }
}
