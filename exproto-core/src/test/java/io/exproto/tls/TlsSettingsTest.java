package io.exproto.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.tls.TlsSettings.ClientAuth;
import io.exproto.tls.TlsSettings.Side;
import io.exproto.tls.internal.TlsChecks;
import io.exproto.transport.TestCertificates;
import io.exproto.transport.internal.PemFiles;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TlsSettings}: what each side keeps, its defaults, and every wrong setting or file reported
 * by {@code build()}, naming the setting and the path.
 */
class TlsSettingsTest {
  @TempDir static Path dir;
  static TestCertificates certs;
  static Path garbage;
  static Path empty;

  @BeforeAll
  static void makeFiles() throws Exception {
    certs = TestCertificates.create(dir);
    garbage = TestCertificates.write(dir.resolve("garbage.pem"), "this is not PEM\n");
    empty = TestCertificates.write(dir.resolve("empty.pem"), "");
  }

  private static TlsSettings.ServerBuilder server() {
    return TlsSettings.server().certificate(certs.server.certificate(),
        certs.server.privateKey());
  }

  // ---- server side

  @Test
  void serverDefaults() {
    TlsSettings tls = server().build();

    assertThat(tls.side()).isEqualTo(Side.SERVER);
    assertThat(tls.clientAuth()).isEqualTo(ClientAuth.NONE);
    assertThat(tls.trustCertificates()).isEmpty();
    assertThat(tls.trustCertificatesFile()).isEmpty();
    assertThat(tls.protocols()).isEmpty();
    assertThat(tls.ciphers()).isEmpty();
    assertThat(tls.serverName()).isEmpty();
    assertThat(tls.certificateChainFile()).contains(certs.server.certificate());
    assertThat(tls.privateKeyFile()).contains(certs.server.privateKey());
    assertThat(tls.certificateChain()).hasSize(1);
    assertThat(tls.certificateChain().get(0).getSubjectX500Principal().getName())
        .isEqualTo("CN=localhost,O=Org,C=CN");
    assertThat(tls.privateKey()).isPresent();
    assertThat(tls).hasToString("TlsSettings[SERVER, certificate=" + certs.server.certificate()
        + ", privateKey=" + certs.server.privateKey()
        + ", trustCertificates=<JDK default>, clientAuth=NONE]");
  }

  @Test
  void serverKeepsWhatWasSet() {
    TlsSettings tls = server().trustCertificates(certs.ca).clientAuth(ClientAuth.REQUIRE)
        .protocols("TLSv1.2").ciphers(List.of("ECDHE-ECDSA-AES256-GCM-SHA384")).build();

    assertThat(tls.clientAuth()).isEqualTo(ClientAuth.REQUIRE);
    assertThat(tls.trustCertificatesFile()).contains(certs.ca);
    assertThat(tls.trustCertificates()).hasSize(1);
    assertThat(tls.protocols()).containsExactly("TLSv1.2");
    assertThat(tls.ciphers()).containsExactly("ECDHE-ECDSA-AES256-GCM-SHA384");
    assertThat(tls.toString()).contains("clientAuth=REQUIRE", certs.ca.toString(),
        "protocols=[TLSv1.2]", "ciphers=[ECDHE-ECDSA-AES256-GCM-SHA384]");
    assertThat(tls).isEqualTo(server().trustCertificates(certs.ca)
        .clientAuth(ClientAuth.REQUIRE).protocols(List.of("TLSv1.2"))
        .ciphers(List.of("ECDHE-ECDSA-AES256-GCM-SHA384")).build());
    assertThat(tls).hasSameHashCodeAs(server().trustCertificates(certs.ca)
        .clientAuth(ClientAuth.REQUIRE).protocols(List.of("TLSv1.2"))
        .ciphers(List.of("ECDHE-ECDSA-AES256-GCM-SHA384")).build());
    assertThat(tls).isNotEqualTo(server().trustCertificates(certs.ca)
        .clientAuth(ClientAuth.OPTIONAL).protocols(List.of("TLSv1.2"))
        .ciphers(List.of("ECDHE-ECDSA-AES256-GCM-SHA384")).build());
  }

