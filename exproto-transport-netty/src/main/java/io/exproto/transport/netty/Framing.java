package io.exproto.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DelimiterBasedFrameDecoder;
import io.netty.handler.codec.FixedLengthFrameDecoder;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * How a stream listener cuts the bytes it reads into the frames it reports (docs/configuration.md, Framing): with a codec,
 * each {@code onBytes} (and so each {@code OnReceivedBytes}) carries exactly one whole frame,
 * however TCP merged ("sticky" packets) or split the bytes on the way. Only inbound bytes are
 * framed; what the handler sends is written as it is, so the handler frames its own output.
 *
 * <pre>{@code
 * TcpListener.builder().framing(Framing.line(4096))                  // "...\n" or "...\r\n"
 * TcpListener.builder().framing(Framing.lengthField(0, 2, 0, 2, 65537)) // 2-byte length header
 * }</pre>
 *
 * <p>A frame longer than its limit closes the connection as soon as the limit is passed (without
 * waiting for the rest of it) with reason {@code frame_too_long}, so the handler sees {@code
 * OnSocketClosed{"{shutdown,frame_too_long}"}}; the listener counts it in {@link
 * TcpListener#framesTooLong()}. A length field that cannot describe a frame (a negative length, or
 * one shorter than the header it must cover) closes it with {@code frame_corrupted}. Empty frames
 * (an empty line, a zero length) are not reported. Bytes left over when the peer closes, short of
 * a whole frame, are dropped.
 *
 * <p>Immutable and thread-safe; one instance may configure any number of listeners.
 */
public final class Framing {

  /** The framing codecs of docs/configuration.md, Framing. */
  public enum Kind {
    /** No framing: each socket read is reported as it is. The default. */
    NONE,
    /** Frames end with {@code \n} or {@code \r\n}, which is stripped. */
    LINE,
    /** Frames end with a fixed byte sequence, which is stripped. */
    DELIMITER,
    /** Frames carry their length in a big-endian header field. */
    LENGTH_FIELD,
    /** Every frame has the same length. */
    FIXED_LENGTH
  }

  private static final Framing NONE = new Framing(Kind.NONE, 0, null, 0, 0, 0, 0);

  private final Kind kind;
  private final int maxFrameLength; // for FIXED_LENGTH: the frame length; 0 for NONE
  private final byte[] delimiter; // DELIMITER only; never handed out
  private final int lengthFieldOffset;
  private final int lengthFieldLength;
  private final int lengthAdjustment;
  private final int initialBytesToStrip;
  // DELIMITER only: one read-only buffer that every connection's decoder searches with.
  private final ByteBuf delimiterBuf;

