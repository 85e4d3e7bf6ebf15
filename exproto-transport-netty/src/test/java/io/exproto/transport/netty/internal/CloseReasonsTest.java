package io.exproto.transport.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class CloseReasonsTest {

  @Test
  void wellKnownSocketErrorsBecomeErrnoNames() {
    assertThat(CloseReasons.ofError(new IOException("Connection reset by peer")))
        .isEqualTo("econnreset");
    assertThat(CloseReasons.ofError(new SocketException("Connection reset"))) // NIO, JDK 17
        .isEqualTo("econnreset");
    assertThat(CloseReasons.ofError(new IOException("recvAddress(..) failed: Connection reset by peer")))
        .isEqualTo("econnreset"); // epoll
    assertThat(CloseReasons.ofError(new IOException("Broken pipe"))).isEqualTo("epipe");
    assertThat(CloseReasons.ofError(new IOException("writevAddresses(..) failed: Broken pipe")))
        .isEqualTo("epipe");
    assertThat(CloseReasons.ofError(new IOException("Connection timed out")))
        .isEqualTo("etimedout");
    assertThat(CloseReasons.ofError(new IOException("No route to host"))).isEqualTo("ehostunreach");
  }

  @Test
  void otherErrorsBecomeTheirClassNameInSnakeCase() {
    assertThat(CloseReasons.ofError(new IOException("something odd"))).isEqualTo("io_exception");
    assertThat(CloseReasons.ofError(new IOException((String) null))).isEqualTo("io_exception");
    assertThat(CloseReasons.ofError(new SSLHandshakeException("bad cert")))
        .isEqualTo("ssl_handshake_exception");
    assertThat(CloseReasons.ofError(new SocketTimeoutException()))
        .isEqualTo("socket_timeout_exception");
    // Only I/O errors are read for an errno; an engine bug is named by its type.
    assertThat(CloseReasons.ofError(new IllegalStateException("Broken pipe")))
        .isEqualTo("illegal_state_exception");
    assertThat(CloseReasons.ofError(new RuntimeException() {})).isEqualTo("error");
  }

  @Test
  void frameDecoderErrorsHaveTheirOwnTokens() {
    assertThat(CloseReasons.ofError(new TooLongFrameException("frame length exceeds 8: 10")))
        .isEqualTo(CloseReasons.FRAME_TOO_LONG).isEqualTo("frame_too_long");
    assertThat(CloseReasons.ofError(new CorruptedFrameException("negative length")))
        .isEqualTo(CloseReasons.FRAME_CORRUPTED).isEqualTo("frame_corrupted");
    assertThat(CloseReasons.ofError(new DecoderException("other"))).isEqualTo("decoder_exception");
  }

  @Test
  void snakeCaseHandlesAcronymsAndDigits() {
    assertThat(CloseReasons.snakeCase("NativeIoException")).isEqualTo("native_io_exception");
    assertThat(CloseReasons.snakeCase("SSLException")).isEqualTo("ssl_exception");
    assertThat(CloseReasons.snakeCase("Http2Exception")).isEqualTo("http2_exception");
    assertThat(CloseReasons.snakeCase("Outer$Inner")).isEqualTo("outer_inner");
    assertThat(CloseReasons.snakeCase("")).isEqualTo("error");
  }
}
