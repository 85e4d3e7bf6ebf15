package io.exproto.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AddressesTest {
  @Test
  void wildcardsLoopbacksAndIpv6PrintWithoutASlash() {
    assertThat(Addresses.format(new InetSocketAddress("0.0.0.0", 7001)))
        .isEqualTo("0.0.0.0:7001");
    assertThat(Addresses.format(new InetSocketAddress("::", 7001))).isEqualTo("0.0.0.0:7001");
    assertThat(Addresses.format(new InetSocketAddress("127.0.0.1", 7993)))
        .isEqualTo("127.0.0.1:7993");
    assertThat(Addresses.format(new InetSocketAddress("::1", 7993)))
        .isEqualTo("[0:0:0:0:0:0:0:1]:7993");
    assertThat(Addresses.format(InetSocketAddress.createUnresolved("gw.example", 1)))
        .isEqualTo("gw.example:1");
    assertThat(Addresses.format(null)).isEqualTo("(not bound)");
  }
}
