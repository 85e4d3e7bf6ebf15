package io.exproto.transport.netty.internal;

import io.exproto.transport.LinkAcceptor;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
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
    // Later stages (PROXY protocol, TLS) go before the frame decoder, in that order: the PROXY
    // header precedes the TLS handshake, and framing works on decrypted bytes. The decoder is
    // added only when framing is on, since it holds per-connection state (a partial frame). The
    // link handler is always last because it consumes every message; it also turns a decoder's
    // TooLongFrameException into the close reason and counts it.
    if (frameDecoders != null) {
      pipeline.addLast(FRAME_DECODER, frameDecoders.get());
    }
    pipeline.addLast(LINK_HANDLER, new ChannelLink(ch, listenerName, acceptor, framesTooLong));
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

  /** Connections closed because a frame was longer than the framing allows. */
  public long framesTooLong() {
    return framesTooLong.get();
  }
}
