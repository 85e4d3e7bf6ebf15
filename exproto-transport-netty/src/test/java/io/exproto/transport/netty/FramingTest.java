package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.transport.LinkListener;
import io.exproto.transport.netty.internal.AcceptGate;
import io.exproto.transport.netty.internal.TcpChannelInitializer;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each framing codec in the TCP pipeline the listener builds, on an {@link EmbeddedChannel}: the
 * bytes go in as TCP might deliver them, the frames come out of the link as {@code onBytes}.
 */
class FramingTest {

  private final List<String> events = new ArrayList<>();

  private TcpChannelInitializer initializer(Framing framing) {
    return new TcpChannelInitializer("test", link -> new LinkListener() {
      @Override
      public void onBytes(byte[] bytes) {
        events.add("bytes:" + new String(bytes, StandardCharsets.ISO_8859_1));
      }

      @Override
      public void onClosed(String reason) {
        events.add("closed:" + reason);
      }
    }, 10, framing.kind() == Framing.Kind.NONE ? null : framing::newDecoder,
        new AcceptGate("test", null, 1000, System::nanoTime));
  }

  private static void write(EmbeddedChannel channel, String latin1) {
    channel.writeInbound(Unpooled.copiedBuffer(latin1, StandardCharsets.ISO_8859_1));
  }

  /** A framing, and two frames "alpha" and "beta" encoded for it (as Latin-1 strings). */
  static Stream<Arguments> framings() {
    return Stream.of(
        Arguments.of(Framing.line(16), "alpha\n", "beta\r\n"),
        Arguments.of(Framing.delimiter("$$".getBytes(StandardCharsets.US_ASCII), 16),
            "alpha$$", "beta$$"),
        // 2-byte length of the payload, header stripped
        Arguments.of(Framing.lengthField(0, 2, 0, 2, 64), "\0\5alpha", "\0\4beta"),
        // a 1-byte type, then a 1-byte length that counts the whole frame; both stripped
        Arguments.of(Framing.lengthField(1, 1, -2, 2, 64), "T\7alpha", "T\6beta"),
        Arguments.of(Framing.fixedLength(5), "alpha", "beta!"));
  }

