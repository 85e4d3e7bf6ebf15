package io.exproto.transport.netty.internal;

import io.exproto.handler.PeerCertificate;
import io.exproto.handler.SocketType;
import io.exproto.transport.Link;
import io.exproto.transport.LinkAcceptor;
import io.exproto.transport.LinkExecutor;
import io.exproto.transport.LinkListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted TCP connection as a {@link Link}, and the last inbound handler of its pipeline.
 *
 * <p>The link, its executor and its inbound handler are one object on purpose: an idle connection
 * then costs the Netty channel plus this one small object (a few fields), which keeps the heap
 * per connection small at a million connections. Not {@code @Sharable}: one instance per channel.
 *
 * <p>Events reach the {@link LinkListener} on the channel's event loop: {@code accept} on
 * channelActive, then one {@code onBytes} per socket read (per frame, behind a frame decoder),
 * then {@code onClosed} at most once, after which nothing more is reported. {@link #write}, {@link
 * #close} and {@link #setReadPaused} may be called from any thread (they are handed to the event
 * loop), though the engine calls them on the event loop.
 *
 * <p>Outbound bytes are bounded by the listener's {@link SendLimits}: a device that takes none of
 * its queued bytes for {@code send_timeout} while the channel is not writable is closed with {@link
 * CloseReasons#SEND_TIMEOUT}; a write that would queue more than the cap is dropped and the link
 * closed with {@link CloseReasons#SEND_BUFFER_OVERFLOW}. Either close is reported to the {@link
 * LinkListener} (on a later turn of the event loop, never from inside {@link #write}) and counted
 * in the listener's {@link SendLimits}.
 */
public final class ChannelLink extends ChannelInboundHandlerAdapter implements Link, LinkExecutor {

  private static final Logger log = LoggerFactory.getLogger(ChannelLink.class);

  private final Channel channel;
  private final String listenerName;
  private final LinkAcceptor acceptor;
  private final AtomicLong framesTooLong; // the listener's counter; null when not counted
  private final boolean tls;
  private final AtomicLong handshakeFailures; // the listener's counter; null when not TLS
  private final SendLimits sendLimits;
  // Only touched on the event loop, except the volatile ones, which are read by any thread.
  private LinkListener listener;
  private boolean closeReported;
  private boolean awaitingProxyHeader;
  private boolean awaitingHandshake;
  // send_timeout: the pending check while not writable, and the progress it last saw.
  private ScheduledFuture<?> sendCheck;
  private long lastSendProgressNanos;
  private int lastHeadIdentity;
  private long lastHeadProgress;
  private long lastPendingBytes;
  private boolean outboundRefused; // a write overflowed the cap: drop the rest, closing
  private String outboundCloseReason; // set when closing for an outbound limit
  private volatile InetSocketAddress proxiedRemoteAddress;
  private volatile PeerCertificate peerCertificate;

  /**
   * Creates the link for {@code channel}; add it last to the channel's pipeline.
   *
   * @param acceptor asked for a {@link LinkListener} when the channel becomes active
   */
  public ChannelLink(Channel channel, String listenerName, LinkAcceptor acceptor) {
    this(channel, listenerName, acceptor, null);
  }

  /**
   * Creates the link for {@code channel}; add it last to the channel's pipeline.
   *
   * @param acceptor asked for a {@link LinkListener} when the channel becomes active
   * @param framesTooLong the listener's counter of connections closed for a frame over the
   *     limit (a frame decoder's {@link TooLongFrameException}); null to count nothing
   */
  public ChannelLink(Channel channel, String listenerName, LinkAcceptor acceptor,
      AtomicLong framesTooLong) {
    this(channel, listenerName, acceptor, framesTooLong, false, false, null);
  }

  /**
   * Creates the link for {@code channel}; add it last to the channel's pipeline. The acceptor is
   * asked only once the channel is active, the PROXY header came (if {@code proxyProtocol}) and the
   * TLS handshake succeeded (if {@code tls}).
   *
   * @param proxyProtocol whether a {@link ProxyProtocolHandler} precedes, whose {@link
   *     ProxyProtocolHandler.ProxyHeaderReceived} event gives the real client address
   * @param tls whether an {@link SslHandler} precedes: socket type SSL, peer certificate, close
   *     reason {@code ssl_closed}
   * @param handshakeFailures the listener's counter of failed handshakes; used when {@code tls}
   */
  public ChannelLink(Channel channel, String listenerName, LinkAcceptor acceptor,
      AtomicLong framesTooLong, boolean proxyProtocol, boolean tls, AtomicLong handshakeFailures) {
    this(channel, listenerName, acceptor, framesTooLong, proxyProtocol, tls, handshakeFailures,
        SendLimits.defaults());
  }

  /**
   * Creates the link for {@code channel}, as {@link #ChannelLink(Channel, String, LinkAcceptor,
   * AtomicLong, boolean, boolean, AtomicLong)}, with the listener's outbound limits.
   *
   * @param sendLimits the listener's {@code send_timeout} and pending-bytes cap, which also count
   *     the connections they close
   */
  public ChannelLink(Channel channel, String listenerName, LinkAcceptor acceptor,
      AtomicLong framesTooLong, boolean proxyProtocol, boolean tls, AtomicLong handshakeFailures,
      SendLimits sendLimits) {
    this.sendLimits = Objects.requireNonNull(sendLimits, "sendLimits");
    this.channel = Objects.requireNonNull(channel, "channel");
    this.listenerName = Objects.requireNonNull(listenerName, "listenerName");
    this.acceptor = Objects.requireNonNull(acceptor, "acceptor");
    this.framesTooLong = framesTooLong;
    this.tls = tls;
    this.handshakeFailures = handshakeFailures;
    this.awaitingProxyHeader = proxyProtocol;
    this.awaitingHandshake = tls;
  }

  /** The underlying channel, for diagnostics and tests. */
  public Channel channel() {
    return channel;
  }

  // ---- Link

  @Override
  public LinkExecutor executor() {
    return this;
  }

  @Override
  public SocketType socketType() {
    return tls ? SocketType.SSL : SocketType.TCP;
  }

  /** The client's address: from the PROXY protocol header when the listener uses one. */
  @Override
  public InetSocketAddress remoteAddress() {
    InetSocketAddress proxied = proxiedRemoteAddress;
    return proxied != null ? proxied : inet(channel.remoteAddress());
  }

  @Override
  public InetSocketAddress localAddress() {
    return inet(channel.localAddress());
  }

  private static InetSocketAddress inet(SocketAddress address) {
    return address instanceof InetSocketAddress inet ? inet : null;
  }

  @Override
  public PeerCertificate peerCertificate() {
    return peerCertificate;
  }

  @Override
  public String listenerName() {
    return listenerName;
  }

  /**
   * Writes {@code bytes} as one write. On the event loop: unless the bytes queued in Netty plus
   * these would exceed the cap (then they are dropped and the link closes with {@code
   * send_buffer_overflow}). From another thread the write is handed to the event loop first, in
   * call order; dropped if the event loop has shut down (the channel is closed then).
   */
  @Override
  public void write(byte[] bytes) {
    if (!channel.eventLoop().inEventLoop()) {
      try {
        channel.eventLoop().execute(() -> write(bytes));
      } catch (RejectedExecutionException shutDown) {
        // The event loop is gone, and the channel with it: nothing can be sent any more.
      }
      return;
    }
    if (outboundRefused) {
      return; // closing for an overflow: later writes would be discarded by the close anyway
    }
    ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
    if (queued != null) {
      long pending = queued.totalPendingWriteBytes();
      // A write into an empty queue is always taken, so one large write is no reason to close.
      if (pending > 0 && pending + bytes.length > sendLimits.maxPendingBytes()) {
        outboundRefused = true;
        log.debug("listener '{}': {} has {} bytes queued; {} more would exceed the cap of {};"
            + " closing it", listenerName, channel, pending, bytes.length,
            sendLimits.maxPendingBytes());
        // On a later turn: write() is called by the engine, which must not be called back
        // (onClosed) from inside its own call.
        channel.eventLoop().execute(() -> closeForOutbound(CloseReasons.SEND_BUFFER_OVERFLOW));
        return;
      }
    }
    // One writeAndFlush per call: the bytes go out as one write, never merged or split here.
    // The void promise sends a failed write to exceptionCaught instead of allocating a promise.
    channel.writeAndFlush(Unpooled.wrappedBuffer(bytes), channel.voidPromise());
    if (!channel.isWritable()) {
      watchSend(); // also started by channelWritabilityChanged; starting here needs no event
    }
  }

  @Override
  public void close() {
    channel.close();
  }

  @Override
  public void setReadPaused(boolean paused) {
    channel.config().setAutoRead(!paused);
  }

  // ---- LinkExecutor

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
    return channel.eventLoop().inEventLoop();
  }

  // ---- inbound events

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    if (awaitingProxyHeader || awaitingHandshake) {
      return; // accepted by userEventTriggered once ready
    }
    accept(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event instanceof ProxyProtocolHandler.ProxyHeaderReceived header && awaitingProxyHeader) {
      proxiedRemoteAddress = header.clientAddress();
      awaitingProxyHeader = false;
      if (!awaitingHandshake) {
        accept(ctx);
      }
      return;
    }
    if (event instanceof SslHandshakeCompletionEvent handshake && awaitingHandshake) {
      awaitingHandshake = false;
      if (!handshake.isSuccess()) {
        closeReported = true; // never accepted: nobody to report to
        // Closed while still waiting for the PROXY header: counted there, not as a handshake.
        if (handshakeFailures != null && !awaitingProxyHeader) {
          handshakeFailures.incrementAndGet();
        }
        log.debug("listener '{}': TLS handshake with {} failed; closing it", listenerName,
            channel.remoteAddress(), handshake.cause());
        ctx.close();
        return;
      }
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      peerCertificate = ssl == null ? null : peerCertificateOf(ssl);
      if (!awaitingProxyHeader) {
        accept(ctx);
      }
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  private static PeerCertificate peerCertificateOf(SslHandler ssl) {
    Certificate[] chain;
    try {
      chain = ssl.engine().getSession().getPeerCertificates();
    } catch (SSLPeerUnverifiedException none) {
      return null;
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
      return null;
    }
    return PeerCertificate.of(cert);
  }

  private void accept(ChannelHandlerContext ctx) {
    if (!channel.isActive() || closeReported) {
      return;
    }
    LinkListener accepted;
    try {
      accepted = acceptor.accept(this);
    } catch (RuntimeException e) {
      log.warn("listener '{}': accepting a link from {} failed; closing it",
          listenerName, channel.remoteAddress(), e);
      accepted = null;
    }
    if (accepted == null) {
      closeReported = true; // nobody to report to
      ctx.close();
      return;
    }
    listener = accepted;
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ctx.fireChannelRead(msg); // not ours; the pipeline's tail releases it
      return;
    }
    byte[] bytes;
    try {
      if (!buf.isReadable()) {
        return;
      }
      bytes = ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
    // Bytes of a read batch still in flight after an error was reported are dropped: onClosed is
    // the last event.
    if (!closeReported && listener != null) {
      listener.onBytes(bytes);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancelSendCheck();
    String reason = outboundCloseReason;
    reportClosed(reason != null ? reason
        : tls ? CloseReasons.SSL_CLOSED : CloseReasons.TCP_CLOSED);
    ctx.fireChannelInactive();
  }

  // ---- send_timeout

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (channel.isWritable()) {
      cancelSendCheck();
    } else {
      watchSend();
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** Starts watching the device's progress, if send_timeout is on and not already watching. */
  private void watchSend() {
    if (sendLimits.sendTimeoutNanos() == 0 || sendCheck != null || closeReported
        || !channel.isActive() || channel.isWritable()) {
      return;
    }
    lastSendProgressNanos = now();
    sampleSendProgress();
    scheduleSendCheck(sendLimits.checkIntervalNanos());
  }

  /** The event loop's clock, the one its scheduled checks run on (a test can move it). */
  private long now() {
    return channel.eventLoop().ticker().nanoTime();
  }

  private void scheduleSendCheck(long delayNanos) {
    try {
      sendCheck = channel.eventLoop().schedule(this::checkSend, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException shuttingDown) {
      sendCheck = null; // the event loop is going away, and the channel with it
    }
  }

  private void cancelSendCheck() {
    ScheduledFuture<?> check = sendCheck;
    if (check != null) {
      sendCheck = null;
      check.cancel(false);
    }
  }

  /** On the event loop, every quarter send timeout while the channel is not writable. */
  private void checkSend() {
    sendCheck = null;
    if (closeReported || !channel.isActive() || channel.isWritable()) {
      return; // writable again (its event may not have come through), or closed
    }
    long now = now();
    if (sampleSendProgress()) {
      lastSendProgressNanos = now;
    }
    long left = lastSendProgressNanos + sendLimits.sendTimeoutNanos() - now;
    if (left <= 0) {
      log.debug("listener '{}': {} took none of its {} queued bytes within the send timeout of"
          + " {} ms; closing it", listenerName, channel, lastPendingBytes,
          TimeUnit.NANOSECONDS.toMillis(sendLimits.sendTimeoutNanos()));
      closeForOutbound(CloseReasons.SEND_TIMEOUT);
      return;
    }
    scheduleSendCheck(Math.min(left, sendLimits.checkIntervalNanos()));
  }

  /**
   * Whether the device took bytes since the last sample: the message at the head of the outbound
   * queue changed (the one before was written out) or more of it was written, or the queue shrank.
   * New writes only append, so they alone are no progress. (Netty's IdleStateHandler observes
   * output the same way.)
   */
  private boolean sampleSendProgress() {
    ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
    if (queued == null) {
      return false;
    }
    int head = System.identityHashCode(queued.current());
    long headProgress = queued.currentProgress();
    long pending = queued.totalPendingWriteBytes();
    boolean progressed = head != lastHeadIdentity || headProgress != lastHeadProgress
        || pending < lastPendingBytes;
    lastHeadIdentity = head;
    lastHeadProgress = headProgress;
    lastPendingBytes = pending;
    return progressed;
  }

  /** Closes the link for an outbound limit: counted and reported with {@code reason}. */
  private void closeForOutbound(String reason) {
    cancelSendCheck();
    boolean report = !closeReported && channel.isActive();
    if (report) {
      if (CloseReasons.SEND_TIMEOUT.equals(reason)) {
        sendLimits.countSendTimeout();
      } else {
        sendLimits.countSendBufferOverflow();
      }
      outboundCloseReason = reason; // for channelInactive, should the close report it first
    }
    // Closed from the pipeline's head, past any SslHandler: a close through it would first queue
    // a TLS close_notify behind the bytes the device is not reading and wait for it to go out
    // (3 s by default). The device reads nothing, so the connection is dropped at once.
    ChannelHandlerContext first = channel.pipeline().firstContext();
    if (first != null) {
      first.close();
    } else {
      channel.close();
    }
    if (report) {
      reportClosed(reason);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof ClosedChannelException) {
      // A write raced with the close; channelInactive reports the close itself.
      return;
    }
    if (cause instanceof TooLongFrameException && !closeReported && framesTooLong != null) {
      framesTooLong.incrementAndGet(); // once per connection: the decoder may report it again
    }
    // A frame decoder's error is the peer's fault, like a socket error. (The decoder raises it
    // itself; an exception thrown by the engine's listener comes here from channelRead directly.)
    if (listener != null && !(cause instanceof IOException)
        && !(cause instanceof DecoderException)) {
      // Not a socket error: the engine's listener threw. Still close the link, but say so.
      log.warn("listener '{}': link {} failed; closing it", listenerName, channel, cause);
    } else {
      log.debug("listener '{}': link {} failed; closing it", listenerName, channel, cause);
    }
    String outbound = outboundCloseReason; // failed writes of a link closing for a limit
    reportClosed(outbound != null ? outbound : CloseReasons.ofError(cause));
    ctx.close();
  }

  private void reportClosed(String reason) {
    if (closeReported) {
      return;
    }
    closeReported = true;
    LinkListener l = listener;
    if (l != null) {
      l.onClosed(reason);
    }
  }

  @Override
  public String toString() {
    return (tls ? "ssl link " : "tcp link ") + channel.remoteAddress() + " on listener '" + listenerName + "'";
  }
}
