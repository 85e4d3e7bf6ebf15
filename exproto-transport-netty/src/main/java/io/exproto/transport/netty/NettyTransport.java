package io.exproto.transport.netty;

import io.exproto.transport.netty.internal.EventLoops;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import java.util.concurrent.CompletionStage;

/**
 * The Netty event loops that listeners share: one acceptor thread and a group of I/O worker
 * threads. Every accepted connection is confined to one worker thread for its whole life (it is
 * the connection's {@link io.exproto.transport.LinkExecutor}).
 *
 * <p>Uses native epoll when {@code Epoll.isAvailable()} (Linux with the optional
 * {@code netty-transport-native-epoll} jar on the class path), NIO otherwise.
 *
 * <p>Create one and pass it to several listeners with {@code TcpListener.Builder.transport(...)}
 * to share threads; a listener given none creates its own and closes it when it stops. Whoever
 * creates a transport closes it, after the listeners using it have stopped; closing it closes every
 * connection still open on it.
 *
 * <p>Other Netty-based parts of the same process can run on these threads too: the gRPC handler
 * channel and adapter server take {@link #workerGroup()} and the channel types (see {@code
 * GrpcHandler.Builder.eventLoopGroup} and {@code GrpcAdapterServer.Builder.eventLoopGroups}), so
 * that one set of threads serves devices and handler calls with fewer hand-offs between threads.
 * Stop those parts before closing the transport.
 *
 * <p>Thread-safe.
 */
public final class NettyTransport implements AutoCloseable {

  private final EventLoops loops;

  private NettyTransport(EventLoops loops) {
    this.loops = loops;
  }

  /** Creates a transport with one worker thread per available processor. */
  public static NettyTransport create() {
    return create(Runtime.getRuntime().availableProcessors());
  }

  /**
   * Creates a transport with {@code workerThreads} I/O threads.
   *
   * @throws IllegalArgumentException if {@code workerThreads} is less than 1
   */
  public static NettyTransport create(int workerThreads) {
    return new NettyTransport(EventLoops.create(workerThreads, Epoll.isAvailable()));
  }

  /** A transport on NIO even where epoll is available; lets tests cover both. */
  static NettyTransport createNio(int workerThreads) {
    return new NettyTransport(EventLoops.create(workerThreads, false));
  }

  /** {@code "epoll"} or {@code "nio"}: the I/O mechanism in use, for logs. */
  public String ioType() {
    return loops.isEpoll() ? "epoll" : "nio";
  }

  /** The number of I/O worker threads. */
  public int workerThreads() {
    return loops.workerThreads();
  }

  /**
   * The I/O worker threads, for other Netty-based components to share (see the class comment).
   * The transport owns them: do not shut the group down; close the transport, after the
   * components that share it have stopped.
   */
  public EventLoopGroup workerGroup() {
    return loops.workerGroup();
  }

  /** The acceptor thread, for a server that shares the transport (see {@link #workerGroup()}). */
  public EventLoopGroup acceptorGroup() {
    return loops.acceptorGroup();
  }

  /** The client socket channel class for these threads' I/O type (epoll or NIO). */
  public Class<? extends SocketChannel> socketChannelType() {
    return loops.socketChannelClass();
  }

  /** The server socket channel class for these threads' I/O type (epoll or NIO). */
  public Class<? extends ServerSocketChannel> serverChannelType() {
    return loops.serverChannelClass();
  }

  /** True once {@link #shutdown()} or {@link #close()} was called. */
  public boolean isShutdown() {
    return loops.isShutdown();
  }

  /**
   * Starts a graceful shutdown and returns at once: tasks already queued still run, open
   * connections are closed, then the threads end. Idempotent.
   *
   * @return completes when every thread has terminated
   */
  public CompletionStage<Void> shutdown() {
    return loops.shutdownGracefully();
  }

  /**
   * Shuts down gracefully (see {@link #shutdown()}) and waits for the threads to end, at most
   * about ten seconds. Called on one of this transport's own threads it cannot wait for itself, so
   * it only starts the shutdown. Idempotent.
   */
  @Override
  public void close() {
    var terminated = loops.shutdownGracefully();
    if (!loops.inEventLoop()) {
      terminated.join();
    }
  }

  EventLoops eventLoops() {
    return loops;
  }

  @Override
  public String toString() {
    return "NettyTransport[" + ioType() + ", " + workerThreads() + " workers]";
  }
}
