package io.exproto.transport.netty.internal;

import io.exproto.transport.LinkAcceptor;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds the pipeline of every connection a TCP listener accepts, and enforces the listener's
 * connection limit. The one place the TCP pipeline is assembled. Thread-safe; one instance per
 * listener, shared by all its connections.
 */
@Sharable
public final class TcpChannelInitializer extends ChannelInitializer<Channel> {

  /** The {@link ChannelLink}: hands bytes and close events to the engine. Always last. */
  public static final String LINK_HANDLER = "exproto-link";

  private final String listenerName;
  private final LinkAcceptor acceptor;
  private final int maxConnections;
  private final AtomicInteger openConnections = new AtomicInteger();
  private final AtomicLong refusedConnections = new AtomicLong();
  // One listener object for all connections, so counting costs no allocation per connection.
  private final ChannelFutureListener countClose = f -> openConnections.decrementAndGet();

  /** Creates the initializer for one listener. */
  public TcpChannelInitializer(String listenerName, LinkAcceptor acceptor, int maxConnections) {
    this.listenerName = Objects.requireNonNull(listenerName, "listenerName");
    this.acceptor = Objects.requireNonNull(acceptor, "acceptor");
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1, was " + maxConnections);
    }
    this.maxConnections = maxConnections;
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
    // Later stages (PROXY protocol, TLS, framing) go before the link handler, in that order: the
    // PROXY header precedes the TLS handshake, and framing works on decrypted bytes. The link
    // handler is always last because it consumes every message.
    ch.pipeline().addLast(LINK_HANDLER, new ChannelLink(ch, listenerName, acceptor));
  }

  /** Connections currently open (accepted, not refused, not yet closed). */
  public int openConnections() {
    return openConnections.get();
  }

  /** Connections closed at once because {@code maxConnections} were already open. */
  public long refusedConnections() {
    return refusedConnections.get();
  }
}
