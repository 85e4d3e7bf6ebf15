package io.exproto.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Addresses reach handlers as EMQX's inet:ntoa writes them. */
class IpLiteralTest {

  @ParameterizedTest
  @CsvSource({
      "127.0.0.1, 127.0.0.1",
      "::1, ::1",
      "0:0:0:0:0:0:0:0, ::",
      "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
      "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
      "fe80:0:0:0:0:0:0:1, fe80::1",
      "1:0:0:2:0:0:0:3, 1:0:0:2::3",
  })
  void formatsLikeInetNtoa(String in, String expected) throws Exception {
    assertThat(ProtoTranslation.ipLiteral(InetAddress.getByName(in))).isEqualTo(expected);
  }
}
