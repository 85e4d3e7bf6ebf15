package io.exproto.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.broker.mqtt.MosquittoProcess;
import io.exproto.server.StandaloneGateway.Launch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code --broker}, {@code --broker-mode} and the {@code broker} block of {@code --config}. */
class StandaloneGatewayBrokerTest {
  @RegisterExtension
  final GatewayLauncher launcher = new GatewayLauncher();
  @TempDir
  Path dir;

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void badBrokerSettingsAreUsageErrorsNamingTheSetting() throws Exception {
    Launch l = launcher.launch("--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--broker", "http://127.0.0.1:1883");
    assertThat(l.exitCode()).isEqualTo(2);
    assertThat(launcher.err()).contains("--broker").contains("mqtt://");

    launcher.resetOutput();
    l = launcher.launch("--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--broker-mode", "shared");
    assertThat(l.exitCode()).isEqualTo(2);
    assertThat(launcher.err()).contains("--broker-mode needs a broker");

    launcher.resetOutput();
    l = launcher.launch("--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--broker", "mqtt://127.0.0.1:1883", "--broker-mode", "pooled");
    assertThat(l.exitCode()).isEqualTo(2);
    assertThat(launcher.err()).contains("must be session or shared");

    launcher.resetOutput();
    l = launcher.launchWithConfig(dir.resolve("g.conf"), """
        gateway.exproto {
          broker { type = mqtt, server = "mqtt://127.0.0.1:1883", pool = 3 }
        }
        """, "--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0");
    assertThat(l.exitCode()).isEqualTo(2);
    assertThat(launcher.err()).contains("gateway.exproto.broker.pool is not a setting");
  }

  @Test
  void anUnreachableBrokerStopsTheStartWithAClearError() throws Exception {
    int port = closedPort();
    Launch l = launcher.launch("--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0",
        "--broker", "mqtt://127.0.0.1:" + port);
    assertThat(l.exitCode()).isEqualTo(1);
    assertThat(launcher.err()).contains("cannot connect to the MQTT broker at mqtt://127.0.0.1:"
        + port);
    assertThat(launcher.out()).doesNotContain("ready");
  }

  @Test
  void withoutBrokerTheReadyLineIsUnchangedAndWithOneItNamesIt() throws Exception {
    Launch plain = launcher.launch("--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0");
    assertThat(plain.running().readyLine()).doesNotContain("broker");
    plain.running().close();

    Assumptions.assumeTrue(MosquittoProcess.available(), MosquittoProcess.MISSING);
    try (MosquittoProcess mosquitto = MosquittoProcess.start(dir.resolve("m"), null)) {
      Launch l = launcher.launchWithConfig(dir.resolve("b.conf"), """
          gateway.exproto {
            broker { username = bridge, password = bridgepw, mode = shared, pool_size = 2,
                     reconnect_window = 5s }
          }
          """, "--listen", "tcp://127.0.0.1:0", "--adapter", "127.0.0.1:0",
          "--broker", mosquitto.url());
      assertThat(l.exitCode()).as(launcher.err()).isZero();
      assertThat(l.running().readyLine()).endsWith(" broker=" + mosquitto.url()
          + " (shared mode, MQTT 5, pool of 2)");
      // The built-in echo handler still answers through the bridged gateway.
      int port = l.running().listenerAddresses().get("tcp").getPort();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
        OutputStream out = s.getOutputStream();
        out.write("hello\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
            StandardCharsets.UTF_8));
        assertThat(in.readLine()).isEqualTo("hello");
      }
      l.running().close();
    }
  }
}
