package io.exproto.transport.netty;

import io.exproto.transport.netty.internal.EventLoops;
import io.netty.channel.epoll.Epoll;
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