  @Test
  void aServerNeedsACertificate() {
    assertThatThrownBy(() -> TlsSettings.server().trustCertificates(certs.ca).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings.server() needs certificate(certChainPem,"
            + " privateKeyPem)");
  }

  @Test
  void requiringClientCertificatesNeedsTrustCertificates() {
    assertThatThrownBy(() -> server().clientAuth(ClientAuth.REQUIRE).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clientAuth REQUIRE needs trustCertificates");
    // OPTIONAL may fall back on the JDK trust store.
    assertThat(server().clientAuth(ClientAuth.OPTIONAL).build().clientAuth())
        .isEqualTo(ClientAuth.OPTIONAL);
  }

  @Test
  void pkcs1RsaKeysAreAccepted() throws Exception {
    TlsSettings tls = TlsSettings.server()
        .certificate(certs.rsaServer.certificate(), certs.rsaServer.privateKey()).build();

    assertThat(tls.privateKey().orElseThrow().getAlgorithm()).isEqualTo("RSA");
    assertThat(certs.rsaServer.privateKey()).content()
        .startsWith("-----BEGIN RSA PRIVATE KEY-----");
  }

  // ---- client side

  @Test
  void anEmptyClientMeansJdkDefaults() {
    TlsSettings tls = TlsSettings.client().build();

    assertThat(tls.side()).isEqualTo(Side.CLIENT);
    assertThat(tls.trustCertificates()).isEmpty();
    assertThat(tls.certificateChain()).isEmpty();
    assertThat(tls.privateKey()).isEmpty();
    assertThat(tls.certificateChainFile()).isEmpty();
    assertThat(tls.privateKeyFile()).isEmpty();
    assertThat(tls.serverName()).isEmpty();
    assertThat(tls.clientAuth()).isEqualTo(ClientAuth.NONE);
    assertThat(tls).hasToString("TlsSettings[CLIENT, trustCertificates=<JDK default>]");
  }

  @Test
  void clientKeepsWhatWasSet() {
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
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "localhost:9001", "https://handler.example", "a b", "h/x"})
  void aServerNameMustBeAHostName(String name) {
    assertThatThrownBy(() -> TlsSettings.client().serverName(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("serverName must be a host name")
        .hasMessageContaining("'" + name + "'");
  }

  // ---- in memory

  @Test
  void inMemoryMaterialIsTakenAndChecked() {
    X509Certificate[] chain = PemFiles.certificates("chain", certs.server.certificate());
    PrivateKey key = PemFiles.privateKey("key", certs.server.privateKey());
    X509Certificate[] ca = PemFiles.certificates("ca", certs.ca);

    TlsSettings tls = TlsSettings.server().certificate(List.of(chain), key)
        .trustCertificates(List.of(ca)).clientAuth(ClientAuth.REQUIRE).build();

    assertThat(tls.certificateChain()).containsExactly(chain);
    assertThat(tls.privateKey()).contains(key);
    assertThat(tls.trustCertificates()).containsExactly(ca);
    assertThat(tls.certificateChainFile()).isEmpty();
    assertThat(tls.trustCertificatesFile()).isEmpty();
    assertThat(tls.toString()).contains("certificate=CN=localhost,O=Org,C=CN (in memory)",
        "trustCertificates=1 in memory").doesNotContain(key.toString());

    PrivateKey otherKey = PemFiles.privateKey("key", certs.client.privateKey());
    assertThatThrownBy(() -> TlsSettings.server().certificate(List.of(chain), otherKey).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings certificate: the private key does not belong")
        .hasMessageContaining("CN=localhost,O=Org,C=CN");
    assertThatThrownBy(() -> TlsSettings.server().certificate(List.of(), key).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the chain is empty");
    assertThatThrownBy(() -> TlsSettings.client().trustCertificates(List.of()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trustCertificates: no certificate given");
  }

  // ---- files

  @Test
  void aMissingFileIsNamedWithItsSetting() {
    Path missing = dir.resolve("missing.pem");

    assertThatThrownBy(() -> TlsSettings.client().trustCertificates(missing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings trustCertificates file " + missing + " does not exist");
    assertThatThrownBy(() -> TlsSettings.client()
            .certificate(missing, certs.client.privateKey()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings certificate chain file " + missing + " does not exist");
    assertThatThrownBy(() -> TlsSettings.server()
            .certificate(certs.server.certificate(), missing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings private key file " + missing + " does not exist");
    // A CA file is read even while clients are not verified, so a wrong path shows at once.
    assertThatThrownBy(() -> server().trustCertificates(missing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings trustCertificates file " + missing + " does not exist");
  }

  @Test
  void aDirectoryIsNotAFile() {
    assertThatThrownBy(() -> TlsSettings.client().trustCertificates(dir).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings trustCertificates file " + dir + " is not a regular file");
  }

  @Test
  void aTrustFileWithoutCertificates() {
    assertThatThrownBy(() -> TlsSettings.client().trustCertificates(garbage).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings trustCertificates file " + garbage)
        .hasMessageContaining("-----BEGIN CERTIFICATE-----");
    assertThatThrownBy(() -> TlsSettings.client().trustCertificates(empty).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings trustCertificates file " + empty
            + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }

  @Test
  void aBadCertificateFile() {
    assertThatThrownBy(() -> TlsSettings.server()
            .certificate(garbage, certs.server.privateKey()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings certificate chain file " + garbage);
  }

  @Test
  void aKeyFileWithoutAKey() {
    // A common slip: the certificate given twice.
    assertThatThrownBy(() -> TlsSettings.client()
            .certificate(certs.client.certificate(), certs.client.certificate()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TlsSettings private key file " + certs.client.certificate()
            + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  }

  @Test
  void aKeyOfAnotherCertificate() {
    assertThatThrownBy(() -> TlsSettings.client()
            .certificate(certs.client.certificate(), certs.server.privateKey()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("TlsSettings certificate: the private key in "
            + certs.server.privateKey() + " does not belong to the first certificate in "
            + certs.client.certificate())
        .hasMessageContaining("CN=client,O=Org,C=CN");
    assertThatThrownBy(() -> TlsSettings.server()
            .certificate(certs.server.certificate(), certs.rsaServer.privateKey()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("TlsSettings certificate: the private key in "
            + certs.rsaServer.privateKey() + " does not belong to the first certificate in "
            + certs.server.certificate());
  }

  @Test
  void anEncryptedKeyIsRejectedWithWhatToDo() throws Exception {
    Path encrypted = TestCertificates.write(dir.resolve("encrypted.key"),
        TestCertificates.pem("ENCRYPTED PRIVATE KEY", new byte[] {0x30, 0x00}));

    assertThatThrownBy(() -> TlsSettings.server()
            .certificate(certs.server.certificate(), encrypted).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings private key file " + encrypted
            + " holds an encrypted private key")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void anSec1EcKeyIsRejectedWithWhatToDo() throws Exception {
    Path sec1 = TestCertificates.write(dir.resolve("sec1.key"),
        TestCertificates.pem("EC PRIVATE KEY", new byte[] {0x30, 0x00}));

    assertThatThrownBy(() -> TlsSettings.server()
            .certificate(certs.server.certificate(), sec1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings private key file " + sec1
            + " holds a 'EC PRIVATE KEY'")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void aDamagedKey() throws Exception {
    Path damaged = TestCertificates.write(dir.resolve("damaged.key"),
        TestCertificates.pem("PRIVATE KEY", new byte[] {1, 2, 3, 4}));

    assertThatThrownBy(() -> TlsSettings.server()
            .certificate(certs.server.certificate(), damaged).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TlsSettings private key file " + damaged
            + " holds a private key that is damaged or of an unsupported type");
  }

  @Test
  void theKeyFileGivenForTheCertificateIsNamed() {
    assertThatThrownBy(() -> TlsSettings.server()
            .certificate(certs.server.certificate(), certs.ca).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("private key").hasMessageContaining(certs.ca.toString());
  }

  // ---- other settings

  @Test
  void protocolsAndCiphersMustBeNames() {
    assertThatThrownBy(() -> server().protocols().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("protocols must not be empty");
    assertThatThrownBy(() -> server().protocols(" ").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("protocols");
    assertThatThrownBy(() -> server().ciphers(List.of("")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ciphers");
    // No ciphers is the default.
    assertThat(server().ciphers(List.of()).build().ciphers()).isEmpty();
  }

  @Test
  void nullsAreRejected() {
    assertThatThrownBy(() -> TlsSettings.client().trustCertificates((Path) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> TlsSettings.server().clientAuth(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> TlsSettings.client().serverName(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> TlsSettings.server().protocols("TLSv1.3", null))
        .isInstanceOf(NullPointerException.class);
  }

  // ---- the checks of the modules that take them

  @Test
  void aUseRefusesTheOtherSideAndWhatItCannotHonour() {
    TlsSettings client = TlsSettings.client().build();
    TlsSettings listener = server().build();

    assertThat(TlsChecks.requireSide(listener, Side.SERVER, "TcpListener tls"))
        .isSameAs(listener);
    assertThatThrownBy(() -> TlsChecks.requireSide(client, Side.SERVER, "TcpListener tls"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("TcpListener tls takes server settings (TlsSettings.server()),"
            + " not client settings");
    assertThatThrownBy(() -> TlsChecks.requireSide(listener, Side.CLIENT, "GrpcHandler tls"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("GrpcHandler tls takes client settings (TlsSettings.client()),"
            + " not server settings");

    TlsChecks.refuseProtocolsAndCiphers(listener, "GrpcAdapterServer tls");
    assertThatThrownBy(() -> TlsChecks.refuseProtocolsAndCiphers(
            server().protocols("TLSv1.3").build(), "GrpcAdapterServer tls"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("GrpcAdapterServer tls: protocols cannot be chosen here");
    assertThatThrownBy(() -> TlsChecks.refuseProtocolsAndCiphers(TlsSettings.client()
            .ciphers(List.of("TLS_AES_128_GCM_SHA256")).build(), "GrpcHandler tls"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("GrpcHandler tls: ciphers cannot be chosen here");
  }
}
