package io.exproto.examples.tools;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small device load generator for a quick look at a gateway's figures (the benchmark module
 * does this properly). Two modes:
 *
 * <pre>
 * echo HOST PORT CONNECTIONS SECONDS [PAYLOAD]  closed loop: send PAYLOAD bytes, wait for them
 *                                               to come back, repeat; prints messages/s
 * hold HOST PORT CONNECTIONS SECONDS            opens idle connections and holds them
 * </pre>
 */
public final class EchoLoadClient {
  private EchoLoadClient() {}

  /** Runs the load; see the class javadoc for the arguments. */
  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println("usage: echo|hold HOST PORT CONNECTIONS SECONDS [PAYLOAD_BYTES]");
      System.exit(2);
    }
    boolean echo = args[0].equals("echo");
    InetSocketAddress target = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
    int connections = Integer.parseInt(args[3]);
    int seconds = Integer.parseInt(args[4]);
    int payload = args.length > 5 ? Integer.parseInt(args[5]) : 64;
    AtomicLong echoed = new AtomicLong();
    byte[] message = new byte[payload];
    Arrays.fill(message, (byte) 'x');

    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    try {
      Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                int pending;

                @Override
                public void channelActive(ChannelHandlerContext ctx) {
                  if (echo) {
                    pending = payload;
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(message));
                  }
                }

                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                  ByteBuf buf = (ByteBuf) msg;
                  pending -= buf.readableBytes();
                  buf.release();
                  if (echo && pending <= 0) {
                    echoed.incrementAndGet();
                    pending = payload;
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(message));
                  }
                }
              });
            }
          });
      List<Channel> channels = new ArrayList<>(connections);
      long t0 = System.nanoTime();
      for (int i = 0; i < connections; i++) {
        channels.add(b.connect(target).sync().channel());
      }
      double connectSecs = (System.nanoTime() - t0) / 1e9;
      System.out.printf("connected %d in %.2f s (%.0f/s)%n", connections, connectSecs,
          connections / connectSecs);
      if (echo) {
        TimeUnit.SECONDS.sleep(Math.min(3, seconds)); // warm-up
        long start = echoed.get();
        long s0 = System.nanoTime();
        TimeUnit.SECONDS.sleep(seconds);
        long n = echoed.get() - start;
        double secs = (System.nanoTime() - s0) / 1e9;
        System.out.printf("echo: %d connections, %d-byte messages: %.0f messages/s%n",
            connections, payload, n / secs);
      } else {
        System.out.println("holding " + connections + " connections for " + seconds + " s");
        TimeUnit.SECONDS.sleep(seconds);
      }
      for (Channel c : channels) {
        c.close();
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }
}
