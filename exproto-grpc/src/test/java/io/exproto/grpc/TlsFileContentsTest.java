package io.exproto.grpc;

import io.exproto.transport.TestCertificates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.tls.TlsSettings;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unusable TLS files are reported when the handler's or adapter server's settings are built, so
 * before the handler or server is, naming the setting and the file, rather than at the first
 * handshake.
 */
class TlsFileContentsTest {
  @TempDir static Path dir;
  static TestCertificates certs;
  static Path garbage;
  static Path empty;

  @RegisterExtension final GrpcCleanup grpc = new GrpcCleanup();

  @BeforeAll
  static void makeFiles() throws Exception {
    certs = TestCertificates.create(dir);
    garbage = TestCertificates.write(dir.resolve("garbage.pem"), "this is not PEM\n");
    empty = TestCertificates.write(dir.resolve("empty.pem"), "");
  }

  private static GrpcHandler handlerWith(TlsSettings tls) {
    return GrpcHandler.builder().address("https://localhost:9001").tls(tls).build();
  }

  private static GrpcAdapterServer serverWith(TlsSettings tls) {
    return GrpcAdapterServer.builder(new RecordingAdapter()).tls(tls).build();
  }

  @Test
  void aTrustFileWithoutCertificates() {
    assertThatThrownBy(() -> handlerWith(TlsSettings.client().trustCertificates(garbage).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings trustCertificates file " + garbage)
        .hasMessageContaining("-----BEGIN CERTIFICATE-----");
    assertThatThrownBy(() -> handlerWith(TlsSettings.client().trustCertificates(empty).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings trustCertificates file " + empty
            + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }

  @Test
  void aKeyFileWithoutAKey() {
    // A common slip: the certificate given twice.
    assertThatThrownBy(() -> handlerWith(TlsSettings.client()
            .certificate(certs.client.certificate(), certs.client.certificate()).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings private key file " + certs.client.certificate()
            + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  }

  @Test
  void aKeyOfAnotherCertificate() {
    assertThatThrownBy(() -> handlerWith(TlsSettings.client()
            .certificate(certs.client.certificate(), certs.server.privateKey()).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("TlsSettings certificate: the private key in "
            + certs.server.privateKey() + " does not belong to the first certificate in "
            + certs.client.certificate())
        .hasMessageContaining("CN=client,O=Org,C=CN");
    assertThatThrownBy(() -> serverWith(TlsSettings.server()
            .certificate(certs.server.certificate(), certs.rsaServer.privateKey()).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("TlsSettings certificate: the private key in "
            + certs.rsaServer.privateKey() + " does not belong to the first certificate in "
            + certs.server.certificate());
  }

  @Test
  void anEncryptedKeyIsRejectedWithWhatToDo() throws Exception {
    Path encrypted = TestCertificates.write(dir.resolve("encrypted.key"),
        TestCertificates.pem("ENCRYPTED PRIVATE KEY", new byte[] {0x30, 0x00}));

    assertThatThrownBy(() -> serverWith(TlsSettings.server()
            .certificate(certs.server.certificate(), encrypted).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings private key file " + encrypted
            + " holds an encrypted private key")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void anSec1EcKeyIsRejectedWithWhatToDo() throws Exception {
    Path sec1 = TestCertificates.write(dir.resolve("sec1.key"),
        TestCertificates.pem("EC PRIVATE KEY", new byte[] {0x30, 0x00}));

    assertThatThrownBy(() -> serverWith(TlsSettings.server()
            .certificate(certs.server.certificate(), sec1).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings private key file " + sec1 + " holds a 'EC PRIVATE KEY'")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void aDamagedKey() throws Exception {
    Path damaged = TestCertificates.write(dir.resolve("damaged.key"),
        TestCertificates.pem("PRIVATE KEY", new byte[] {1, 2, 3, 4}));

    assertThatThrownBy(() -> serverWith(TlsSettings.server()
            .certificate(certs.server.certificate(), damaged).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings private key file " + damaged
            + " holds a private key that is damaged or of an unsupported type");
  }

  @Test
  void aBadServerCertificateOrTrustFile() {
    assertThatThrownBy(() -> serverWith(TlsSettings.server()
            .certificate(garbage, certs.server.privateKey()).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings certificate chain file " + garbage);
    assertThatThrownBy(() -> serverWith(TlsSettings.server()
            .certificate(certs.server.certificate(), certs.server.privateKey())
            .trustCertificates(empty)
            .clientAuth(TlsSettings.ClientAuth.REQUIRE).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings trustCertificates file " + empty);
  }

  @Test
  void goodFilesBuild() {
    grpc.register(handlerWith(TlsSettings.client()
        .trustCertificates(certs.ca)
        .certificate(certs.client.certificate(), certs.client.privateKey())
        .build()));
    grpc.register(serverWith(TlsSettings.server()
        .certificate(certs.rsaServer.certificate(), certs.rsaServer.privateKey())
        .trustCertificates(certs.ca)
        .clientAuth(TlsSettings.ClientAuth.OPTIONAL)
        .build()));
    assertThat(certs.rsaServer.privateKey()).content()
        .startsWith("-----BEGIN RSA PRIVATE KEY-----");
  }

  @Test
  void tlsWithAPlaintextAddressOrAChannelIsAMistake() {
    TlsSettings tls = TlsSettings.client().trustCertificates(certs.ca).build();

    assertThatThrownBy(
            () -> GrpcHandler.builder().address("http://127.0.0.1:9001").tls(tls).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("handler address http://127.0.0.1:9001 is plaintext http://")
        .hasMessageContaining("use https://127.0.0.1:9001");
    assertThatThrownBy(() -> GrpcHandler.builder()
            .channel(grpc.register(io.grpc.inprocess.InProcessChannelBuilder.forName("x").build()))
            .tls(tls).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not to a channel(...)");
  }
}
