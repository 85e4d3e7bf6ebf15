package io.exproto.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.server.StandaloneGateway.Launch;
import io.exproto.testkit.TestCertificates;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** ssl:// and dtls:// listeners from the command line, with certificates made at test time. */
class StandaloneGatewayTlsTest {
  @TempDir
  Path dir;

  @RegisterExtension
  final GatewayLauncher launcher = new GatewayLauncher();

  private Launch launch(String... args) {
    return launcher.launch(args);
  }

  private String err() {
    return launcher.err();
  }

  /** A TLS client socket to {@code to} that trusts {@code caPem} only. */
  static SSLSocket connect(InetSocketAddress to, Path caPem) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = java.nio.file.Files.newInputStream(caPem)) {
      trust.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(to.getAddress(), to.getPort());
    s.setSoTimeout(10_000);
    return s;
  }

  @Test
  void sslAndDtlsListenersStartFromFlagsAndSslEchoes() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    Launch launch = launch("--listen", "ssl://127.0.0.1:0", "--listen", "dtls://127.0.0.1:0",
        "--adapter", "127.0.0.1:0", "--certfile", certs.server.certificate().toString(),
        "--keyfile", certs.server.privateKey().toString());
    assertThat(launch.exitCode()).as(err()).isZero();
    assertThat(launch.running().readyLine()).contains(" ssl=127.0.0.1:").contains(" dtls=127.0.0.1:");
    try (SSLSocket s = connect(launch.running().listenerAddresses().get("ssl"), certs.ca)) {
      s.getOutputStream().write("secure".getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      assertThat(new String(s.getInputStream().readNBytes(6), StandardCharsets.UTF_8))
          .isEqualTo("secure");
    }
  }

  @Test
  void verifyRequiresAClientCertificate() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    Launch launch = launch("--listen", "ssl://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--certfile", certs.server.certificate().toString(),
        "--keyfile", certs.server.privateKey().toString(),
        "--cacertfile", certs.ca.toString(), "--verify");
    assertThat(launch.exitCode()).as(err()).isZero();
    assertThatThrownBy(() -> {
      try (SSLSocket s = connect(launch.running().listenerAddresses().get("ssl"), certs.ca)) {
        s.getOutputStream().write(1);
        s.getOutputStream().flush();
        if (s.getInputStream().read() < 0) {
          throw new java.io.EOFException("closed by the gateway");
        }
      }
    }).isInstanceOf(java.io.IOException.class);
  }

  @Test
  void pskfileGivesADtlsListenerWithoutCertificateThatEchoes() throws Exception {
    Path psk = java.nio.file.Files.writeString(dir.resolve("psk.txt"),
        "# id:secret\nemqx_c:BA0DB2A3448345A3A13A91C2ADA44778\ndevice-2:k2\n");
    Launch launch = launch("--listen", "dtls://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--pskfile", psk.toString());
    assertThat(launch.exitCode()).as(err()).isZero();
    InetSocketAddress dtls = launch.running().listenerAddresses().get("dtls");
    try (DtlsTestClient a = DtlsTestClient.psk(dtls, "emqx_c",
            "BA0DB2A3448345A3A13A91C2ADA44778".getBytes(StandardCharsets.US_ASCII));
        DtlsTestClient b = DtlsTestClient.psk(dtls, "device-2",
            "k2".getBytes(StandardCharsets.US_ASCII))) {
      a.send("hello");
      b.send("world");
      assertThat(a.receive()).isEqualTo("hello");
      assertThat(b.receive()).isEqualTo("world");
    }
  }

  @Test
  void badPskfilesAreUsageErrors() throws Exception {
    Path psk = java.nio.file.Files.writeString(dir.resolve("psk.txt"), "a:1\n:2\n");
    assertThat(launch("--listen", "dtls://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--pskfile", psk.toString()).exitCode()).isEqualTo(2);
    assertThat(err()).contains("--pskfile")
        .contains("line 2: the identity before ':' is empty");
    launcher.resetOutput();
    assertThat(launch("--listen", "dtls://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--pskfile", dir.resolve("absent.txt").toString()).exitCode()).isEqualTo(2);
    assertThat(err()).contains("absent.txt cannot be read");
    launcher.resetOutput();
    assertThat(launch("--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--pskfile", psk.toString()).exitCode()).isEqualTo(2);
    assertThat(err()).contains("no dtls listener");
    launcher.resetOutput();
    assertThat(launch("--listen", "dtls://127.0.0.1:0", "--adapter", "127.0.0.1:0")
        .exitCode()).isEqualTo(2);
    assertThat(err())
        .contains("dtls listeners need --certfile and --keyfile, or --pskfile");
  }

  @Test
  void missingKeyFileIsAUsageError() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    Launch launch = launch("--listen", "ssl://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--certfile", certs.server.certificate().toString());
    assertThat(launch.exitCode()).isEqualTo(2);
    assertThat(err()).contains("keyfile");
  }
}
