package io.exproto.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.exproto.handler.CallbackFailedException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link GrpcHandler.Builder#transparentRetry}: against an HTTP/2 server that refuses every
 * stream (RST_STREAM REFUSED_STREAM, as a server does with a stream it never processed), a
 * callback is sent once by default and twice with transparent retries on (gRPC retries a refused
 * stream once), and fails as unavailable either way.
 */
class HandlerTransparentRetryTest {
  private EventLoopGroup group;
  private Channel server;
  private final AtomicInteger streams = new AtomicInteger();

  @BeforeEach
  void startRefusingServer() throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof Http2HeadersFrame headers) {
                      streams.incrementAndGet();
                      ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM)
                          .stream(headers.stream()));
                    }
                    ReferenceCountUtil.release(msg);
                  }
                });
          }
        })
        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
  }

  @AfterEach
  void stopServer() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private String address() {
    return "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
  }

  private static CallbackFailedException failure(GrpcHandler handler) {
    Throwable thrown = catchThrowable(() -> handler.onReceivedBytes("c", new byte[] {1})
        .toCompletableFuture().get(5, TimeUnit.SECONDS));
    assertThat(thrown).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(CallbackFailedException.class);
    return (CallbackFailedException) thrown.getCause();
  }

  @Test
  void byDefaultARefusedCallbackIsSentOnceAndFailsAsUnavailable() {
    try (GrpcHandler handler = GrpcHandler.builder().address(address()).build()) {
      assertThat(failure(handler).reason()).isEqualTo("unavailable");
    }
    assertThat(streams.get()).isEqualTo(1);
  }

  @Test
  void withTransparentRetryGrpcSendsARefusedCallbackOnceMore() {
    try (GrpcHandler handler = GrpcHandler.builder().address(address()).transparentRetry(true)
        .build()) {
      assertThat(failure(handler).reason()).isEqualTo("unavailable");
    }
    assertThat(streams.get()).isEqualTo(2);
  }

  @Test
  void transparentRetryIsRefusedWithAGivenChannel() {
    var channel = InProcessChannelBuilder.forName("unused").build();
    try {
      assertThatThrownBy(() -> GrpcHandler.builder().channel(channel).transparentRetry(true)
          .build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("transparentRetry(true) applies to the channel built from"
              + " address(...)");
    } finally {
      channel.shutdownNow();
    }
  }
}
