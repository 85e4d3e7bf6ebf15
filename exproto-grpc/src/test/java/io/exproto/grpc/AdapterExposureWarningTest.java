package io.exproto.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The adapter warns at start when anyone on the network can call it. */
class AdapterExposureWarningTest {

  @Test
  void plaintextOnTheWildcardOrAPublicAddressWarns() {
    assertThat(GrpcAdapterServer.exposureWarning(new InetSocketAddress(9100), false))
        .contains("every interface, port 9100", "without TLS", "write to every device",
            "127.0.0.1", "ssl_options");
    assertThat(GrpcAdapterServer.exposureWarning(new InetSocketAddress("192.0.2.7", 9100), false))
        .contains("192.0.2.7:9100");
  }

  @Test
  void loopbackOrTlsDoesNotWarn() {
    assertThat(GrpcAdapterServer.exposureWarning(new InetSocketAddress("127.0.0.1", 9100), false))
        .isNull();
    assertThat(GrpcAdapterServer.exposureWarning(new InetSocketAddress("::1", 9100), false))
        .isNull();
    assertThat(GrpcAdapterServer.exposureWarning(new InetSocketAddress(9100), true)).isNull();
  }
}
