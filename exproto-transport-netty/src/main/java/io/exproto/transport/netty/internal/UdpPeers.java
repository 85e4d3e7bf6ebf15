package io.exproto.transport.netty.internal;

import io.exproto.transport.LinkAcceptor;
import io.exproto.transport.AccessRules;
import io.exproto.transport.LinkExecutor;
import io.exproto.transport.LinkListener;
import io.exproto.transport.internal.AcceptRateLimiter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one handler of a UDP listener's datagram channel: demultiplexes datagrams by sender into
 * {@link UdpLink}s, answers health checks, and enforces the peer limit. Also the {@link
 * LinkExecutor} of all its links: they share the channel's event loop.
 *
 * <p>For each datagram, in this order: a datagram equal to the health-check request is answered
 * with the reply and goes no further (it never creates a link, whoever sent it); a datagram from an
 * unknown sender creates a link ({@link LinkAcceptor#accept}) unless {@code maxConnections} peers
 * are open, in which case it is dropped and counted; a datagram for a link whose reads are paused
 * is dropped and counted; anything else is one {@code onBytes} with a copy of its content.
 *
 * <p>The peer map is only touched on the event loop, so it needs no locks. Not {@code @Sharable}:
 * one instance per listener, added once to its channel.
 */
public final class UdpPeers extends SimpleChannelInboundHandler<DatagramPacket>
    implements LinkExecutor {

  /** The name of this handler in the datagram channel's pipeline. */
  public static final String HANDLER_NAME = "exproto-udp-peers";

  private static final Logger log = LoggerFactory.getLogger(UdpPeers.class);

  private final String listenerName;
  private final LinkAcceptor acceptor;
  private final int maxConnections;
  private final ByteBuf healthCheckRequest; // null: no health check
  private final byte[] healthCheckReply;
  private final Map<InetSocketAddress, UdpLink> peers = new HashMap<>(); // event loop only
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong denied = new AtomicLong();
  private final AtomicLong rateLimited = new AtomicLong();
  private final AccessRules accessRules;
  private final AcceptRateLimiter rateLimiter;
  private final AtomicLong droppedWhilePaused = new AtomicLong();
  private volatile int open; // peers.size(), published for other threads
  private volatile Channel channel;

  /**
   * Creates the handler of one listener.
   *
   * @param healthCheckRequest a datagram to answer with {@code healthCheckReply}; null for none
   * @param accessRules checked for every datagram from a peer without a connection
   * @param maxConnRate new peers accepted per second (token bucket)
   */
  public UdpPeers(String listenerName, LinkAcceptor acceptor, int maxConnections,
      byte[] healthCheckRequest, byte[] healthCheckReply, AccessRules accessRules,
      int maxConnRate) {
    this.accessRules = Objects.requireNonNull(accessRules, "accessRules");
    this.rateLimiter = new AcceptRateLimiter(maxConnRate, System::nanoTime);
    this.listenerName = Objects.requireNonNull(listenerName, "listenerName");
    this.acceptor = Objects.requireNonNull(acceptor, "acceptor");
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1, was " + maxConnections);
    }
    this.maxConnections = maxConnections;
    if (healthCheckRequest != null) {
      this.healthCheckRequest = Unpooled.wrappedBuffer(healthCheckRequest.clone());
      this.healthCheckReply = Objects.requireNonNull(healthCheckReply, "healthCheckReply").clone();
    } else {
      this.healthCheckRequest = null;
      this.healthCheckReply = null;
    }
  }

  /** Datagrams from new peers dropped because the access rules deny their address. */
  public long deniedConnections() {
    return denied.get();
  }

  /** Datagrams from new peers dropped because the new-peer rate was exceeded. */
  public long rateLimitedConnections() {
    return rateLimited.get();
  }

  /** Peers currently open. */
  public int openConnections() {
    return open;
  }

  /** Datagrams from new peers dropped because {@code maxConnections} peers were open. */
  public long refusedConnections() {
    return refused.get();
  }

  /** Datagrams dropped because their peer's reads were paused. */
  public long droppedWhilePaused() {
    return droppedWhilePaused.get();
  }

  String listenerName() {
    return listenerName;
  }

  InetSocketAddress localAddress() {
    Channel ch = channel;
    SocketAddress local = ch == null ? null : ch.localAddress();
    return local instanceof InetSocketAddress inet ? inet : null;
  }

  // ---- LinkExecutor (shared by every link of this listener)

  /**
   * Runs {@code task} on the channel's event loop.
   *
   * @throws RejectedExecutionException if the event loop has shut down
   */
  @Override
  public void execute(Runnable task) {
    channel.eventLoop().execute(task);
  }

  @Override
  public boolean inExecutorThread() {
    Channel ch = channel;
    return ch != null && ch.eventLoop().inEventLoop();
  }

  // ---- links

  void send(InetSocketAddress to, byte[] bytes) {
    // One packet per call: the bytes leave as exactly one datagram. A failed send (the void
    // promise) reaches exceptionCaught, which logs it: UDP has nothing to close.
    Channel ch = channel;
    ch.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), to), ch.voidPromise());
  }

  void close(UdpLink link, String reason) {
    if (!inExecutorThread()) {
      try {
        execute(() -> close(link, reason));
      } catch (RejectedExecutionException shutDown) {
        // The event loop is gone: the channel closed and channelInactive reported every link.
      }
      return;
    }
    if (link.closed) {
      return;
    }
    forget(link);
    // Report on a later turn: the engine closes links from inside its own close, and must not be
    // called back from there.
    try {
      execute(() -> report(link, reason));
    } catch (RejectedExecutionException shuttingDown) {
      report(link, reason);
    }
  }

  private void forget(UdpLink link) {
    link.closed = true;
    peers.remove(link.remote, link);
    open = peers.size();
  }

  private static void report(UdpLink link, String reason) {
    LinkListener l = link.listener;
    if (l != null) {
      l.onClosed(reason);
    }
  }

  // ---- inbound events

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    ByteBuf content = packet.content();
    InetSocketAddress sender = packet.sender();
    if (healthCheckRequest != null && ByteBufUtil.equals(content, healthCheckRequest)) {
      if (!peers.containsKey(sender) && !accessRules.allows(sender.getAddress())) {
        denied.incrementAndGet(); // a denied address learns nothing, not even that we are here
        return;
      }
      ctx.channel().writeAndFlush(
          new DatagramPacket(Unpooled.wrappedBuffer(healthCheckReply), sender),
          ctx.channel().voidPromise());
      return;
    }
    UdpLink link = peers.get(sender);
    if (link == null) {
      link = accept(sender);
      if (link == null) {
        return;
      }
    }
    if (link.readPaused) {
      droppedWhilePaused.incrementAndGet();
      return;
    }
    // A copy: the packet's buffer is pooled and released when this method returns.
    byte[] bytes = ByteBufUtil.getBytes(content);
    try {
      link.listener.onBytes(bytes);
    } catch (RuntimeException e) {
      log.warn("listener '{}': link {} failed; closing it", listenerName, sender, e);
      close(link, CloseReasons.ofError(e));
    }
  }

  /** A link for a new sender, or null if refused, or closed or rejected while being accepted. */
  private UdpLink accept(InetSocketAddress sender) {
    // The same order as TCP's accept gate: a denied peer does not use up the rate.
    if (!accessRules.allows(sender.getAddress())) {
      denied.incrementAndGet();
      return null;
    }
    if (!rateLimiter.tryAcquire()) {
      rateLimited.incrementAndGet();
      return null;
    }
    if (peers.size() >= maxConnections) {
      refused.incrementAndGet();
      return null;
    }
    UdpLink link = new UdpLink(this, sender);
    peers.put(sender, link);
    open = peers.size();
    LinkListener accepted;
    try {
      accepted = acceptor.accept(link);
    } catch (RuntimeException e) {
      log.warn("listener '{}': accepting a link from {} failed; dropping it",
          listenerName, sender, e);
      accepted = null;
    }
    if (accepted == null) {
      forget(link); // nobody to report to
      return null;
    }
    link.listener = accepted;
    // Closed from inside accept (e.g. the gateway is stopping): its close report is queued, and
    // the datagram goes nowhere.
    return link.closed ? null : link;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    // The listener stopped (or its transport shut down): every peer still open is closed now.
    List<UdpLink> open = new ArrayList<>(peers.values());
    for (UdpLink link : open) {
      forget(link);
    }
    for (UdpLink link : open) {
      try {
        report(link, UdpLink.UDP_CLOSED);
      } catch (RuntimeException e) {
        log.warn("listener '{}': reporting the close of {} failed", listenerName, link.remote, e);
      }
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A datagram socket serves every peer: one failed send or receive (e.g. an ICMP error) must not
    // close it, so errors are logged and otherwise ignored.
    if (cause instanceof IOException) {
      if (!(cause instanceof ClosedChannelException)) {
        log.debug("listener '{}': datagram socket error: {}", listenerName, cause.toString());
      }
    } else {
      log.warn("listener '{}': unexpected error on the datagram socket", listenerName, cause);
    }
  }

  @Override
  public String toString() {
    return "udp peers of listener '" + listenerName + "' (" + open + " open)";
  }
}
