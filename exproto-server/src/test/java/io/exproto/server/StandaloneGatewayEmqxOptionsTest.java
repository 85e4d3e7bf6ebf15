package io.exproto.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.server.StandaloneGateway.Launch;
import io.exproto.testkit.TestCertificates;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * --config with the option blocks EMQX writes for its listeners: udp_options, health_check, and
 * the full ssl_options/dtls_options blocks (EMQX writes every key, defaults included).
 */
class StandaloneGatewayEmqxOptionsTest {
  @TempDir
  Path dir;

  @RegisterExtension
  final GatewayLauncher launcher = new GatewayLauncher();

  private Launch launch(String conf, String... flags) throws Exception {
    return launcher.launchWithConfig(dir.resolve("exproto.conf"), conf, flags);
  }

  private GatewayConfigFile load(String conf) throws Exception {
    Path file = dir.resolve("load.conf");
    Files.writeString(file, conf);
    return GatewayConfigFile.load(file.toFile());
  }

  private String err() {
    return launcher.err();
  }

  /** Launching {@code conf} is a usage error (exit 2) whose message contains {@code words}. */
  private void refused(String conf, String... words) throws Exception {
    launcher.resetOutput();
    assertThat(launch(conf).exitCode()).as(conf).isEqualTo(2);
    assertThat(err()).contains(words);
  }

  // ---- udp

  @Test
  void udpOptionsAreReadWithEmqxNames() throws Exception {
    GatewayConfigFile.ListenerConfig l = load("""
        listeners.udp.u {
          bind = 7993
          udp_options { active_n = 100, recbuf = 256KiB, sndbuf = 64KiB, buffer = 64KiB,
                        reuseaddr = true }
          health_check { request = "ping", reply = "pong" }
        }
        """).listeners().get(0);

    assertThat(l.udpOptions()).isEqualTo(new GatewayConfigFile.UdpOptions(true, 65_536, 262_144));
    assertThat(l.healthCheck()).isEqualTo(new GatewayConfigFile.HealthCheck("ping", "pong"));
    // An empty block (EMQX writes one) is no health check.
    assertThat(load("listeners.udp.u { bind = 7993, health_check {} }").listeners().get(0)
        .healthCheck()).isNull();
  }

