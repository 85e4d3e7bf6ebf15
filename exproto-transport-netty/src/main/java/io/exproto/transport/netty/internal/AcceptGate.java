package io.exproto.transport.netty.internal;

import io.exproto.transport.internal.AcceptRateLimiter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vets each connection a listening channel accepts, before it is registered with a worker event
 * loop or gets a pipeline: a client the access rules deny is closed at once, never reaching the
 * engine, and counted.
 *
 * <p>The accept rate pauses accepting, as EMQX's esockd did, rather than closing: when the token
 * bucket is empty, the connections already taken from the kernel in the current read (at most
 * one read's worth) wait here, the listening channel stops reading, and the rest wait in the
 * kernel's accept backlog. When the next token is due the waiting ones are passed on, one per
 * token, and once none is left reading resumes. A reconnect storm is so admitted at the rate,
 * none refused (only the backlog's overflow, if any, is the kernel's to refuse). Each connection
 * that had to wait here is counted in {@link #rateLimitedConnections()}.
 *
 * <p>Sits in the listening channel's pipeline, ahead of the bootstrap's acceptor, and so runs on
 * the acceptor thread: its state needs no lock. Not {@code @Sharable}: one instance per
 * listening channel. The counters may be read from any thread.
 */
public final class AcceptGate extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(AcceptGate.class);

  private final String listenerName;
  private final Predicate<InetAddress> accessRules;
  private final AcceptRateLimiter rateLimiter;
  private final AtomicLong deniedConnections = new AtomicLong();
  private final AtomicLong rateLimitedConnections = new AtomicLong();
  // Accepted from the kernel while the bucket was empty, in arrival order; acceptor thread only.
  private final ArrayDeque<Channel> waiting = new ArrayDeque<>();
  private boolean resumeScheduled; // acceptor thread only

  /** The shortest pause, so that a token a few nanoseconds away does not spin the loop. */
  private static final long MIN_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /**
   * Creates the gate of one listener.
   *
   * @param accessRules whether a client address may connect; null allows every address
   * @param maxConnRate connections accepted a second, at least 1 (a burst of that many at once)
   * @param nanoClock a monotonic clock in nanoseconds, {@code System::nanoTime} outside tests
   */
  public AcceptGate(String listenerName, Predicate<InetAddress> accessRules, int maxConnRate,
      LongSupplier nanoClock) {
    this.listenerName = Objects.requireNonNull(listenerName, "listenerName");
    this.accessRules = accessRules;
    this.rateLimiter = new AcceptRateLimiter(maxConnRate, Objects.requireNonNull(nanoClock));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Channel child)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (!allowedByRules(child)) {
      // Not registered yet, so there is no event loop to close it on: close the socket directly,
      // as Netty's own acceptor does with a child it cannot register.
      child.unsafe().closeForcibly();
      return;
    }
    if (waiting.isEmpty() && rateLimiter.tryAcquire()) {
      ctx.fireChannelRead(child);
      return;
    }
    // Over the rate: this one waits for its token, and the listening socket stops accepting, so
    // that later clients wait in the kernel's backlog instead of being taken and closed.
    rateLimitedConnections.incrementAndGet();
    waiting.add(child);
    log.debug("listener '{}': connection from {} over the accept rate; accepting paused",
        listenerName, child.remoteAddress());
    pause(ctx);
  }

  private void pause(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(false);
    if (resumeScheduled) {
      return;
    }
    resumeScheduled = true;
    long delay = Math.max(rateLimiter.nanosUntilToken(), MIN_PAUSE_NANOS);
    ctx.executor().schedule(() -> resume(ctx), delay, TimeUnit.NANOSECONDS);
  }

  /** A token is due: pass on the waiting connections it pays for; accept again once none waits. */
  private void resume(ChannelHandlerContext ctx) {
    resumeScheduled = false;
    if (!ctx.channel().isOpen()) {
      closeWaiting();
      return;
    }
    while (!waiting.isEmpty() && rateLimiter.tryAcquire()) {
      ctx.fireChannelRead(waiting.poll());
    }
    if (waiting.isEmpty()) {
      ctx.channel().config().setAutoRead(true); // also asks for a read
    } else {
      pause(ctx);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closeWaiting();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    closeWaiting();
  }

  private void closeWaiting() {
    for (Channel child; (child = waiting.poll()) != null; ) {
      child.unsafe().closeForcibly();
    }
  }

  /** Connections taken from the kernel that wait for a token (tests). */
  int waitingConnections() {
    return waiting.size();
  }

  /*
   * Access rules first: a denied client costs nothing further, so it should not spend a token that
   * an allowed client could have had.
   */
  private boolean allowedByRules(Channel child) {
    if (accessRules != null) {
      SocketAddress remote = child.remoteAddress();
      if (remote instanceof InetSocketAddress inet && inet.getAddress() != null
          && !accessRules.test(inet.getAddress())) {
        deniedConnections.incrementAndGet();
        log.debug("listener '{}': connection from {} denied by the access rules; closing it",
            listenerName, remote);
        return false;
      }
    }
    return true;
  }

  /**
   * Checks the address a PROXY protocol header gave against the access rules (the accept-time
   * check saw the proxy's address), counting a denial. May be called on any thread.
   *
   * @return whether the client may connect
   */
  public boolean admitsRealClient(InetSocketAddress client) {
    if (accessRules == null || client.getAddress() == null
        || accessRules.test(client.getAddress())) {
      return true;
    }
    deniedConnections.incrementAndGet();
    log.debug("listener '{}': client {} behind a proxy denied by the access rules; closing it",
        listenerName, client);
    return false;
  }

  /** Connections closed because the access rules denied their address. */
  public long deniedConnections() {
    return deniedConnections.get();
  }

  /** Connections that came faster than the accept rate and so waited for it to admit them. */
  public long rateLimitedConnections() {
    return rateLimitedConnections.get();
  }
}
