package io.exproto.transport.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.transport.LinkListener;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TcpChannelInitializerTest {

  private final AtomicInteger accepts = new AtomicInteger();
  private final TcpChannelInitializer initializer = new TcpChannelInitializer("test", link -> {
    accepts.incrementAndGet();
    return new LinkListener() {
      @Override
      public void onBytes(byte[] bytes) {}

      @Override
      public void onClosed(String reason) {}
    };
  }, 2);

  @Test
  void pipelineEndsWithTheLinkHandler() {
    EmbeddedChannel channel = new EmbeddedChannel(initializer);

    assertThat(channel.pipeline().names()).startsWith(TcpChannelInitializer.LINK_HANDLER);
    assertThat(channel.pipeline().last()).isInstanceOf(ChannelLink.class);
    assertThat(accepts).hasValue(1);
    channel.close();
  }

  @Test
  void connectionsBeyondTheLimitAreClosedBeforeTheEngineSeesThem() {
    EmbeddedChannel first = new EmbeddedChannel(initializer);
    EmbeddedChannel second = new EmbeddedChannel(initializer);
    EmbeddedChannel third = new EmbeddedChannel(initializer);

    assertThat(third.isOpen()).isFalse();
    assertThat(accepts).hasValue(2);
    assertThat(initializer.openConnections()).isEqualTo(2);
    assertThat(initializer.refusedConnections()).isEqualTo(1);

    first.close();
    EmbeddedChannel fourth = new EmbeddedChannel(initializer);
    assertThat(fourth.isOpen()).isTrue();
    assertThat(initializer.openConnections()).isEqualTo(2);

    second.close();
    fourth.close();
    assertThat(initializer.openConnections()).isZero();
    assertThat(initializer.refusedConnections()).isEqualTo(1);
  }
}
