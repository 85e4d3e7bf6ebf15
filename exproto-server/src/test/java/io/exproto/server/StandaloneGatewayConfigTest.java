package io.exproto.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.server.StandaloneGateway.Launch;
import io.exproto.testkit.TcpTestDevice;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** --config: an EMQX-shaped gateway.exproto block, with flags overriding it. */
class StandaloneGatewayConfigTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  @RegisterExtension
  final GatewayLauncher launcher = new GatewayLauncher();

  private Launch launch(String conf, String... flags) throws Exception {
    return launcher.launchWithConfig(dir.resolve("exproto.conf"), conf, flags);
  }

  private String err() {
    return launcher.err();
  }

  @Test
  void aSyntaxErrorIsOneLineNamingTheFileAndLineOnce() throws Exception {
    Launch launch = launch("gateway.exproto {\n  mountpoint = \"a/\"\n  server { bind = \"127.0.0.1:0\"\n");
    assertThat(launch.exitCode()).isEqualTo(2);
    String file = dir.resolve("exproto.conf").toString();
    assertThat(err().lines().toList()).containsExactly(
        "error: config file " + file + ", line 4: the file ends inside a { } block or [ ] list:"
            + " a closing '}' or ']' is missing",
        "see 'exproto-gateway --help' for the flags");
  }

  @Test
  void enableFalseIsRefusedWithItsPath() throws Exception {
    Launch launch = launch("gateway.exproto { enable = false }");
    assertThat(launch.exitCode()).isEqualTo(2);
    assertThat(err()).startsWith("error: gateway.exproto.enable = false: this process is only"
        + " the exproto gateway");
    launcher.resetOutput();
    launch = launch("gateway.exproto { enable = true, enable_stats = true,"
        + " listeners.tcp.default.bind = \"127.0.0.1:0\", server.bind = \"127.0.0.1:0\" }");
    assertThat(launch.exitCode()).as(err()).isZero();
    launch.running().close();
    launcher.resetOutput();
    assertThat(launch("enable_stats = false").exitCode()).isEqualTo(2);
    assertThat(err()).startsWith("error: enable_stats = false is not supported");
  }

  @Test
  void readsListenersServerMountpointAndIdleTimeoutFromAnEmqxBlock() throws Exception {
    Launch launch = launch("""
        gateway.exproto {
          mountpoint = "dev/"
          idle_timeout = 200ms
          server { bind = "127.0.0.1:0" }
          listeners.tcp.main { bind = "127.0.0.1:0", max_connections = 10 }
        }
        """);
    assertThat(launch.exitCode()).as(err()).isZero();
    assertThat(launch.running().readyLine()).startsWith("exproto gateway ready: main=127.0.0.1:")
        .contains(" adapter=127.0.0.1:");
    InetSocketAddress tcp = launch.running().listenerAddresses().get("main");
    try (TcpTestDevice echo = TcpTestDevice.connect(tcp);
        TcpTestDevice silent = TcpTestDevice.connect(tcp)) {
      assertThat(echo.send("hi").readText(2, WAIT)).isEqualTo("hi");
      // idle_timeout = 200ms from the file closes the silent one.
      assertThat(silent.awaitClosedByGateway(WAIT)).isTrue();
    }
  }

  @Test
  void udpListenersFromFlagsAndFileEcho() throws Exception {
    Launch launch = launch("""
        server.bind = "127.0.0.1:0"
        listeners.udp.coap { bind = "127.0.0.1:0", max_connections = 100, max_conn_rate = 50,
                             access_rules = ["allow 127.0.0.0/8", "deny all"] }
        listeners.tcp.default { bind = "127.0.0.1:0", max_conn_rate = 50,
                                access_rules = ["allow 127.0.0.1", "deny all"] }
        """);
    assertThat(launch.exitCode()).as(err()).isZero();
    assertThat(launch.running().readyLine()).contains(" coap=127.0.0.1:").contains(" default=");
    InetSocketAddress udp = launch.running().listenerAddresses().get("coap");
    try (java.net.DatagramSocket peer = new java.net.DatagramSocket(
        new InetSocketAddress("127.0.0.1", 0))) {
      peer.setSoTimeout((int) WAIT.toMillis());
      byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
      peer.send(new java.net.DatagramPacket(hello, hello.length, udp));
      java.net.DatagramPacket reply = new java.net.DatagramPacket(new byte[64], 64);
      peer.receive(reply);
      assertThat(new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8))
          .isEqualTo("hello");
    }
    try (TcpTestDevice tcp = TcpTestDevice.connect(
        launch.running().listenerAddresses().get("default"))) {
      assertThat(tcp.send("ok").readText(2, WAIT)).isEqualTo("ok");
    }
  }

  @Test
  void flagsOverrideTheFile() throws Exception {
    Launch launch = launch("""
        server { bind = "127.0.0.1:0" }
        listeners.tcp.fromfile { bind = "127.0.0.1:0" }
        """, "--listen", "tcp://127.0.0.1:0");
    assertThat(launch.exitCode()).as(err()).isZero();
    assertThat(launch.running().listenerAddresses()).containsOnlyKeys("tcp");
  }

  @Test
  void handlerServiceFromTheFileIsUsed() throws Exception {
    Launch launch = launch("""
        server.bind = "127.0.0.1:0"
        listeners.tcp.default.bind = "127.0.0.1:0"
        handler { address = "http://127.0.0.1:1", service_name = ConnectionHandler, timeout = 5s }
        """);
    assertThat(launch.exitCode()).as(err()).isZero();
    assertThat(launch.running().readyLine())
        .endsWith("handler=http://127.0.0.1:1 (ConnectionHandler)");
  }

  /** EMQX's own example line: the secret's 64 characters are the key, not 32 hex-decoded bytes. */
  private static final String EMQX_IDENTITY = "myclient1";
  private static final String EMQX_SECRET =
      "8c701116e9127c57a99d5563709af3deaca75563e2c4dd0865701ae839fb6d79";

  private Path pskFile(String text) throws Exception {
    return Files.writeString(dir.resolve("psk.txt"), text);
  }

  @Test
  void emqxPskAuthenticationGivesAPskOnlyDtlsListenerThatEchoes() throws Exception {
    Path psk = pskFile("other;x\n" + EMQX_IDENTITY + ";" + EMQX_SECRET + "\n");
    Launch launch = launch("""
        gateway.exproto {
          server.bind = "127.0.0.1:0"
          listeners.dtls.psk { bind = "127.0.0.1:0", max_conn_rate = 100,
                               access_rules = ["allow 127.0.0.1", "deny all"] }
        }
        psk_authentication {
          enable = true
          init_file = "%s"
          separator = ";"
          chunk_size = 50
        }
        """.formatted(psk));
    assertThat(launch.exitCode()).as(err()).isZero();
    InetSocketAddress dtls = launch.running().listenerAddresses().get("psk");
    try (DtlsTestClient device = DtlsTestClient.psk(dtls, EMQX_IDENTITY,
        EMQX_SECRET.getBytes(StandardCharsets.US_ASCII))) {
      device.send("over dtls");
      assertThat(device.receive()).isEqualTo("over dtls");
    }
    // The key is the text itself: a client holding the hex-decoded bytes does not get in.
    try (DtlsTestClient wrong = DtlsTestClient.psk(dtls, EMQX_IDENTITY,
        java.util.HexFormat.of().parseHex(EMQX_SECRET))) {
      wrong.send("nope");
      assertThat(wrong.receive(2000)).isNull();
    }
  }

  @Test
  void aDtlsListenerWithCertificateAndPskAcceptsBoth() throws Exception {
    io.exproto.testkit.TestCertificates certs = io.exproto.testkit.TestCertificates.create(dir);
    Path psk = pskFile("device-1:s3cret-key\n");
    // A file that is only the gateway.exproto block: psk_authentication at its top level.
    Launch launch = launch("""
        server.bind = "127.0.0.1:0"
        listeners.dtls.both {
          bind = "127.0.0.1:0"
          dtls_options { certfile = "%s", keyfile = "%s" }
        }
        psk_authentication { enable = true, init_file = "%s" }
        """.formatted(certs.server.certificate(), certs.server.privateKey(), psk));
    assertThat(launch.exitCode()).as(err()).isZero();
    InetSocketAddress dtls = launch.running().listenerAddresses().get("both");
    try (DtlsTestClient byKey = DtlsTestClient.psk(dtls, "device-1",
            "s3cret-key".getBytes(StandardCharsets.US_ASCII));
        DtlsTestClient byCertificate = DtlsTestClient.certificate(dtls, certs.ca)) {
      byKey.send("psk");
      byCertificate.send("x509");
      assertThat(byKey.receive()).isEqualTo("psk");
      assertThat(byCertificate.receive()).isEqualTo("x509");
    }
  }

  @Test
  void pskAuthenticationMistakesAreUsageErrorsNamingTheKeyFileOrLine() throws Exception {
    String dtls = "server.bind = \"127.0.0.1:0\"\nlisteners.dtls.d.bind = \"127.0.0.1:0\"\n";
    Path psk = pskFile("good:1\nbad line\n");
    assertThat(launch(dtls + "psk_authentication { enable = true, init_file = \"" + psk
        + "\" }").exitCode()).isEqualTo(2);
    assertThat(err()).contains("psk_authentication.init_file: psk file " + psk
        + " line 2: no separator ':'");
    launcher.resetOutput();
    assertThat(launch(dtls + "psk_authentication { enable = true, init_file = \"" + dir
        + "/none.txt\" }").exitCode()).isEqualTo(2);
    assertThat(err()).contains("none.txt cannot be read: no such file");
    launcher.resetOutput();
    assertThat(launch(dtls + "psk_authentication.enable = true").exitCode()).isEqualTo(2);
    assertThat(err()).contains("psk_authentication.init_file is required with enable = true");
    launcher.resetOutput();
    assertThat(launch(dtls + "psk_authentication { enable = true, init_file = x, cipher = y }")
        .exitCode()).isEqualTo(2);
    assertThat(err()).contains("psk_authentication.cipher is not a setting this gateway knows");
    launcher.resetOutput();
    assertThat(launch("gateway.exproto.psk_authentication.enable = true").exitCode())
        .isEqualTo(2);
    assertThat(err()).contains("psk_authentication is a top-level block");
    launcher.resetOutput();
    // Disabled (EMQX's default): the keys are not used, so a dtls listener needs a certificate.
    assertThat(launch(dtls + "psk_authentication { enable = false, init_file = \"" + psk
        + "\" }").exitCode()).isEqualTo(2);
    assertThat(err()).contains("dtls listeners need --certfile and --keyfile, or --pskfile")
        .contains("'d' has neither");
  }

  @Test
  void unknownKeysAndBadValuesAreUsageErrorsNamingTheKey() throws Exception {
    assertThat(launch("gateway.exproto { idle_timout = 5s }").exitCode()).isEqualTo(2);
    assertThat(err()).contains("gateway.exproto.idle_timout is not a setting this gateway knows");
    launcher.resetOutput();
    assertThat(launch("listeners.quic.x.bind = 8883").exitCode()).isEqualTo(2);
    assertThat(err()).contains("listener types are tcp, ssl, udp and dtls");
    launcher.resetOutput();
    assertThat(launch("listeners.ssl.x.bind = 8883").exitCode()).isEqualTo(2);
    assertThat(err()).contains("listeners.ssl.x.ssl_options (certfile, keyfile) is required");
    launcher.resetOutput();
    assertThat(launch("listeners.tcp.x { bind = 7993, access_rules = [\"allow nowhere\"] }")
        .exitCode()).isEqualTo(2);
    assertThat(err()).contains("access rule 'allow nowhere'");
    launcher.resetOutput();
    assertThat(launch("server { bind = \"127.0.0.1:0\", ssl_options { certfile = /nope.pem,"
        + " keyfile = /nope.key } }").exitCode()).isEqualTo(2);
    assertThat(err()).contains("server.ssl_options").contains("/nope.pem");
    launcher.resetOutput();
    assertThat(launch("handler.address = \"http://127.0.0.1:1\"", "--handler-service", "Bogus")
        .exitCode()).isEqualTo(2);
    assertThat(err()).contains("ConnectionUnaryHandler or ConnectionHandler");
  }

  @Test
  void tcpOptionsAreReadWithEmqxNamesAndSizes() throws Exception {
    Path file = dir.resolve("tcp.conf");
    Files.writeString(file, """
        gateway.exproto.listeners.tcp.t {
          bind = 7993
          acceptors = 16
          tcp_options { nodelay = false, reuseaddr = true, sndbuf = 64KiB, recbuf = 4096,
                        backlog = 128, send_timeout = 5s, send_timeout_close = true,
                        max_pending_outbound_bytes = 1MiB, active_n = 100 }
        }
        """);
    GatewayConfigFile.TcpOptions o = GatewayConfigFile.load(file.toFile()).listeners().get(0)
        .tcpOptions();

    assertThat(o).isEqualTo(new GatewayConfigFile.TcpOptions(false, true, 65_536, 4096, 128,
        Duration.ofSeconds(5), 1 << 20));
  }

  @Test
  void aGatewayWithTcpOptionsStartsAndEchoes() throws Exception {
    Launch launch = launch("""
        server.bind = "127.0.0.1:0"
        listeners.tcp.t {
          bind = "127.0.0.1:0"
          tcp_options { send_timeout = 0s, max_pending_outbound_bytes = 64KiB, nodelay = true }
        }
        """);
    assertThat(launch.exitCode()).as(err()).isZero();
    try (TcpTestDevice d = TcpTestDevice.connect(launch.running().listenerAddresses().get("t"))) {
      assertThat(d.send("hi").readText(2, WAIT)).isEqualTo("hi");
    }
  }

  @Test
  void tcpOptionMistakesAreUsageErrorsNamingTheKey() throws Exception {
    assertThat(launch("listeners.tcp.t { bind = 7993, tcp_options.send_timeout_close = false }")
        .exitCode()).isEqualTo(2);
    assertThat(err()).contains("listeners.tcp.t.tcp_options.send_timeout_close = false is not"
        + " supported").contains("send_timeout = 0s");
    launcher.resetOutput();
    assertThat(launch("listeners.tcp.t { bind = 7993, tcp_options.linger = 5 }").exitCode())
        .isEqualTo(2);
    assertThat(err()).contains("listeners.tcp.t.tcp_options.linger is not a setting");
    launcher.resetOutput();
    assertThat(launch("listeners.udp.u { bind = 7993, tcp_options.nodelay = true }").exitCode())
        .isEqualTo(2);
    assertThat(err()).contains("listeners.udp.u.tcp_options is not a setting");
    launcher.resetOutput();
    assertThat(launch("listeners.tcp.t { bind = \"127.0.0.1:0\","
        + " tcp_options.max_pending_outbound_bytes = 1KiB }").exitCode()).isEqualTo(2);
    assertThat(err()).contains("maxPendingOutboundBytes");
  }
}
