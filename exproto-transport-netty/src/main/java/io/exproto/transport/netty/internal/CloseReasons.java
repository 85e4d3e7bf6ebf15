package io.exproto.transport.netty.internal;

import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.util.Locale;

/**
 * Turns the reason a socket closed into the inner token of {@code {shutdown,<reason>}} (docs/behaviour.md, Close reasons),
 * the way EMQX names them: {@code tcp_closed} for an orderly close by the peer, an errno-like atom
 * such as {@code econnreset} for a socket error, {@code send_timeout} for a device that stopped
 * taking its bytes (EMQX's {@code send_timeout_close}); and, this gateway's own, {@code
 * send_buffer_overflow} when a connection's queued outbound bytes hit their cap, and for the
 * framing codecs (docs/configuration.md, Framing) {@code frame_too_long} and {@code frame_corrupted}. Stateless.
 */
public final class CloseReasons {

  /** The peer closed the TCP connection (or the link was closed locally). */
  public static final String TCP_CLOSED = "tcp_closed";

  /** The peer closed the TLS connection (or the link of an {@code ssl} listener was closed). */
  public static final String SSL_CLOSED = "ssl_closed";

  /**
   * The device took none of the bytes queued for it within the listener's {@code send_timeout}
   * while they stood above the high-water mark (EMQX: {@code {shutdown,send_timeout}}).
   */
  public static final String SEND_TIMEOUT = "send_timeout";

  /**
   * A write would have taken the bytes queued for the device beyond the listener's {@code
   * maxPendingOutboundBytes}; the write was dropped and the connection closed. This gateway's own.
   */
  public static final String SEND_BUFFER_OVERFLOW = "send_buffer_overflow";

  /** A frame decoder met a frame longer than its limit. */
  public static final String FRAME_TOO_LONG = "frame_too_long";

  /** A frame decoder met a length field that describes no valid frame (e.g. negative). */
  public static final String FRAME_CORRUPTED = "frame_corrupted";

  /** Used when an error has no usable name at all. */
  static final String UNKNOWN_ERROR = "error";

  /*
   * The JDK and Netty's native transport report socket errors as IOExceptions whose message is the
   * C library's strerror text (epoll: "recvAddress(..) failed: Connection reset by peer"; NIO on
   * JDK 17: "Connection reset"), so the message is all there is to recover the errno from.
   * Matched as substrings, in this order.
   */
  private static final String[][] ERRNO_BY_MESSAGE = {
    {"Connection reset", "econnreset"},
    {"Broken pipe", "epipe"},
    {"Connection timed out", "etimedout"},
    {"No route to host", "ehostunreach"},
    {"Network is unreachable", "enetunreach"},
  };

  private CloseReasons() {}

  /**
   * The token for a socket error: an errno name for the well-known I/O errors, otherwise the
   * exception's simple class name in snake case (e.g. {@code ssl_handshake_exception}); {@link
   * #FRAME_TOO_LONG} or {@link #FRAME_CORRUPTED} for a frame decoder's error.
   */
  public static String ofError(Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      return FRAME_TOO_LONG;
    }
    if (cause instanceof CorruptedFrameException) {
      return FRAME_CORRUPTED;
    }
    if (cause instanceof IOException) {
      String message = cause.getMessage();
      if (message != null) {
        for (String[] entry : ERRNO_BY_MESSAGE) {
          if (message.contains(entry[0])) {
            return entry[1];
          }
        }
      }
    }
    return snakeCase(cause.getClass().getSimpleName());
  }

  /** {@code SSLHandshakeException} becomes {@code ssl_handshake_exception}. */
  static String snakeCase(String name) {
    StringBuilder out = new StringBuilder(name.length() + 8);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isUpperCase(c)) {
        boolean afterWord = i > 0 && Character.isLetterOrDigit(name.charAt(i - 1))
            && !Character.isUpperCase(name.charAt(i - 1));
        boolean acronymEnds = i > 0 && Character.isUpperCase(name.charAt(i - 1))
            && i + 1 < name.length() && Character.isLowerCase(name.charAt(i + 1));
        if (afterWord || acronymEnds) {
          out.append('_');
        }
        out.append(Character.toLowerCase(c));
      } else if (Character.isLetterOrDigit(c) && c < 128) {
        out.append(c);
      } else if (out.length() > 0 && out.charAt(out.length() - 1) != '_') {
        out.append('_');
      }
    }
    String token = out.toString().toLowerCase(Locale.ROOT);
    return token.isEmpty() ? UNKNOWN_ERROR : token;
  }
}
