package io.exproto.transport.netty.internal;

import io.exproto.transport.internal.SocketBuffers;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import java.time.Duration;

/**
 * The socket side of a TCP listener: its socket options, checked when the listener is built, and
 * the {@link ServerBootstrap} that binds it with them. Not API. Immutable; thread-safe.
 *
 * @param nodelay {@code TCP_NODELAY} on accepted sockets
 * @param reuseaddr {@code SO_REUSEADDR} on the listening socket
 * @param sendBuffer {@code SO_SNDBUF} of accepted sockets in bytes; 0 keeps the OS default
 * @param recvBuffer {@code SO_RCVBUF} of the listening and accepted sockets; 0 keeps the default
 * @param backlog the accept backlog
 */
public record TcpServerSockets(boolean nodelay, boolean reuseaddr, int sendBuffer,
    int recvBuffer, int backlog) {

  // Netty's defaults, set explicitly because send_timeout depends on them: above the high mark of
  // bytes queued in Netty the channel is not writable (the send timeout watches it), below the
  // low mark it is writable again. Small, so a stuck device is noticed after 64 KiB, not megabytes.
  private static final int WRITE_BUFFER_LOW_WATER_MARK = 32 * 1024;

  /** Bytes queued in Netty above which a connection is not writable: 64 KiB. */
  public static final int WRITE_BUFFER_HIGH_WATER_MARK = 64 * 1024;

  private static final WriteBufferWaterMark WRITE_BUFFER_WATER_MARK =
      new WriteBufferWaterMark(WRITE_BUFFER_LOW_WATER_MARK, WRITE_BUFFER_HIGH_WATER_MARK);

  /**
   * Checks the options.
   *
   * @throws IllegalArgumentException naming the builder setting that is wrong, and its value
   */
  public TcpServerSockets {
    SocketBuffers.check(sendBuffer, recvBuffer);
    if (backlog < 1) {
      throw new IllegalArgumentException("backlog must be at least 1, was " + backlog);
    }
  }

  /**
   * The {@link SendLimits} of a listener's {@code sendTimeout} and {@code
   * maxPendingOutboundBytes} builder settings.
   *
   * @throws IllegalArgumentException naming the setting that is wrong, and its value
   */
  public static SendLimits sendLimits(Duration sendTimeout, int maxPendingOutboundBytes) {
    if (sendTimeout.isNegative()
        || (!sendTimeout.isZero() && sendTimeout.compareTo(Duration.ofMillis(1)) < 0)) {
      throw new IllegalArgumentException("sendTimeout must be at least 1 ms, or Duration.ZERO"
          + " to turn it off, was " + sendTimeout);
    }
    long nanos;
    try {
      nanos = sendTimeout.toNanos();
    } catch (ArithmeticException tooLong) {
      throw new IllegalArgumentException("sendTimeout is too long, was " + sendTimeout
          + "; give Duration.ZERO to turn it off");
    }
    if (maxPendingOutboundBytes < WRITE_BUFFER_HIGH_WATER_MARK) {
      throw new IllegalArgumentException("maxPendingOutboundBytes must be at least "
          + WRITE_BUFFER_HIGH_WATER_MARK + " (the write buffer's high-water mark), was "
          + maxPendingOutboundBytes);
    }
    return new SendLimits(nanos, maxPendingOutboundBytes);
  }

  /** The bootstrap that binds a listener on {@code loops}, its connections set up by
   * {@code initializer}. */
  public ServerBootstrap bootstrap(EventLoops loops, TcpChannelInitializer initializer) {
    ServerBootstrap b = new ServerBootstrap()
        .group(loops.acceptorGroup(), loops.workerGroup())
        .channel(loops.serverChannelClass())
        .option(ChannelOption.SO_BACKLOG, backlog)
        .option(ChannelOption.SO_REUSEADDR, reuseaddr)
        .handler(initializer.serverChannelHandler())
        .childOption(ChannelOption.TCP_NODELAY, nodelay)
        .childOption(ChannelOption.AUTO_READ, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WRITE_BUFFER_WATER_MARK)
        .childHandler(initializer);
    if (recvBuffer > 0) {
      // On the listening socket too: accepted sockets inherit it, and a receive window above 64 KiB
      // is only negotiated if the buffer is set before the handshake.
      b.option(ChannelOption.SO_RCVBUF, recvBuffer);
      b.childOption(ChannelOption.SO_RCVBUF, recvBuffer);
    }
    if (sendBuffer > 0) {
      b.childOption(ChannelOption.SO_SNDBUF, sendBuffer);
    }
    return b;
  }
}
