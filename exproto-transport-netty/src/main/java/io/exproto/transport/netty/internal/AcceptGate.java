package io.exproto.transport.netty.internal;

import io.exproto.transport.internal.AcceptRateLimiter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vets each connection a listening channel accepts, before it is registered with a worker event
 * loop or gets a pipeline: a client the access rules deny, or one over the accept rate, is closed
 * at once, never reaching the engine, and counted.
 *
 * <p>Sits in the listening channel's pipeline, ahead of the bootstrap's acceptor, and so runs on
 * the acceptor thread: the rate limiter needs no lock. Not {@code @Sharable}: one instance per
 * listening channel. The counters may be read from any thread.
 */
public final class AcceptGate extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(AcceptGate.class);

  private final String listenerName;
  private final Predicate<InetAddress> accessRules;
  private final AcceptRateLimiter rateLimiter;
  private final AtomicLong deniedConnections = new AtomicLong();
  private final AtomicLong rateLimitedConnections = new AtomicLong();

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
    if (msg instanceof Channel child && !admit(child)) {
      // Not registered yet, so there is no event loop to close it on: close the socket directly,
      // as Netty's own acceptor does with a child it cannot register.
      child.unsafe().closeForcibly();
      return;
    }
    ctx.fireChannelRead(msg);
  }

  /*
   * Access rules first: a denied client costs nothing further, so it should not spend a token that
   * an allowed client could have had.
   */
  private boolean admit(Channel child) {
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
    if (!rateLimiter.tryAcquire()) {
      rateLimitedConnections.incrementAndGet();
      log.debug("listener '{}': connection from {} over the accept rate; closing it",
          listenerName, child.remoteAddress());
      return false;
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

  /** Connections closed because they came faster than the accept rate. */
  public long rateLimitedConnections() {
    return rateLimitedConnections.get();
  }
}
