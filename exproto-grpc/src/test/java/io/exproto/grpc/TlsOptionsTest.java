package io.exproto.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.tls.TlsSettings;
import io.exproto.tls.TlsSettings.ClientAuth;
import io.exproto.transport.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@link TlsSettings} of the handler channel ({@code handler.ssl_options}: the client side) and
 * of the adapter server ({@code server.ssl_options}: the server side): what each takes, validated
 * in the builders. The core's TlsSettingsTest covers the settings themselves in full.
 */
class TlsOptionsTest {
  @TempDir static Path dir;
  static TestCertificates certs;

  @RegisterExtension final GrpcCleanup grpc = new GrpcCleanup();

  @BeforeAll
  static void makeCertificates() throws Exception {
    certs = TestCertificates.create(dir);
  }

  @Test
  void handlerSettingsKeepWhatWasSet() {
    TlsSettings tls = TlsSettings.client()
        .trustCertificates(certs.ca)
        .certificate(certs.client.certificate(), certs.client.privateKey())
        .serverName("handler.example")
        .build();

    assertThat(tls.trustCertificatesFile()).contains(certs.ca);
    assertThat(tls.certificateChainFile()).contains(certs.client.certificate());
    assertThat(tls.privateKeyFile()).contains(certs.client.privateKey());
    assertThat(tls.serverName()).contains("handler.example");
    assertThat(tls).hasToString("TlsSettings[CLIENT, certificate=" + certs.client.certificate()
        + ", privateKey=" + certs.client.privateKey() + ", trustCertificates=" + certs.ca
        + ", serverName=handler.example]");
    assertThat(tls).isEqualTo(TlsSettings.client()
        .trustCertificates(certs.ca)
        .certificate(certs.client.certificate(), certs.client.privateKey())
        .serverName("handler.example")
        .build());
    grpc.register(GrpcHandler.builder().address("https://127.0.0.1:9001").tls(tls).build());
  }

  @Test
  void emptyHandlerSettingsMeanJdkDefaults() {
    TlsSettings tls = TlsSettings.client().build();

    assertThat(tls.trustCertificates()).isEmpty();
    assertThat(tls.certificateChain()).isEmpty();
    assertThat(tls.privateKey()).isEmpty();
    assertThat(tls.serverName()).isEmpty();
    assertThat(tls.toString()).contains("<JDK default>");
    grpc.register(GrpcHandler.builder().address("https://localhost:9001").tls(tls).build());
  }