  @Test
  void aUdpListenerAnswersItsHealthCheckAndEchoes() throws Exception {
    Launch launch = launch("""
        listeners.udp.u {
          bind = "127.0.0.1:0"
          udp_options { recbuf = 256KiB, sndbuf = 64KiB, active_n = 100 }
          health_check { request = "ping", reply = "pong" }
        }
        """);
    assertThat(launch.exitCode()).as(err()).isZero();
    InetSocketAddress udp = launch.running().listenerAddresses().get("u");
    try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      peer.setSoTimeout(10_000);
      assertThat(exchange(peer, udp, "ping")).isEqualTo("pong");
      assertThat(exchange(peer, udp, "hello")).isEqualTo("hello"); // the echo handler
    }
  }

  private static String exchange(DatagramSocket peer, InetSocketAddress to, String text)
      throws Exception {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    peer.send(new DatagramPacket(bytes, bytes.length, to));
    DatagramPacket reply = new DatagramPacket(new byte[256], 256);
    peer.receive(reply);
    return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8);
  }

  @Test
  void udpOptionMistakesAreUsageErrorsNamingTheKey() throws Exception {
    refused("listeners.udp.u { bind = 7993, udp_options.linger = 5 }",
        "listeners.udp.u.udp_options.linger is not a setting");
    refused("listeners.udp.u { bind = 7993, health_check.reply = pong }",
        "listeners.udp.u.health_check.request is required with a reply");
    refused("listeners.dtls.d { bind = 7993, health_check { request = a, reply = b } }",
        "listeners.dtls.d.health_check is not supported on dtls listeners");
    refused("listeners.tcp.t { bind = 7993, udp_options.recbuf = 1KiB }",
        "listeners.tcp.t.udp_options is not a setting");
  }

  // ---- ssl_options and dtls_options

  /** Every key of an EMQX 5 server ssl_options block, with EMQX's defaults. */
  private static String emqxSslOptions(TestCertificates certs, String extra) {
    return "{ cacertfile = \"" + certs.ca + "\", certfile = \"" + certs.server.certificate()
        + "\", keyfile = \"" + certs.server.privateKey() + "\"\n"
        + "  verify = verify_none, fail_if_no_peer_cert = false, reuse_sessions = true,"
        + " depth = 10\n"
        + "  password = \"\", secure_renegotiate = true, log_level = notice,"
        + " hibernate_after = 5s\n"
        + "  honor_cipher_order = true, client_renegotiation = true, gc_after_handshake = false\n"
        + "  user_lookup_fun = \"emqx_tls_psk:lookup\", enable_crl_check = false\n"
        + "  ocsp { enable_ocsp_stapling = false, refresh_interval = 5m,"
        + " refresh_http_timeout = 15s }\n"
        + "  " + extra + " }";
  }

  @Test
  void anEmqxSslOptionsBlockLoadsAndItsVersionsCiphersAndTimeoutApply() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    GatewayConfigFile.TlsFiles defaults = load("listeners.ssl.s { bind = 7994, ssl_options = "
        + emqxSslOptions(certs, "versions = [tlsv1.3, tlsv1.2], ciphers = [],"
        + " handshake_timeout = 15s") + " }").listeners().get(0).tls();
    assertThat(defaults.versions()).containsExactly("TLSv1.3", "TLSv1.2");
    assertThat(defaults.ciphers()).isNull();
    assertThat(defaults.handshakeTimeout()).isEqualTo(Duration.ofSeconds(15));

    Launch launch = launch("""
        server.bind = "127.0.0.1:0"
        listeners.ssl.s { bind = "127.0.0.1:0", ssl_options = %s }
        """.formatted(emqxSslOptions(certs, "versions = [\"tlsv1.2\"],"
        + " ciphers = [\"ECDHE-ECDSA-AES256-GCM-SHA384\"], handshake_timeout = 5s")));
    assertThat(launch.exitCode()).as(err()).isZero();
    try (SSLSocket s = StandaloneGatewayTlsTest.connect(
        launch.running().listenerAddresses().get("s"), certs.ca)) {
      s.getOutputStream().write("hi".getBytes(StandardCharsets.UTF_8));
      assertThat(new String(s.getInputStream().readNBytes(2), StandardCharsets.UTF_8))
          .isEqualTo("hi");
      assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
      assertThat(s.getSession().getCipherSuite())
          .isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    }
  }

  @Test
  void certificateFlagsReplaceTheFilesButKeepTheFilesVersions() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    Launch launch = launch("""
        server.bind = "127.0.0.1:0"
        listeners.ssl.s { bind = "127.0.0.1:0",
          ssl_options { certfile = /not/used.pem, keyfile = /not/used.key, versions = [tlsv1.2] } }
        """, "--certfile", certs.server.certificate().toString(),
        "--keyfile", certs.server.privateKey().toString());
    assertThat(launch.exitCode()).as(err()).isZero();
    try (SSLSocket s = StandaloneGatewayTlsTest.connect(
        launch.running().listenerAddresses().get("s"), certs.ca)) {
      s.startHandshake();
      assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
    }
  }

  @Test
  void anEmqxDtlsOptionsBlockWithPskCiphersLoads() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    // EMQX needed its PSK suites listed; here the suites follow the certificate and keys.
    Launch launch = launch("""
        server.bind = "127.0.0.1:0"
        listeners.dtls.d { bind = "127.0.0.1:0", acceptors = 16,
          udp_options { recbuf = 256KiB, sndbuf = 64KiB, reuseaddr = true, active_n = 100 }
          dtls_options = %s }
        """.formatted(emqxSslOptions(certs, "versions = [dtlsv1.2], handshake_timeout = 15s,"
        + " ciphers = [\"PSK-AES256-GCM-SHA384\", \"PSK-AES128-CCM8\"]")));
    assertThat(launch.exitCode()).as(err()).isZero();
    assertThat(launch.running().readyLine()).contains(" d=127.0.0.1:");
  }

  @Test
  void sslOptionsThisGatewayCannotHonourAreUsageErrorsNamingTheKey() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    String ssl = "listeners.ssl.s { bind = \"127.0.0.1:0\", ssl_options = ";
    refused(ssl + emqxSslOptions(certs, "versions = [tlsv9]") + " }",
        "listeners.ssl.s.ssl_options.versions: 'tlsv9' is not a TLS version");
    refused(ssl + emqxSslOptions(certs, "ciphers = [\"NOT-A-CIPHER\"]") + " }",
        "ciphers", "NOT-A-CIPHER");
    refused(ssl + emqxSslOptions(certs, "password = secret") + " }",
        "listeners.ssl.s.ssl_options.password: encrypted private keys are not supported");
    refused(ssl + emqxSslOptions(certs, "enable_crl_check = true") + " }",
        "enable_crl_check = true is not supported");
    refused(ssl + emqxSslOptions(certs, "ocsp.enable_ocsp_stapling = true") + " }",
        "ocsp.enable_ocsp_stapling = true is not supported");
    refused(ssl + emqxSslOptions(certs, "dhfile = dh.pem") + " }", "dhfile is not supported");
    refused("listeners.dtls.d { bind = \"127.0.0.1:0\", dtls_options = "
        + emqxSslOptions(certs, "versions = [dtlsv1]") + " }",
        "listeners.dtls.d.dtls_options.versions: 'dtlsv1' is not supported",
        "DTLS 1.2 only");
    refused("server { bind = \"127.0.0.1:0\", ssl_options = "
        + emqxSslOptions(certs, "ciphers = [\"ECDHE-ECDSA-AES256-GCM-SHA384\"]") + " }",
        "server.ssl_options.ciphers: only the JVM's defaults");
    refused("server { bind = \"127.0.0.1:0\", ssl_options = "
        + emqxSslOptions(certs, "versions = [tlsv1.3]") + " }",
        "server.ssl_options.versions: only the default");
  }
}
