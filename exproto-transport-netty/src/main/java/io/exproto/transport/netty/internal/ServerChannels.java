package io.exproto.transport.netty.internal;

import io.exproto.transport.internal.Addresses;
import io.exproto.transport.netty.NettyTransport;
import io.netty.bootstrap.AbstractBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Binding and releasing a listener's one server channel (a TCP listening socket or a UDP socket),
 * the same for every Netty listener. Stateless.
 */
public final class ServerChannels {
  private ServerChannels() {}

  /**
   * Binds {@code bootstrap} to {@code address}, waiting until it is bound (so never on an event
   * loop thread).
   *
   * @param own the transport the listener created for itself, shut down if binding fails; null
   *     for a shared one
   * @throws BindException naming {@code listener} and the address, with Netty's cause
   */
  public static Channel bind(AbstractBootstrap<?, ?> bootstrap, InetSocketAddress address,
      String listener, NettyTransport own) throws BindException {
    ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
    if (bound.isSuccess()) {
      return bound.channel();
    }
    if (own != null) {
      own.shutdown();
    }
    Throwable cause = bound.cause();
    BindException e = new BindException(listener + " cannot bind " + Addresses.format(address)
        + ": " + cause.getMessage());
    e.initCause(cause);
    throw e;
  }

  /**
   * Closes {@code channel} and then, if given, the listener's own transport.
   *
   * @return completes when the port is free again (and the own transport has terminated)
   */
  public static CompletionStage<Void> close(Channel channel, NettyTransport own) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable finish = () -> {
      if (own == null) {
        done.complete(null);
      } else {
        own.shutdown().whenComplete((v, e) -> done.complete(null));
      }
    };
    channel.close().addListener(f -> {
      // NIO closes a socket that is registered with a selector only at the event loop's next
      // select, so the port is still bound when the close future completes. A task scheduled now
      // runs after that select: then the port is free when the stage completes, and a new listener
      // can bind it. (Epoll closes at once; the extra millisecond does no harm.)
      try {
        channel.eventLoop().schedule(finish, 1, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException shuttingDown) {
        finish.run(); // the event loop is gone, and its selector with it
      }
    });
    return done;
  }
}