  private static String frame(String encoded, Framing framing) {
    return switch (framing.kind()) {
      case LINE -> encoded.strip();
      case DELIMITER -> encoded.substring(0, encoded.length() - 2);
      case LENGTH_FIELD -> encoded.substring(2);
      default -> encoded;
    };
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("framings")
  void stickyPacketsAreCutIntoFrames(Framing framing, String first, String second) {
    EmbeddedChannel channel = new EmbeddedChannel(initializer(framing));

    write(channel, first + second);

    assertThat(events).containsExactly(
        "bytes:" + frame(first, framing), "bytes:" + frame(second, framing));
    assertThat(channel.pipeline().names()).contains(TcpChannelInitializer.FRAME_DECODER);
    channel.finishAndReleaseAll();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("framings")
  void splitPacketsAreJoinedIntoFrames(Framing framing, String first, String second) {
    EmbeddedChannel channel = new EmbeddedChannel(initializer(framing));
    String both = first + second;
    // Three pieces that cut across the first frame, the frame boundary and the second frame.
    int a = 2;
    int b = first.length() + 1;

    write(channel, both.substring(0, a));
    assertThat(events).isEmpty();
    write(channel, both.substring(a, b));
    assertThat(events).containsExactly("bytes:" + frame(first, framing));
    write(channel, both.substring(b));

    assertThat(events).containsExactly(
        "bytes:" + frame(first, framing), "bytes:" + frame(second, framing));
    channel.finishAndReleaseAll();
  }

  @Test
  void noFramingPassesEachReadAsItIsWithoutADecoder() {
    EmbeddedChannel channel = new EmbeddedChannel(initializer(Framing.none()));

    write(channel, "alpha\nbe");
    write(channel, "ta\n");

    assertThat(events).containsExactly("bytes:alpha\nbe", "bytes:ta\n");
    assertThat(channel.pipeline().names()).doesNotContain(TcpChannelInitializer.FRAME_DECODER);
    channel.finishAndReleaseAll();
  }

  static Stream<Arguments> oversized() {
    return Stream.of(
        Arguments.of(Framing.line(8), "ok\n", "0123456789"),
        Arguments.of(Framing.delimiter(new byte[] {0}, 8), "ok\0", "0123456789"),
        Arguments.of(Framing.lengthField(0, 2, 0, 2, 10), "\0\2ok", "\0\11"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("oversized")
  void aFrameOverTheLimitClosesOnceWithFrameTooLong(Framing framing, String ok, String tooLong) {
    TcpChannelInitializer initializer = initializer(framing);
    EmbeddedChannel channel = new EmbeddedChannel(initializer);

    write(channel, ok);
    write(channel, tooLong); // fails fast: the rest of the frame is not waited for
    channel.runPendingTasks();

    assertThat(events).containsExactly("bytes:ok", "closed:frame_too_long");
    assertThat(channel.isOpen()).isFalse();
    assertThat(initializer.framesTooLong()).isEqualTo(1);
    assertThat(initializer.openConnections()).isZero();
  }

  @Test
  void aLengthThatDescribesNoFrameClosesWithFrameCorrupted() {
    // The 1-byte field counts the whole frame, so a value below 1 cannot be right.
    TcpChannelInitializer initializer = initializer(Framing.lengthField(0, 1, -1, 1, 64));
    EmbeddedChannel channel = new EmbeddedChannel(initializer);

    write(channel, "\3ab\0");
    channel.runPendingTasks();

    assertThat(events).containsExactly("bytes:ab", "closed:frame_corrupted");
    assertThat(initializer.framesTooLong()).isZero();
  }

  @Test
  void emptyFramesAreNotReported() {
    EmbeddedChannel channel = new EmbeddedChannel(initializer(Framing.line(8)));

    write(channel, "\n\r\nx\n");

    assertThat(events).containsExactly("bytes:x");
    channel.finishAndReleaseAll();
  }

  @Test
  void factoriesRejectBadParametersNamingThem() {
    assertRejected(() -> Framing.line(0), "line framing", "maxFrameLength", "0");
    assertRejected(() -> Framing.delimiter(new byte[0], 8), "delimiter framing", "empty");
    assertRejected(() -> Framing.delimiter(new byte[] {'\n'}, -1), "maxFrameLength", "-1");
    assertThatThrownBy(() -> Framing.delimiter(null, 8))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("delimiter");
    assertRejected(() -> Framing.lengthField(-1, 2, 0, 0, 8), "lengthFieldOffset", "-1");
    assertRejected(() -> Framing.lengthField(0, 5, 0, 0, 8), "lengthFieldLength", "1, 2, 3, 4 or 8",
        "5");
    assertRejected(() -> Framing.lengthField(0, 2, 0, -1, 8), "initialBytesToStrip", "-1");
    assertRejected(() -> Framing.lengthField(0, 2, 0, 0, 0), "maxFrameLength", "0");
    assertRejected(() -> Framing.lengthField(3, 4, 0, 0, 6), "maxFrameLength (6)",
        "lengthFieldOffset + lengthFieldLength (7)");
    assertRejected(() -> Framing.fixedLength(0), "fixedLength framing", "frameLength", "0");
  }

  private static void assertRejected(Runnable factory, String... messageParts) {
    assertThatThrownBy(factory::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll(messageParts);
  }

  @Test
  void valuesDescribeThemselvesAndCompareByContent() {
    byte[] delimiter = {'\r', '\n'};
    Framing crlf = Framing.delimiter(delimiter, 512);
    delimiter[0] = 'x'; // copied: the caller's array does not change the framing

    assertThat(crlf).isEqualTo(Framing.delimiter(new byte[] {'\r', '\n'}, 512))
        .hasSameHashCodeAs(Framing.delimiter(new byte[] {'\r', '\n'}, 512))
        .hasToString("delimiter(0x0d0a, maxFrameLength=512)");
    assertThat(Framing.none()).isSameAs(Framing.none()).hasToString("none");
    assertThat(Framing.none().kind()).isEqualTo(Framing.Kind.NONE);
    assertThat(Framing.none().maxFrameLength()).isZero();
    assertThat(Framing.line(4096)).hasToString("line(maxFrameLength=4096)")
        .isNotEqualTo(Framing.line(4095));
    assertThat(Framing.lengthField(0, 2, 0, 2, 65537)).hasToString("lengthField("
        + "lengthFieldOffset=0, lengthFieldLength=2, lengthAdjustment=0, initialBytesToStrip=2,"
        + " maxFrameLength=65537)");
    assertThat(Framing.fixedLength(7).maxFrameLength()).isEqualTo(7);
    assertThat(Framing.fixedLength(7)).hasToString("fixedLength(7)");
  }
}
