package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes each framing codec with fuzz-chosen parameters and an arbitrary byte stream cut into
 * fuzz-chosen reads: the decoder emits frames no longer than the maximum (after stripping), fails
 * only with a too-long or corrupted-frame error, and releases every buffer it was given.
 */
class FramingFuzzTest {

  @FuzzTest(maxDuration = "24h")
  void framesStayWithinLimitsAndBuffersAreReleased(FuzzedDataProvider data) {
    Framing framing = framing(data);
    if (framing == null) {
      return;
    }
    EmbeddedChannel channel = new EmbeddedChannel(framing.newDecoder());
    List<ByteBuf> written = new ArrayList<>();
    try {
      while (data.remainingBytes() > 0) {
        byte[] chunk = data.consumeBytes(data.consumeInt(1, 300));
        ByteBuf buf = Unpooled.wrappedBuffer(chunk);
        written.add(buf);
        try {
          channel.writeInbound(buf);
        } catch (DecoderException e) {
          assertThat(e).isInstanceOfAny(TooLongFrameException.class,
              CorruptedFrameException.class);
        }
        for (Object frame; (frame = channel.readInbound()) != null; ) {
          ByteBuf f = (ByteBuf) frame;
          try {
            assertThat(f.readableBytes()).isLessThanOrEqualTo(framing.maxFrameLength());
          } finally {
            f.release();
          }
        }
      }
    } finally {
      channel.finishAndReleaseAll();
    }
    for (ByteBuf b : written) {
      assertThat(b.refCnt()).as("every inbound buffer released").isZero();
    }
  }

  /** A framing from the input, or null if the parameters are refused (as they should be). */
  private static Framing framing(FuzzedDataProvider data) {
    try {
      return switch (data.consumeInt(0, 3)) {
        case 0 -> Framing.line(data.consumeInt(1, 512));
        case 1 -> Framing.delimiter(data.consumeBytes(data.consumeInt(0, 3)),
            data.consumeInt(1, 512));
        case 2 -> Framing.lengthField(data.consumeInt(0, 8), data.pickValue(new Integer[] {
            1, 2, 3, 4, 8, 5}), data.consumeInt(-16, 16), data.consumeInt(0, 12),
            data.consumeInt(1, 1024));
        default -> Framing.fixedLength(data.consumeInt(1, 64));
      };
    } catch (IllegalArgumentException refused) {
      return null;
    }
  }
}
