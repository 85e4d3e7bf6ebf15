package io.exproto.transport.netty.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits, right behind Netty's {@code HAProxyMessageDecoder}, for the PROXY protocol header of one
 * connection: takes the real client address from it, checks the access rules against that address,
 * and tells the {@link ChannelLink} with a {@link ProxyHeaderReceived} event; then removes itself.
 *
 * <p>A header that does not come within the timeout, a header the decoder rejects, and a close
 * before the whole header came all close the connection, counted as PROXY protocol failures; a
 * client the access rules deny is closed and counted as denied. In every such case the link never
 * reaches the acceptor. Not {@code @Sharable}: one per connection, on its event loop.
 */
public final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(ProxyProtocolHandler.class);

  /** Fired down the pipeline once the header came and the client is admitted. */
  public record ProxyHeaderReceived(InetSocketAddress clientAddress) {}

  private final String listenerName;
  private final long timeoutNanos;
  private final AcceptGate gate;
  private final AtomicLong failures;
  private ScheduledFuture<?> timeout;
  private boolean done;

  /**
   * @param timeoutNanos how long the header may take, from when the connection is active
   * @param gate checks the real client address against the listener's access rules
   * @param failures the listener's counter of PROXY protocol failures
   */
  public ProxyProtocolHandler(String listenerName, long timeoutNanos, AcceptGate gate,
      AtomicLong failures) {
    this.listenerName = listenerName;
    this.timeoutNanos = timeoutNanos;
    this.gate = gate;
    this.failures = failures;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      scheduleTimeout(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    scheduleTimeout(ctx);
    ctx.fireChannelActive();
  }

  private void scheduleTimeout(ChannelHandlerContext ctx) {
    if (timeout != null || done) {
      return;
    }
    timeout = ctx.executor().schedule(() -> {
      if (!done) {
        fail(ctx, "no complete PROXY protocol header within "
            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
      }
    }, timeoutNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (done || !(msg instanceof HAProxyMessage header)) {
      if (!done) {
        // Cannot happen: the decoder passes bytes on only once it has decoded the header.
        ReferenceCountUtil.release(msg);
        return;
      }
      ctx.fireChannelRead(msg);
      return;
    }
    done = true;
    cancelTimeout();
    InetSocketAddress client;
    try {
      client = clientAddress(header);
    } finally {
      header.release();
    }
    if (client == null) {
      // LOCAL command or UNKNOWN protocol: the proxy speaks for itself; keep the socket's address.
      client = (InetSocketAddress) ctx.channel().remoteAddress();
    } else if (!gate.admitsRealClient(client)) {
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(new ProxyHeaderReceived(client));
    if (ctx.channel().isActive()) {
      ctx.pipeline().remove(this);
    }
  }

  private static InetSocketAddress clientAddress(HAProxyMessage header) {
    String host = header.sourceAddress();
    if (host == null) {
      return null;
    }
    switch (header.proxiedProtocol().addressFamily()) {
      case AF_IPv4, AF_IPv6 -> {
        // Numeric only: no lookup; the decoder has checked the syntax.
        return new InetSocketAddress(numeric(host), header.sourcePort());
      }
      default -> {
        return null; // unix sockets: no IP address
      }
    }
  }

  private static InetAddress numeric(String host) {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("PROXY header source " + host + " is not an address", e);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (done) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    fail(ctx, cause.toString());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!done) {
      fail(ctx, "closed before a complete PROXY protocol header");
    }
    ctx.fireChannelInactive();
  }

  private void fail(ChannelHandlerContext ctx, String why) {
    done = true;
    cancelTimeout();
    failures.incrementAndGet();
    log.debug("listener '{}': connection from {}: {}; closing it", listenerName,
        ctx.channel().remoteAddress(), why);
    ctx.close();
  }

  private void cancelTimeout() {
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
  }
}
