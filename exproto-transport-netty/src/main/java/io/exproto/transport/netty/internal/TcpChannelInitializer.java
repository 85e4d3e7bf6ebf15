package io.exproto.transport.netty.internal;

import io.exproto.transport.LinkAcceptor;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Builds the pipelines of a TCP listener, the one place they are assembled: the listening
 * channel's ({@link #serverChannelHandler()}: the {@link AcceptGate}) and that of every connection
 * it accepts (this initializer: connection limit, optional frame decoder, link). Thread-safe; one
 * instance per listener, shared by all its connections.
 */
@Sharable
public final class TcpChannelInitializer extends ChannelInitializer<Channel> {

  /** On the listening channel: the {@link AcceptGate} (access rules, accept rate). */
  public static final String ACCEPT_GATE = "exproto-accept-gate";

  /** Netty's PROXY protocol v1/v2 decoder, present only with {@code proxy_protocol}; first. */
  public static final String PROXY_DECODER = "exproto-proxy-decoder";

  /** The {@link ProxyProtocolHandler}: timeout, real client address, access rules again. */
  public static final String PROXY_HANDLER = "exproto-proxy-handler";

  /** The {@link SslHandler}, present only on {@code ssl} listeners. */
  public static final String SSL_HANDLER = "exproto-ssl";

  /** The frame decoder, present only when the listener frames its input. */
  public static final String FRAME_DECODER = "exproto-frame-decoder";

  /** The {@link ChannelLink}: hands bytes and close events to the engine. Always last. */
  public static final String LINK_HANDLER = "exproto-link";

  private final String listenerName;
  private final LinkAcceptor acceptor;
  private final int maxConnections;
  private final Supplier<? extends ChannelHandler> frameDecoders;
  private final AcceptGate acceptGate;
  private final AtomicInteger openConnections = new AtomicInteger();
  private final AtomicLong refusedConnections = new AtomicLong();
  private final AtomicLong framesTooLong = new AtomicLong();
  private final AtomicLong handshakeFailures = new AtomicLong();
  private final AtomicLong proxyProtocolFailures = new AtomicLong();
  private SslContext sslContext; // null: plain TCP
  private long handshakeTimeoutMillis;
  private long proxyProtocolTimeoutNanos = -1; // negative: no PROXY protocol
  private SendLimits sendLimits = SendLimits.defaults();
  // One listener object for all connections, so counting costs no allocation per connection.
  private final ChannelFutureListener countClose = f -> openConnections.decrementAndGet();

  /** An initializer without framing whose gate lets every address in at 1000 connections/s. */
  public TcpChannelInitializer(String listenerName, LinkAcceptor acceptor, int maxConnections) {
    this(listenerName, acceptor, maxConnections, null,
        new AcceptGate(listenerName, null, 1000, System::nanoTime));
  }

