package io.exproto.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.tls.TlsSettings;
import io.exproto.transport.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builder validation: each mistake is refused at build() with a message naming the option. */
class DtlsListenerBuilderTest {

  private static final Map<String, byte[]> PSK = Map.of("device-1", new byte[] {1, 2, 3});

  private static void refused(UnaryOperator<DtlsListener.Builder> mistake, String... words) {
    assertThatThrownBy(() -> mistake.apply(DtlsListener.builder().bind("127.0.0.1", 0).psk(PSK))
        .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll(words);
  }

  @Test
  void limitsBelowTheirMinimumAreRefused() {
    refused(b -> b.maxConnections(0), "maxConnections", "at least 1", "0");
    refused(b -> b.maxConnRate(0), "maxConnRate", "at least 1");
    refused(b -> b.executorThreads(0), "executorThreads");
    refused(b -> b.maxRetransmissions(0), "maxRetransmissions");
    refused(b -> b.sendBuffer(-1), "sendBuffer", "-1");
    refused(b -> b.recvBuffer(-1), "recvBuffer", "-1");
  }

  @Test
  void socketBuffersReachScandiumOnlyWhenSet() {
    DtlsListener.Builder base = DtlsListener.builder().bind("127.0.0.1", 0).psk(PSK);
    var defaults = base.build().connectorConfig();
    assertThat(defaults.get(DtlsConfig.DTLS_SEND_BUFFER_SIZE)).isNull();
    assertThat(defaults.get(DtlsConfig.DTLS_RECEIVE_BUFFER_SIZE)).isNull();

    var sized = base.sendBuffer(65_536).recvBuffer(262_144).build().connectorConfig();
    assertThat(sized.get(DtlsConfig.DTLS_SEND_BUFFER_SIZE)).isEqualTo(65_536);
    assertThat(sized.get(DtlsConfig.DTLS_RECEIVE_BUFFER_SIZE)).isEqualTo(262_144);
  }

  @Test
  void aRetransmissionTimeoutUnderAMillisecondIsRefusedNotRoundedToZero() {
    refused(b -> b.retransmissionTimeout(Duration.ofNanos(999_999)), "retransmissionTimeout",
        "at least 1 ms");
    refused(b -> b.retransmissionTimeout(Duration.ZERO), "retransmissionTimeout");
  }

  @Test
  void credentialsAndPeerVerificationMustFitTogether() {
    assertThatThrownBy(() -> DtlsListener.builder().bind("127.0.0.1", 0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs credentials");
    refused(b -> b.tls(TlsSettings.client().build()), "DtlsListener tls takes server settings");
    refused(b -> b.psk(Map.of()), "psk must hold at least one identity");
    refused(b -> b.psk(Map.of("id", new byte[0])), "psk secret of identity 'id'");
  }

  @Test
  void certificateFilesAreReadAndCheckedAtBuild(@TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    // PKCS#8 EC and PKCS#1 RSA keys both load.
    assertThat(DtlsListener.builder().bind("127.0.0.1", 0).tls(TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey()).build()).build())
        .isNotNull();
    assertThat(DtlsListener.builder().bind("127.0.0.1", 0).tls(TlsSettings.server()
        .certificate(certs.rsaServer.certificate(), certs.rsaServer.privateKey()).build()).build())
        .isNotNull();
    // A key of another certificate is refused now, not at the first handshake.
    assertThatThrownBy(() -> DtlsListener.builder().bind("127.0.0.1", 0).tls(TlsSettings.server()
        .certificate(certs.server.certificate(), certs.client.privateKey()).build()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("certificate")
        .hasMessageContaining(certs.client.privateKey().toString());
    assertThatThrownBy(() -> DtlsListener.builder().bind("127.0.0.1", 0).tls(TlsSettings.server()
        .certificate(dir.resolve("absent.pem"), certs.server.privateKey()).build()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("absent.pem");
  }
}
