package io.exproto.transport.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.transport.LinkListener;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TcpChannelInitializerTest {

  private final AtomicInteger accepts = new AtomicInteger();
  private final TcpChannelInitializer initializer = new TcpChannelInitializer("test", link -> {
    accepts.incrementAndGet();
    return listener();
  }, 2);

  private static LinkListener listener() {
    return new LinkListener() {
      @Override
      public void onBytes(byte[] bytes) {}

      @Override
      public void onClosed(String reason) {}
    };
  }

  @Test
  void pipelineEndsWithTheLinkHandler() {
    EmbeddedChannel channel = new EmbeddedChannel(initializer);

    assertThat(channel.pipeline().names()).startsWith(TcpChannelInitializer.LINK_HANDLER);
    assertThat(channel.pipeline().last()).isInstanceOf(ChannelLink.class);
    assertThat(accepts).hasValue(1);
    channel.close();
  }

  /** PROXY header first (it is in clear), then TLS, then framing of decrypted bytes, link last. */
  @Test
  void pipelineOrderWithProxyProtocolTlsAndFraming() throws Exception {
    SelfSignedCertificate cert = new SelfSignedCertificate("localhost", "EC", 256);
    AtomicInteger accepted = new AtomicInteger();
    TcpChannelInitializer full = new TcpChannelInitializer("test", link -> {
      accepted.incrementAndGet();
      return listener();
    }, 2, () -> new LineBasedFrameDecoder(64),
        new AcceptGate("test", null, 1000, System::nanoTime))
        .tls(SslContextBuilder.forServer(cert.key(), cert.cert()).build(), 1000)
        .proxyProtocol(3_000_000_000L);

    EmbeddedChannel channel = new EmbeddedChannel(full);

    assertThat(channel.pipeline().names()).containsSubsequence(List.of(
        TcpChannelInitializer.PROXY_DECODER, TcpChannelInitializer.PROXY_HANDLER,
        TcpChannelInitializer.SSL_HANDLER, TcpChannelInitializer.FRAME_DECODER,
        TcpChannelInitializer.LINK_HANDLER));
    assertThat(accepted).as("not before the PROXY header and the handshake").hasValue(0);
    channel.close();
    cert.delete();
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

  @Test
  void aFrameDecoderGoesBeforeTheLinkOnlyWhenFramingIsOn() {
    TcpChannelInitializer framed = new TcpChannelInitializer("test", link -> listener(), 2,
        () -> new LineBasedFrameDecoder(64), new AcceptGate("test", null, 1000, System::nanoTime));

    EmbeddedChannel withDecoder = new EmbeddedChannel(framed);
    EmbeddedChannel without = new EmbeddedChannel(initializer);

    assertThat(withDecoder.pipeline().names()).startsWith(
        TcpChannelInitializer.FRAME_DECODER, TcpChannelInitializer.LINK_HANDLER);
    assertThat(withDecoder.pipeline().get(TcpChannelInitializer.FRAME_DECODER))
        .isInstanceOf(LineBasedFrameDecoder.class);
    assertThat(without.pipeline().names()).doesNotContain(TcpChannelInitializer.FRAME_DECODER);
    withDecoder.close();
    without.close();
  }

  @Test
  void theServerChannelHandlerInstallsTheGateUnderItsName() {
    AcceptGate gate = new AcceptGate("test", null, 1000, System::nanoTime);
    TcpChannelInitializer withGate = new TcpChannelInitializer("test", link -> null, 2, null, gate);

    EmbeddedChannel server = new EmbeddedChannel(withGate.serverChannelHandler());

    assertThat(server.pipeline().get(TcpChannelInitializer.ACCEPT_GATE)).isSameAs(gate);
    Channel client = new EmbeddedChannel();
    server.writeInbound(client);
    assertThat(server.<Object>readInbound()).isSameAs(client);
    assertThat(withGate.deniedConnections()).isZero();
    assertThat(withGate.rateLimitedConnections()).isZero();
    assertThat(withGate.framesTooLong()).isZero();
    server.close();
  }
}
