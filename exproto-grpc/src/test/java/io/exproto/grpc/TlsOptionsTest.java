package io.exproto.grpc;

import io.exproto.transport.TestCertificates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.grpc.AdapterTls.ClientAuth;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Validation of {@link HandlerTls} and {@link AdapterTls} in their builders. */
class TlsOptionsTest {
  @TempDir static Path dir;
  static TestCertificates certs;

  @BeforeAll
  static void makeCertificates() throws Exception {
    certs = TestCertificates.create(dir);
  }

  @Test
  void handlerTlsKeepsWhatWasSet() {
    HandlerTls tls = HandlerTls.builder()
        .trustCertificates(certs.ca)
        .keyManager(certs.client.certificate(), certs.client.privateKey())
        .serverNameIndication("handler.example")
        .build();

    assertThat(tls.trustCertificates()).contains(certs.ca);
    assertThat(tls.certificateChain()).contains(certs.client.certificate());
    assertThat(tls.privateKey()).contains(certs.client.privateKey());
    assertThat(tls.serverNameIndication()).contains("handler.example");
    assertThat(tls).hasToString("HandlerTls[trustCertificates=" + certs.ca + ", certificateChain="
        + certs.client.certificate() + ", privateKey=" + certs.client.privateKey()
        + ", serverNameIndication=handler.example]");
    assertThat(tls).isEqualTo(HandlerTls.builder()
        .trustCertificates(certs.ca)
        .keyManager(certs.client.certificate(), certs.client.privateKey())
        .serverNameIndication("handler.example")
        .build());
  }

  @Test
  void anEmptyHandlerTlsMeansJdkDefaults() {
    HandlerTls tls = HandlerTls.builder().build();

    assertThat(tls.trustCertificates()).isEmpty();
    assertThat(tls.certificateChain()).isEmpty();
    assertThat(tls.privateKey()).isEmpty();
    assertThat(tls.serverNameIndication()).isEmpty();
    assertThat(tls.toString()).contains("<JDK default>");
  }

  @Test
  void handlerTlsNamesTheSettingAndPathOfAMissingFile() {
    Path missing = dir.resolve("no-such-ca.pem");

    assertThatThrownBy(() -> HandlerTls.builder().trustCertificates(missing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("HandlerTls trustCertificates file " + missing + " does not exist");
    assertThatThrownBy(() -> HandlerTls.builder()
            .keyManager(missing, certs.client.privateKey()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("HandlerTls keyManager certificate chain file " + missing + " does not exist");
    assertThatThrownBy(() -> HandlerTls.builder()
            .keyManager(certs.client.certificate(), missing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("HandlerTls keyManager private key file " + missing + " does not exist");
  }

  @Test
  void aDirectoryIsNotAFile() {
    assertThatThrownBy(() -> HandlerTls.builder().trustCertificates(dir).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("HandlerTls trustCertificates file " + dir + " is not a regular file");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "localhost:9001", "https://handler.example", "a b", "h/x"})
  void aServerNameIndicationMustBeAHostName(String sni) {
    assertThatThrownBy(() -> HandlerTls.builder().serverNameIndication(sni))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("serverNameIndication must be a host name")
        .hasMessageContaining("'" + sni + "'");
  }

  @Test
  void adapterTlsKeepsWhatWasSetAndDefaultsToNoClientAuth() {
    AdapterTls plain = AdapterTls.builder()
        .certificate(certs.server.certificate(), certs.server.privateKey())
        .build();
    assertThat(plain.clientAuth()).isEqualTo(ClientAuth.NONE);
    assertThat(plain.trustCertificates()).isEmpty();
    assertThat(plain.certificateChain()).isEqualTo(certs.server.certificate());
    assertThat(plain.privateKey()).isEqualTo(certs.server.privateKey());

    AdapterTls mutual = AdapterTls.builder()
        .certificate(certs.server.certificate(), certs.server.privateKey())
        .trustCertificates(certs.ca)
        .clientAuth(ClientAuth.REQUIRE)
        .build();
    assertThat(mutual.clientAuth()).isEqualTo(ClientAuth.REQUIRE);
    assertThat(mutual.trustCertificates()).contains(certs.ca);
    assertThat(mutual.toString()).contains("clientAuth=REQUIRE", certs.ca.toString());
  }

  @Test
  void adapterTlsNeedsACertificate() {
    assertThatThrownBy(() -> AdapterTls.builder().trustCertificates(certs.ca).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("AdapterTls needs certificate(certChainPem, privateKeyPem)");
  }

  @Test
  void requiringClientCertificatesNeedsTrustCertificates() {
    assertThatThrownBy(() -> AdapterTls.builder()
            .certificate(certs.server.certificate(), certs.server.privateKey())
            .clientAuth(ClientAuth.REQUIRE)
            .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("clientAuth REQUIRE needs trustCertificates(caPem)");
    // OPTIONAL may fall back on the JDK trust store.
    assertThat(AdapterTls.builder()
        .certificate(certs.server.certificate(), certs.server.privateKey())
        .clientAuth(ClientAuth.OPTIONAL)
        .build().clientAuth()).isEqualTo(ClientAuth.OPTIONAL);
  }

  @Test
  void adapterTlsNamesTheSettingAndPathOfAMissingFile() {
    Path missing = dir.resolve("missing.pem");

    assertThatThrownBy(() -> AdapterTls.builder()
            .certificate(missing, certs.server.privateKey()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("AdapterTls certificate chain file " + missing + " does not exist");
    assertThatThrownBy(() -> AdapterTls.builder()
            .certificate(certs.server.certificate(), missing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("AdapterTls private key file " + missing + " does not exist");
    assertThatThrownBy(() -> AdapterTls.builder()
            .certificate(certs.server.certificate(), certs.server.privateKey())
            .trustCertificates(missing).clientAuth(ClientAuth.REQUIRE).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("AdapterTls trustCertificates file " + missing + " does not exist");
  }

  @Test
  void nullsAreRejected() {
    assertThatThrownBy(() -> HandlerTls.builder().trustCertificates(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> AdapterTls.builder().clientAuth(null))
        .isInstanceOf(NullPointerException.class);
  }
}