  /**
   * Creates the initializer for one listener.
   *
   * @param frameDecoders a new frame decoder for each connection, or null to pass reads on as
   *     they are
   * @param acceptGate the listening channel's gate, installed by {@link #serverChannelHandler()}
   */
  public TcpChannelInitializer(String listenerName, LinkAcceptor acceptor, int maxConnections,
      Supplier<? extends ChannelHandler> frameDecoders, AcceptGate acceptGate) {
    this.listenerName = Objects.requireNonNull(listenerName, "listenerName");
    this.acceptor = Objects.requireNonNull(acceptor, "acceptor");
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1, was " + maxConnections);
    }
    this.maxConnections = maxConnections;
    this.frameDecoders = frameDecoders;
    this.acceptGate = Objects.requireNonNull(acceptGate, "acceptGate");
  }

  /**
   * Makes this an {@code ssl} listener's initializer: each connection gets an {@link SslHandler}.
   * Call before the listener binds.
   */
  public TcpChannelInitializer tls(SslContext sslContext, long handshakeTimeoutMillis) {
    this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
    this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    return this;
  }

  /**
   * Expects a PROXY protocol (v1 or v2) header ahead of each connection's bytes, within {@code
   * timeoutNanos}. Call before the listener binds.
   */
  public TcpChannelInitializer proxyProtocol(long timeoutNanos) {
    this.proxyProtocolTimeoutNanos = timeoutNanos;
    return this;
  }

  /**
   * Sets the outbound limits ({@code send_timeout}, pending-bytes cap) of every connection, and
   * the counters of the connections they close. Default {@link SendLimits#defaults()}. Call before
   * the listener binds.
   */
  public TcpChannelInitializer sendLimits(SendLimits sendLimits) {
    this.sendLimits = Objects.requireNonNull(sendLimits, "sendLimits");
    return this;
  }

  /**
   * The handler for {@code ServerBootstrap.handler(...)}: puts the {@link AcceptGate} in the
   * listening channel's pipeline, where it sees each accepted channel before the bootstrap
   * registers it. For one listening channel only.
   */
  public ChannelHandler serverChannelHandler() {
    return new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel server) {
        server.pipeline().addLast(ACCEPT_GATE, acceptGate);
      }
    };
  }

  @Override
  protected void initChannel(Channel ch) {
    if (openConnections.incrementAndGet() > maxConnections) {
      // Over the limit: close before the engine ever sees the connection, as EMQX's esockd does.
      openConnections.decrementAndGet();
      refusedConnections.incrementAndGet();
      ch.close();
      return;
    }
    ch.closeFuture().addListener(countClose);
    ChannelPipeline pipeline = ch.pipeline();
    // Order matters: the PROXY header comes first on the wire, in clear even on a TLS port, so its
    // decoder is first (both PROXY handlers remove themselves once the header is read); then TLS;
    // then framing, which works on decrypted bytes. Each optional stage is added only when on,
    // since it holds per-connection state. The link handler is always last because it consumes
    // every message; it asks the acceptor only once the header and the handshake are done, and
    // turns a decoder's TooLongFrameException into the close reason and counts it.
    boolean proxyProtocol = proxyProtocolTimeoutNanos >= 0;
    if (proxyProtocol) {
      pipeline.addLast(PROXY_DECODER, new HAProxyMessageDecoder());
      pipeline.addLast(PROXY_HANDLER, new ProxyProtocolHandler(listenerName,
          proxyProtocolTimeoutNanos, acceptGate, proxyProtocolFailures));
    }
    if (sslContext != null) {
      SslHandler ssl = sslContext.newHandler(ch.alloc());
      ssl.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
      pipeline.addLast(SSL_HANDLER, ssl);
    }
    if (frameDecoders != null) {
      pipeline.addLast(FRAME_DECODER, frameDecoders.get());
    }
    pipeline.addLast(LINK_HANDLER, new ChannelLink(ch, listenerName, acceptor, framesTooLong,
        proxyProtocol, sslContext != null, handshakeFailures, sendLimits));
  }

  /** Connections currently open (accepted, not refused, not yet closed). */
  public int openConnections() {
    return openConnections.get();
  }

  /** Connections closed at once because {@code maxConnections} were already open. */
  public long refusedConnections() {
    return refusedConnections.get();
  }

  /** Connections closed because the access rules denied their address. */
  public long deniedConnections() {
    return acceptGate.deniedConnections();
  }

  /** Connections closed because they came faster than the accept rate. */
  public long rateLimitedConnections() {
    return acceptGate.rateLimitedConnections();
  }

  /** Connections whose TLS handshake failed (never handed to the acceptor). */
  public long handshakeFailures() {
    return handshakeFailures.get();
  }

  /** Connections closed for a missing, late or invalid PROXY protocol header. */
  public long proxyProtocolFailures() {
    return proxyProtocolFailures.get();
  }

  /** Connections closed with reason {@code send_timeout}. */
  public long sendTimeouts() {
    return sendLimits.sendTimeouts();
  }

  /** Connections closed with reason {@code send_buffer_overflow}. */
  public long sendBufferOverflows() {
    return sendLimits.sendBufferOverflows();
  }

  /** Connections closed because a frame was longer than the framing allows. */
  public long framesTooLong() {
    return framesTooLong.get();
  }
}