  @Test
  void handlerSettingsNameTheSettingAndPathOfAMissingFile() {
    Path missing = dir.resolve("no-such-ca.pem");

    assertThatThrownBy(() -> TlsSettings.client().trustCertificates(missing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings trustCertificates file " + missing + " does not exist");
    assertThatThrownBy(() -> TlsSettings.client()
            .certificate(missing, certs.client.privateKey()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings certificate chain file " + missing + " does not exist");
    assertThatThrownBy(() -> TlsSettings.client()
            .certificate(certs.client.certificate(), missing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings private key file " + missing + " does not exist");
  }

  @Test
  void aDirectoryIsNotAFile() {
    assertThatThrownBy(() -> TlsSettings.client().trustCertificates(dir).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings trustCertificates file " + dir + " is not a regular file");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "localhost:9001", "https://handler.example", "a b", "h/x"})
  void aServerNameMustBeAHostName(String sni) {
    assertThatThrownBy(() -> TlsSettings.client().serverName(sni))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("serverName must be a host name")
        .hasMessageContaining("'" + sni + "'");
  }

  @Test
  void adapterSettingsKeepWhatWasSetAndDefaultToNoClientAuth() {
    TlsSettings plain = TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey())
        .build();
    assertThat(plain.clientAuth()).isEqualTo(ClientAuth.NONE);
    assertThat(plain.trustCertificates()).isEmpty();
    assertThat(plain.certificateChainFile()).contains(certs.server.certificate());
    assertThat(plain.privateKeyFile()).contains(certs.server.privateKey());

    TlsSettings mutual = TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey())
        .trustCertificates(certs.ca)
        .clientAuth(ClientAuth.REQUIRE)
        .build();
    assertThat(mutual.clientAuth()).isEqualTo(ClientAuth.REQUIRE);
    assertThat(mutual.trustCertificatesFile()).contains(certs.ca);
    assertThat(mutual.toString()).contains("clientAuth=REQUIRE", certs.ca.toString());
    grpc.register(GrpcAdapterServer.builder(new RecordingAdapter()).tls(mutual).build());
  }

  @Test
  void adapterSettingsNeedACertificate() {
    assertThatThrownBy(() -> TlsSettings.server().trustCertificates(certs.ca).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings.server() needs certificate(certChainPem,"
            + " privateKeyPem)");
  }

  @Test
  void requiringClientCertificatesNeedsTrustCertificates() {
    assertThatThrownBy(() -> TlsSettings.server()
            .certificate(certs.server.certificate(), certs.server.privateKey())
            .clientAuth(ClientAuth.REQUIRE)
            .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clientAuth REQUIRE needs trustCertificates");
    // OPTIONAL may fall back on the JDK trust store.
    TlsSettings optional = TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey())
        .clientAuth(ClientAuth.OPTIONAL)
        .build();
    assertThat(optional.clientAuth()).isEqualTo(ClientAuth.OPTIONAL);
    grpc.register(GrpcAdapterServer.builder(new RecordingAdapter()).tls(optional).build());
  }

  @Test
  void adapterSettingsNameTheSettingAndPathOfAMissingFile() {
    Path missing = dir.resolve("missing.pem");

    assertThatThrownBy(() -> TlsSettings.server()
            .certificate(missing, certs.server.privateKey()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings certificate chain file " + missing + " does not exist");
    assertThatThrownBy(() -> TlsSettings.server()
            .certificate(certs.server.certificate(), missing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings private key file " + missing + " does not exist");
    assertThatThrownBy(() -> TlsSettings.server()
            .certificate(certs.server.certificate(), certs.server.privateKey())
            .trustCertificates(missing).clientAuth(ClientAuth.REQUIRE).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings trustCertificates file " + missing + " does not exist");
  }

  @Test
  void eachEndTakesItsSideOnly() {
    TlsSettings server = TlsSettings.server()
        .certificate(certs.server.certificate(), certs.server.privateKey()).build();
    TlsSettings client = TlsSettings.client().build();

    assertThatThrownBy(() -> GrpcHandler.builder().tls(server))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("GrpcHandler tls takes client settings (TlsSettings.client()),"
            + " not server settings");
    assertThatThrownBy(() -> GrpcAdapterServer.builder(new RecordingAdapter()).tls(client))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("GrpcAdapterServer tls takes server settings"
            + " (TlsSettings.server()), not client settings");
  }

  @Test
  void protocolsAndCiphersCannotBeChosenForGrpc() {
    assertThatThrownBy(() -> GrpcHandler.builder()
            .tls(TlsSettings.client().protocols("TLSv1.2").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("GrpcHandler tls: protocols cannot be chosen here");
    assertThatThrownBy(() -> GrpcAdapterServer.builder(new RecordingAdapter())
            .tls(TlsSettings.server()
                .certificate(certs.server.certificate(), certs.server.privateKey())
                .ciphers(List.of("TLS_AES_128_GCM_SHA256")).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("GrpcAdapterServer tls: ciphers cannot be chosen here");
  }

  @Test
  void nullsAreRejected() {
    assertThatThrownBy(() -> GrpcHandler.builder().tls(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> GrpcAdapterServer.builder(new RecordingAdapter()).tls(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> TlsSettings.client().trustCertificates((Path) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> TlsSettings.server().clientAuth(null))
        .isInstanceOf(NullPointerException.class);
  }
}
