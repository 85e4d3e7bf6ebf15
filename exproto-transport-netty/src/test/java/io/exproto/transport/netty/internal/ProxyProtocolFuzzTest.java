package io.exproto.transport.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fuzzes the PROXY protocol v1/v2 stage (Netty's decoder and {@link ProxyProtocolHandler}) with
 * arbitrary bytes in fuzz-chosen reads: the connection ends in exactly one state (a header taken,
 * the connection closed as a failure, or still waiting for more bytes), no exception escapes past
 * the stage, a taken header carries a numeric client address, and no buffer leaks.
 */
class ProxyProtocolFuzzTest {

  @FuzzTest(maxDuration = "24h")
  void headerIsTakenRefusedOrAwaited(FuzzedDataProvider data) {
    AtomicLong failures = new AtomicLong();
    Tail tail = new Tail();
    // A socket's addresses, as a real channel has (EmbeddedChannel's own are not IP addresses).
    EmbeddedChannel channel = new EmbeddedChannel(new HAProxyMessageDecoder(),
        new ProxyProtocolHandler("fuzz", 1_000_000_000L,
            new AcceptGate("fuzz", null, 1_000_000, System::nanoTime), failures), tail) {
      @Override
      protected SocketAddress remoteAddress0() {
        return new InetSocketAddress("127.0.0.1", 40000);
      }
    };
    List<ByteBuf> written = new ArrayList<>();
    try {
      while (data.remainingBytes() > 0 && channel.isOpen()) {
        ByteBuf buf = Unpooled.wrappedBuffer(data.consumeBytes(data.consumeInt(1, 256)));
        written.add(buf);
        channel.writeInbound(buf);
      }
      channel.checkException();
    } finally {
      channel.finishAndReleaseAll();
    }
    assertThat(tail.errors).as("exceptions past the PROXY stage").isEmpty();
    boolean taken = tail.header != null;
    boolean refused = failures.get() > 0;
    assertThat(taken && refused).as("taken and refused").isFalse();
    assertThat(failures.get()).isLessThanOrEqualTo(1);
    if (taken) {
      assertThat(tail.header.clientAddress().isUnresolved()).isFalse();
    }
    for (ByteBuf b : written) {
      assertThat(b.refCnt()).as("every inbound buffer released").isZero();
    }
  }

  private static final class Tail extends ChannelInboundHandlerAdapter {
    ProxyProtocolHandler.ProxyHeaderReceived header;
    final List<Throwable> errors = new ArrayList<>();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ProxyProtocolHandler.ProxyHeaderReceived h) {
        header = h;
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      errors.add(cause);
    }
  }
}
