package io.exproto.transport.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.handler.SocketType;
import io.exproto.transport.Link;
import io.exproto.transport.LinkListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The link's pipeline behaviour, on an {@link EmbeddedChannel}: no sockets, no threads. */
class ChannelLinkTest {

  private final List<String> events = new ArrayList<>();
  private final List<Link> accepted = new ArrayList<>();

  private final LinkListener recorder = new LinkListener() {
    @Override
    public void onBytes(byte[] bytes) {
      events.add("bytes:" + new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public void onClosed(String reason) {
      events.add("closed:" + reason);
    }
  };

  private EmbeddedChannel channelWithLink() throws Exception {
    EmbeddedChannel channel = new EmbeddedChannel(false, false);
    channel.pipeline().addLast(new ChannelLink(channel, "test", link -> {
      accepted.add(link);
      return recorder;
    }));
    channel.register();
    return channel;
  }

  private static ByteBuf buf(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
  }

  @Test
  void activeChannelIsAcceptedOnItsEventLoop() throws Exception {
    EmbeddedChannel channel = channelWithLink();

    assertThat(accepted).hasSize(1);
    Link link = accepted.get(0);
    assertThat(link.socketType()).isEqualTo(SocketType.TCP);
    assertThat(link.listenerName()).isEqualTo("test");
    assertThat(link.peerCertificate()).isNull();
    assertThat(link.executor().inExecutorThread()).isTrue(); // EmbeddedChannel runs on the caller
    channel.finishAndReleaseAll();
  }

  @Test
  void eachReadIsCopiedReportedOnceAndReleased() throws Exception {
    EmbeddedChannel channel = channelWithLink();
    ByteBuf first = buf("hello");
    ByteBuf empty = Unpooled.buffer(0);
    ByteBuf second = buf("world");

    channel.writeInbound(first, empty, second);

    assertThat(events).containsExactly("bytes:hello", "bytes:world");
    assertThat(first.refCnt()).isZero();
    assertThat(empty.refCnt()).isZero();
    assertThat(second.refCnt()).isZero();
    assertThat(channel.<Object>readInbound()).isNull(); // consumed, not passed on
  }

  @Test
  void eachWriteIsOneOutboundMessageWithTheSameBytes() throws Exception {
    EmbeddedChannel channel = channelWithLink();
    Link link = accepted.get(0);

    link.write("one".getBytes(StandardCharsets.UTF_8));
    link.write("two".getBytes(StandardCharsets.UTF_8));

    ByteBuf out1 = channel.readOutbound();
    ByteBuf out2 = channel.readOutbound();
    assertThat(out1.toString(StandardCharsets.UTF_8)).isEqualTo("one");
    assertThat(out2.toString(StandardCharsets.UTF_8)).isEqualTo("two");
    assertThat(channel.<Object>readOutbound()).isNull();
    out1.release();
    out2.release();
  }

  @Test
  void closeIsReportedOnceAsTcpClosed() throws Exception {
    EmbeddedChannel channel = channelWithLink();

    accepted.get(0).close();
    accepted.get(0).close();
    channel.runPendingTasks();

    assertThat(channel.isOpen()).isFalse();
    assertThat(events).containsExactly("closed:tcp_closed");
  }

  @Test
  void socketErrorIsReportedOnceThenTheChannelCloses() throws Exception {
    EmbeddedChannel channel = channelWithLink();

    channel.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
    channel.pipeline().fireExceptionCaught(new IOException("Broken pipe"));
    channel.runPendingTasks();

    assertThat(channel.isOpen()).isFalse();
    assertThat(events).containsExactly("closed:econnreset");
  }

  @Test
  void bytesAfterAnErrorAreDroppedAndReleased() throws Exception {
    EmbeddedChannel channel = channelWithLink();
    ChannelLink link = (ChannelLink) accepted.get(0);
    // Captured first: EmbeddedChannel empties the pipeline as soon as the channel closes, while a
    // real channel may still be delivering the rest of a read batch to the link.
    ChannelHandlerContext ctx = channel.pipeline().context(link);
    channel.pipeline().fireExceptionCaught(new IOException("Connection timed out"));
    ByteBuf late = buf("late");

    link.channelRead(ctx, late);

    assertThat(late.refCnt()).isZero();
    assertThat(events).containsExactly("closed:etimedout");
  }

  @Test
  void aFrameTooLongIsReportedAndCountedOnce() throws Exception {
    AtomicLong framesTooLong = new AtomicLong();
    EmbeddedChannel channel = new EmbeddedChannel(false, false);
    ChannelLink link = new ChannelLink(channel, "test", l -> recorder, framesTooLong);
    channel.pipeline().addLast(link);
    channel.register();
    ChannelHandlerContext ctx = channel.pipeline().context(link);

    // A fail-fast decoder may report the same frame again while it discards the rest of it.
    link.exceptionCaught(ctx, new TooLongFrameException("frame length exceeds 8: 10"));
    link.exceptionCaught(ctx, new TooLongFrameException("frame length exceeds 8: 20"));
    channel.runPendingTasks();

    assertThat(channel.isOpen()).isFalse();
    assertThat(events).containsExactly("closed:frame_too_long");
    assertThat(framesTooLong).hasValue(1);
  }

  @Test
  void closedChannelExceptionIsLeftToTheCloseEvent() throws Exception {
    EmbeddedChannel channel = channelWithLink();

    channel.pipeline().fireExceptionCaught(new ClosedChannelException());
    assertThat(events).isEmpty();
    assertThat(channel.isOpen()).isTrue();

    channel.close();
    assertThat(events).containsExactly("closed:tcp_closed");
  }

  @Test
  void aThrowingListenerClosesTheLink() throws Exception {
    EmbeddedChannel channel = new EmbeddedChannel(false, false);
    channel.pipeline().addLast(new ChannelLink(channel, "test", link -> new LinkListener() {
      @Override
      public void onBytes(byte[] bytes) {
        throw new IllegalStateException("engine bug");
      }

      @Override
      public void onClosed(String reason) {
        events.add("closed:" + reason);
      }
    }));
    channel.register();

    channel.writeInbound(buf("boom"));
    channel.runPendingTasks();

    assertThat(channel.isOpen()).isFalse();
    assertThat(events).containsExactly("closed:illegal_state_exception");
  }

  @Test
  void refusedOrFailedAcceptClosesWithoutReports() throws Exception {
    EmbeddedChannel refused = new EmbeddedChannel(false, false);
    refused.pipeline().addLast(new ChannelLink(refused, "test", link -> null));
    refused.register();
    EmbeddedChannel failed = new EmbeddedChannel(false, false);
    failed.pipeline().addLast(new ChannelLink(failed, "test", link -> {
      throw new IllegalStateException("no");
    }));
    failed.register();

    assertThat(refused.isOpen()).isFalse();
    assertThat(failed.isOpen()).isFalse();
  }

  @Test
  void setReadPausedTogglesAutoRead() throws Exception {
    EmbeddedChannel channel = channelWithLink();
    Link link = accepted.get(0);

    link.setReadPaused(true);
    assertThat(channel.config().isAutoRead()).isFalse();
    link.setReadPaused(false);
    assertThat(channel.config().isAutoRead()).isTrue();
  }

  private EmbeddedChannel channelWithLink(SendLimits limits) throws Exception {
    EmbeddedChannel channel = new EmbeddedChannel(false, false);
    channel.pipeline().addLast(new ChannelLink(channel, "test", link -> {
      accepted.add(link);
      return recorder;
    }, null, false, false, null, limits));
    channel.register();
    channel.freezeTime(); // the test moves time on itself
    return channel;
  }

  /** What a full socket does to the channel: it stops being writable. */
  private static void setWritable(EmbeddedChannel channel, boolean writable) {
    channel.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
    channel.runPendingTasks();
  }

  /**
   * Moves the channel's frozen clock on in 5 ms steps, running the link's checks, until the channel
   * closes or five seconds of its time passed.
   */
  private static void runUntilClosed(EmbeddedChannel channel) {
    for (int step = 0; step < 1000 && channel.isOpen(); step++) {
      advance(channel, 5);
    }
  }

  /** Moves the channel's frozen clock on by {@code millis} and runs what became due. */
  private static void advance(EmbeddedChannel channel, long millis) {
    channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    channel.runPendingTasks();
  }

  @Test
  void notWritableWithoutProgressForTheSendTimeoutClosesWithSendTimeoutOnce() throws Exception {
    SendLimits limits = new SendLimits(TimeUnit.MILLISECONDS.toNanos(20), 1 << 20);
    EmbeddedChannel channel = channelWithLink(limits);

    setWritable(channel, false);
    runUntilClosed(channel);

    assertThat(channel.isOpen()).isFalse();
    assertThat(events).containsExactly("closed:send_timeout");
    assertThat(limits.sendTimeouts()).isEqualTo(1);
    assertThat(limits.sendBufferOverflows()).isZero();
  }

  @Test
  void becomingWritableAgainCancelsTheSendTimeout() throws Exception {
    SendLimits limits = new SendLimits(TimeUnit.MILLISECONDS.toNanos(20), 1 << 20);
    EmbeddedChannel channel = channelWithLink(limits);

    setWritable(channel, false);
    setWritable(channel, true);
    advance(channel, 60);

    assertThat(channel.isOpen()).isTrue();
    assertThat(events).isEmpty();
    assertThat(limits.sendTimeouts()).isZero();

    // Not writable again: watched afresh.
    setWritable(channel, false);
    runUntilClosed(channel);
    assertThat(events).containsExactly("closed:send_timeout");
  }

  @Test
  void sendTimeoutZeroNeverCloses() throws Exception {
    SendLimits limits = new SendLimits(0, 1 << 20);
    EmbeddedChannel channel = channelWithLink(limits);

    setWritable(channel, false);
    advance(channel, 30);

    assertThat(channel.isOpen()).isTrue();
    channel.close();
    assertThat(events).containsExactly("closed:tcp_closed");
    assertThat(limits.sendTimeouts()).isZero();
  }
}
