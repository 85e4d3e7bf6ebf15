package io.exproto.transport.netty.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The event loop groups behind a {@code NettyTransport}: one acceptor thread for all server
 * channels and a worker group that every accepted connection is confined to. Thread-safe.
 */
public final class EventLoops {

  /*
   * A short quiet period: queued tasks (close reports, last writes) still run, but stopping does not
   * cost the two seconds of Netty's default. The timeout bounds a stuck event loop.
   */
  private static final long SHUTDOWN_QUIET_PERIOD_MS = 100;
  private static final long SHUTDOWN_TIMEOUT_MS = 10_000;

  private final EventLoopGroup acceptorGroup;
  private final EventLoopGroup workerGroup;
  private final boolean epoll;
  private final int workerThreads;
  private final Object lock = new Object();
  private CompletableFuture<Void> terminated;

  private EventLoops(int workerThreads, boolean epoll) {
    IoHandlerFactory ioHandlers = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.acceptorGroup = new MultiThreadIoEventLoopGroup(
        1, new DefaultThreadFactory("exproto-netty-acceptor"), ioHandlers);
    this.workerGroup = new MultiThreadIoEventLoopGroup(
        workerThreads, new DefaultThreadFactory("exproto-netty-io"), ioHandlers);
    this.epoll = epoll;
    this.workerThreads = workerThreads;
  }

  /**
   * Creates the groups.
   *
   * @param workerThreads at least 1
   * @param epoll use native epoll; the caller has checked {@code Epoll.isAvailable()}
   */
  public static EventLoops create(int workerThreads, boolean epoll) {
    if (workerThreads < 1) {
      throw new IllegalArgumentException("workerThreads must be at least 1, was " + workerThreads);
    }
    return new EventLoops(workerThreads, epoll);
  }

  /** The group server channels are registered on. */
  public EventLoopGroup acceptorGroup() {
    return acceptorGroup;
  }

  /** The group accepted connections are registered on. */
  public EventLoopGroup workerGroup() {
    return workerGroup;
  }

  /** The server channel class matching the groups' I/O type. */
  public Class<? extends ServerSocketChannel> serverChannelClass() {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** The client socket channel class matching the groups' I/O type. */
  public Class<? extends SocketChannel> socketChannelClass() {
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** True for native epoll, false for NIO. */
  public boolean isEpoll() {
    return epoll;
  }

  /** The number of worker threads. */
  public int workerThreads() {
    return workerThreads;
  }

  /** True once {@link #shutdownGracefully()} was called. */
  public boolean isShutdown() {
    synchronized (lock) {
      return terminated != null;
    }
  }

  /** True if the calling thread is one of these groups' threads (so it must not wait for them). */
  public boolean inEventLoop() {
    return inEventLoop(acceptorGroup) || inEventLoop(workerGroup);
  }

  private static boolean inEventLoop(EventExecutorGroup group) {
    for (EventExecutor executor : group) {
      if (executor.inEventLoop()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts shutting both groups down (idempotent); the result completes when both have terminated.
   * Channels still registered are closed by their event loops.
   */
  public CompletableFuture<Void> shutdownGracefully() {
    synchronized (lock) {
      if (terminated == null) {
        terminated = CompletableFuture.allOf(
            shutdown(acceptorGroup), shutdown(workerGroup));
      }
      return terminated;
    }
  }

  private static CompletableFuture<Void> shutdown(EventLoopGroup group) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Future<?> future = group.shutdownGracefully(
        SHUTDOWN_QUIET_PERIOD_MS, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    future.addListener(f -> done.complete(null));
    return done;
  }
}
