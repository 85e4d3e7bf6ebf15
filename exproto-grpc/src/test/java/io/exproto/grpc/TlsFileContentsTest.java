package io.exproto.grpc;

import io.exproto.transport.TestCertificates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unusable TLS files are reported when the handler or adapter server is built, naming the setting
 * and the file, rather than at the first handshake.
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

  private static GrpcHandler handlerWith(HandlerTls tls) {
    return GrpcHandler.builder().address("https://localhost:9001").tls(tls).build();
  }

  private static GrpcAdapterServer serverWith(AdapterTls tls) {
    return GrpcAdapterServer.builder(new RecordingAdapter()).tls(tls).build();
  }

  @Test
  void aTrustFileWithoutCertificates() {
    assertThatThrownBy(() -> handlerWith(HandlerTls.builder().trustCertificates(garbage).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("HandlerTls trustCertificates file " + garbage)
        .hasMessageContaining("-----BEGIN CERTIFICATE-----");
    assertThatThrownBy(() -> handlerWith(HandlerTls.builder().trustCertificates(empty).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("HandlerTls trustCertificates file " + empty
            + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }

  @Test
  void aKeyFileWithoutAKey() {
    // A common slip: the certificate given twice.
    assertThatThrownBy(() -> handlerWith(HandlerTls.builder()
            .keyManager(certs.client.certificate(), certs.client.certificate()).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("HandlerTls keyManager private key file " + certs.client.certificate()
            + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  }

  @Test
  void aKeyOfAnotherCertificate() {
    assertThatThrownBy(() -> handlerWith(HandlerTls.builder()
            .keyManager(certs.client.certificate(), certs.server.privateKey()).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("HandlerTls keyManager: the private key in "
            + certs.server.privateKey() + " does not belong to the first certificate in "
            + certs.client.certificate())
        .hasMessageContaining("CN=client,O=Org,C=CN");
    assertThatThrownBy(() -> serverWith(AdapterTls.builder()
            .certificate(certs.server.certificate(), certs.rsaServer.privateKey()).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("AdapterTls certificate: the private key in "
            + certs.rsaServer.privateKey() + " does not belong to the first certificate in "
            + certs.server.certificate());
  }

  @Test
  void anEncryptedKeyIsRejectedWithWhatToDo() throws Exception {
    Path encrypted = TestCertificates.write(dir.resolve("encrypted.key"),
        TestCertificates.pem("ENCRYPTED PRIVATE KEY", new byte[] {0x30, 0x00}));

    assertThatThrownBy(() -> serverWith(AdapterTls.builder()
            .certificate(certs.server.certificate(), encrypted).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AdapterTls private key file " + encrypted
            + " holds an encrypted private key")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void anSec1EcKeyIsRejectedWithWhatToDo() throws Exception {
    Path sec1 = TestCertificates.write(dir.resolve("sec1.key"),
        TestCertificates.pem("EC PRIVATE KEY", new byte[] {0x30, 0x00}));

    assertThatThrownBy(() -> serverWith(AdapterTls.builder()
            .certificate(certs.server.certificate(), sec1).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AdapterTls private key file " + sec1 + " holds a 'EC PRIVATE KEY'")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void aDamagedKey() throws Exception {
    Path damaged = TestCertificates.write(dir.resolve("damaged.key"),
        TestCertificates.pem("PRIVATE KEY", new byte[] {1, 2, 3, 4}));

    assertThatThrownBy(() -> serverWith(AdapterTls.builder()
            .certificate(certs.server.certificate(), damaged).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AdapterTls private key file " + damaged
            + " holds a private key that is damaged or of an unsupported type");
  }

  @Test
  void aBadServerCertificateOrTrustFile() {
    assertThatThrownBy(() -> serverWith(AdapterTls.builder()
            .certificate(garbage, certs.server.privateKey()).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AdapterTls certificate chain file " + garbage);
    assertThatThrownBy(() -> serverWith(AdapterTls.builder()
            .certificate(certs.server.certificate(), certs.server.privateKey())
            .trustCertificates(empty)
            .clientAuth(AdapterTls.ClientAuth.REQUIRE).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AdapterTls trustCertificates file " + empty);
  }

  @Test
  void goodFilesBuild() {
    grpc.register(handlerWith(HandlerTls.builder()
        .trustCertificates(certs.ca)
        .keyManager(certs.client.certificate(), certs.client.privateKey())
        .build()));
    grpc.register(serverWith(AdapterTls.builder()
        .certificate(certs.rsaServer.certificate(), certs.rsaServer.privateKey())
        .trustCertificates(certs.ca)
        .clientAuth(AdapterTls.ClientAuth.OPTIONAL)
        .build()));
    assertThat(certs.rsaServer.privateKey()).content()
        .startsWith("-----BEGIN RSA PRIVATE KEY-----");
  }

  @Test
  void tlsWithAPlaintextAddressOrAChannelIsAMistake() {
    HandlerTls tls = HandlerTls.builder().trustCertificates(certs.ca).build();

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