  private Framing(Kind kind, int maxFrameLength, byte[] delimiter, int lengthFieldOffset,
      int lengthFieldLength, int lengthAdjustment, int initialBytesToStrip) {
    this.kind = kind;
    this.maxFrameLength = maxFrameLength;
    this.delimiter = delimiter;
    this.lengthFieldOffset = lengthFieldOffset;
    this.lengthFieldLength = lengthFieldLength;
    this.lengthAdjustment = lengthAdjustment;
    this.initialBytesToStrip = initialBytesToStrip;
    this.delimiterBuf = delimiter == null ? null
        : Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(delimiter).asReadOnly());
  }

  /** No framing: one socket read is one {@code onBytes}, as EMQX does. The default. */
  public static Framing none() {
    return NONE;
  }

  /**
   * Frames end with {@code \n} or {@code \r\n}; the line ending is stripped.
   *
   * @param maxFrameLength the longest line, without its ending, in bytes
   * @throws IllegalArgumentException if {@code maxFrameLength} is less than 1
   */
  public static Framing line(int maxFrameLength) {
    requireAtLeast("line", "maxFrameLength", maxFrameLength, 1);
    return new Framing(Kind.LINE, maxFrameLength, null, 0, 0, 0, 0);
  }

  /**
   * Frames end with {@code delimiter}, which is stripped.
   *
   * @param delimiter the bytes that end a frame; copied
   * @param maxFrameLength the longest frame, without the delimiter, in bytes
   * @throws IllegalArgumentException if {@code delimiter} is empty or {@code maxFrameLength} is
   *     less than 1
   * @throws NullPointerException if {@code delimiter} is null
   */
  public static Framing delimiter(byte[] delimiter, int maxFrameLength) {
    Objects.requireNonNull(delimiter, "delimiter framing: delimiter must not be null");
    if (delimiter.length == 0) {
      throw new IllegalArgumentException("delimiter framing: delimiter must not be empty");
    }
    requireAtLeast("delimiter", "maxFrameLength", maxFrameLength, 1);
    return new Framing(Kind.DELIMITER, maxFrameLength, delimiter.clone(), 0, 0, 0, 0);
  }

  /**
   * Frames carry their length in an unsigned big-endian header field, read exactly as Netty's
   * {@code LengthFieldBasedFrameDecoder} reads it: the frame is {@code lengthFieldOffset +
   * lengthFieldLength + <field value> + lengthAdjustment} bytes long, and the first {@code
   * initialBytesToStrip} of them are dropped before the frame is reported. For a 2-byte length
   * that counts only the payload, reported without the header: {@code lengthField(0, 2, 0, 2,
   * 65537)}.
   *
   * @param lengthFieldOffset where the length field starts, in bytes from the frame's start
   * @param lengthFieldLength the field's size: 1, 2, 3, 4 or 8 bytes
   * @param lengthAdjustment added to the field's value to get the number of bytes that follow the
   *     field (e.g. {@code -2} when the value counts a 2-byte field itself); may be negative
   * @param initialBytesToStrip bytes dropped from the start of each frame (the header, usually)
   * @param maxFrameLength the longest frame in bytes, header included, before stripping
   * @throws IllegalArgumentException naming the parameter that is out of range
   */
  public static Framing lengthField(int lengthFieldOffset, int lengthFieldLength,
      int lengthAdjustment, int initialBytesToStrip, int maxFrameLength) {
    requireAtLeast("lengthField", "lengthFieldOffset", lengthFieldOffset, 0);
    switch (lengthFieldLength) {
      case 1, 2, 3, 4, 8 -> { }
      default -> throw new IllegalArgumentException("lengthField framing: lengthFieldLength must"
          + " be 1, 2, 3, 4 or 8 bytes, was " + lengthFieldLength);
    }
    requireAtLeast("lengthField", "initialBytesToStrip", initialBytesToStrip, 0);
    requireAtLeast("lengthField", "maxFrameLength", maxFrameLength, 1);
    if ((long) lengthFieldOffset + lengthFieldLength > maxFrameLength) {
      throw new IllegalArgumentException("lengthField framing: maxFrameLength (" + maxFrameLength
          + ") must be at least lengthFieldOffset + lengthFieldLength ("
          + ((long) lengthFieldOffset + lengthFieldLength) + "), or no frame could hold its"
          + " length field");
    }
    return new Framing(Kind.LENGTH_FIELD, maxFrameLength, null, lengthFieldOffset,
        lengthFieldLength, lengthAdjustment, initialBytesToStrip);
  }

  /**
   * Every frame is exactly {@code frameLength} bytes.
   *
   * @throws IllegalArgumentException if {@code frameLength} is less than 1
   */
  public static Framing fixedLength(int frameLength) {
    requireAtLeast("fixedLength", "frameLength", frameLength, 1);
    return new Framing(Kind.FIXED_LENGTH, frameLength, null, 0, 0, 0, 0);
  }

  private static void requireAtLeast(String framing, String parameter, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(framing + " framing: " + parameter + " must be at least "
          + min + ", was " + value);
    }
  }

  /** Which framing this is. */
  public Kind kind() {
    return kind;
  }

  /**
   * The longest frame in bytes (as passed to the factory); the frame length for {@link
   * Kind#FIXED_LENGTH}; 0 for {@link Kind#NONE}.
   */
  public int maxFrameLength() {
    return maxFrameLength;
  }

  /**
   * A new decoder for one connection's pipeline, or null for {@link Kind#NONE}. Decoders keep
   * the bytes of a partial frame, so each connection needs its own; they fail fast: a frame over
   * the limit raises {@code TooLongFrameException} as soon as the limit is passed.
   */
  ChannelHandler newDecoder() {
    return switch (kind) {
      case NONE -> null;
      case LINE -> new LineBasedFrameDecoder(maxFrameLength, true, true);
      case DELIMITER -> new DelimiterBasedFrameDecoder(maxFrameLength, true, true, delimiterBuf);
      case LENGTH_FIELD -> new LengthFieldBasedFrameDecoder(ByteOrder.BIG_ENDIAN, maxFrameLength,
          lengthFieldOffset, lengthFieldLength, lengthAdjustment, initialBytesToStrip, true);
      case FIXED_LENGTH -> new FixedLengthFrameDecoder(maxFrameLength);
    };
  }

  /**
   * A splitter that cuts bytes into frames exactly as a listener with this framing does, with no
   * socket: for transports without Netty (the testkit's in-memory listener) and for tests. One
   * per connection: it keeps the bytes of a partial frame. Not thread-safe.
   */
  public Splitter newSplitter() {
    return new Splitter(newDecoder());
  }

  /** Cuts one connection's bytes into frames; see {@link #newSplitter()}. */
  public static final class Splitter {
    private final EmbeddedChannel channel; // null: no framing

    private Splitter(ChannelHandler decoder) {
      this.channel = decoder == null ? null : new EmbeddedChannel(decoder);
    }

    /**
     * Feeds one read's bytes.
     *
     * @return the whole frames they complete, in order (with no framing: the bytes themselves,
     *     unless empty)
     * @throws FrameException if a frame is too long or a length field describes no frame; the
     *     connection is then to be closed with {@link FrameException#reason()}
     */
    public List<byte[]> feed(byte[] bytes) {
      if (channel == null) {
        return bytes.length == 0 ? List.of() : List.of(bytes.clone());
      }
      try {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes.clone()));
      } catch (TooLongFrameException e) {
        throw new FrameException("frame_too_long", e.getMessage());
      } catch (CorruptedFrameException e) {
        throw new FrameException("frame_corrupted", e.getMessage());
      }
      List<byte[]> frames = new ArrayList<>();
      for (ByteBuf frame; (frame = channel.readInbound()) != null; ) {
        try {
          if (frame.isReadable()) {
            byte[] b = new byte[frame.readableBytes()];
            frame.readBytes(b);
            frames.add(b);
          }
        } finally {
          frame.release();
        }
      }
      return frames;
    }
  }

  /** A frame a {@link Splitter} cannot cut: too long, or a corrupt length field. */
  public static final class FrameException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    FrameException(String reason, String message) {
      super(reason + ": " + message);
      this.reason = reason;
    }

    /** The close reason a listener reports: {@code frame_too_long} or {@code frame_corrupted}. */
    public String reason() {
      return reason;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Framing other
        && kind == other.kind
        && maxFrameLength == other.maxFrameLength
        && Arrays.equals(delimiter, other.delimiter)
        && lengthFieldOffset == other.lengthFieldOffset
        && lengthFieldLength == other.lengthFieldLength
        && lengthAdjustment == other.lengthAdjustment
        && initialBytesToStrip == other.initialBytesToStrip;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, maxFrameLength, Arrays.hashCode(delimiter), lengthFieldOffset,
        lengthFieldLength, lengthAdjustment, initialBytesToStrip);
  }

  /** E.g. {@code line(maxFrameLength=4096)} or {@code delimiter(0x0d0a, maxFrameLength=512)}. */
  @Override
  public String toString() {
    return switch (kind) {
      case NONE -> "none";
      case LINE -> "line(maxFrameLength=" + maxFrameLength + ")";
      case DELIMITER -> "delimiter(0x" + hex(delimiter) + ", maxFrameLength=" + maxFrameLength + ")";
      case LENGTH_FIELD -> "lengthField(lengthFieldOffset=" + lengthFieldOffset
          + ", lengthFieldLength=" + lengthFieldLength + ", lengthAdjustment=" + lengthAdjustment
          + ", initialBytesToStrip=" + initialBytesToStrip + ", maxFrameLength=" + maxFrameLength
          + ")";
      case FIXED_LENGTH -> "fixedLength(" + maxFrameLength + ")";
    };
  }

  private static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return out.toString();
  }
}
