package io.exproto.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HandlerAddressTest {

  @ParameterizedTest
  @CsvSource({
      "http://127.0.0.1:9001, 127.0.0.1, 9001, false",
      "http://127.0.0.1:9001/, 127.0.0.1, 9001, false",
      "HTTP://localhost:1, localhost, 1, false",
      "https://127.0.0.1:9001, 127.0.0.1, 9001, true",
      "HTTPS://handler.example:65535/, handler.example, 65535, true",
      "https://[::1]:9001, ::1, 9001, true",
      "http://[2001:db8::1]:80, 2001:db8::1, 80, false",
      "' https://my-handler:443 ', my-handler, 443, true",
  })
  void parsesSchemeHostAndPort(String address, String host, int port, boolean tls) {
    assertThat(HandlerAddress.parse(address)).isEqualTo(new HandlerAddress(host, port, tls));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "127.0.0.1:9001", "http://127.0.0.1", "https://127.0.0.1",
      "http://127.0.0.1:0", "https://127.0.0.1:70000", "ftp://127.0.0.1:9001",
      "grpc://127.0.0.1:9001", "tcp://127.0.0.1:9001", "http://127.0.0.1:9001/path",
      "https://user@127.0.0.1:9001", "https://127.0.0.1:9001?q=1", "https://127.0.0.1:9001#f",
      "http:// bad:1", "https://:9001", "https:///9001"})
  void rejectsAnythingElseSayingWhatItShouldLookLike(String address) {
    assertThatThrownBy(() -> HandlerAddress.parse(address))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("handler address must look like http://host:port or https://host:port, was "
            + address);
  }

  @org.junit.jupiter.api.Test
  void rejectsNull() {
    assertThatThrownBy(() -> HandlerAddress.parse(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was null");
  }
}
