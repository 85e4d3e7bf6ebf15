package io.exproto.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class PrintableAddressTest {
  @Test
  void wildcardsLoopbacksAndIpv6PrintWithoutASlash() {
    assertThat(GatewayImpl.printable(new InetSocketAddress("0.0.0.0", 7001)))
        .isEqualTo("0.0.0.0:7001");
    assertThat(GatewayImpl.printable(new InetSocketAddress("::", 7001))).isEqualTo("0.0.0.0:7001");
    assertThat(GatewayImpl.printable(new InetSocketAddress("127.0.0.1", 7993)))
        .isEqualTo("127.0.0.1:7993");
    assertThat(GatewayImpl.printable(new InetSocketAddress("::1", 7993))).isEqualTo("[0:0:0:0:0:0:0:1]:7993");
  }
}
