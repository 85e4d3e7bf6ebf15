package io.exproto.broker.mqtt;

import static io.exproto.broker.mqtt.BridgeFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.waitAtMost;

import io.exproto.broker.BrokerMessage;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.Message;
import io.exproto.handler.ResultCode;
import io.exproto.testkit.HandlerEvent;
import io.exproto.testkit.TestCertificates;
import io.exproto.tls.TlsSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge against a real Mosquitto process with a password file and an ACL: interop with
 * mosquitto_sub/mosquitto_pub, two gateways on one broker, outages within and past the reconnect
 * window, TLS trust, and bad input.
 */
class MosquittoBridgeTest {
  @TempDir
  Path dir;
  MosquittoProcess mosquitto;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void startBroker() throws Exception {
    Assumptions.assumeTrue(MosquittoProcess.available(), MosquittoProcess.MISSING);
    mosquitto = MosquittoProcess.start(dir.resolve("mosquitto"), null);
    open.add(mosquitto);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private MqttBroker.Builder bridge(MosquittoProcess m) {
    return MqttBroker.builder().server(m.url()).connectTimeout(Duration.ofSeconds(3))
        .credentials("bridge", "bridgepw");
  }

  private MqttBroker started(MqttBroker.Builder b) throws IOException {
    MqttBroker broker = b.build().start();
    open.add(broker);
    return broker;
  }

  private BridgeFixture gateway(MqttBroker broker) throws Exception {
    BridgeFixture f = new BridgeFixture(broker);
    open.add(f);
    return f;
  }

  private static String device(BridgeFixture gw, String clientId, String user, String password)
      throws Exception {
    String conn = gw.connect();
    AdapterResult r = gw.authenticate(conn, clientId, user, password);
    assertThat(r.isSuccess()).as(r.toString()).isTrue();
    return conn;
  }

  private static String text(Message m) {
    return new String(m.payload(), StandardCharsets.UTF_8);
  }

  @Test
  void mosquittoClientsSeeDevicesAndReachThemAndTheAclAndPasswordsApply() throws Exception {
    BridgeFixture gw = gateway(started(bridge(mosquitto)));
    String conn = device(gw, "m-dev1", "dev1", "pw1");
    assertThat(gw.subscribe(conn, "devices/m-dev1/down", 1).isSuccess()).isTrue();

    Process sub = mosquitto.subscribe("devices/+/up", 1);
    waitAtMost(WAIT).until(() -> mosquitto.subscribed("devices/+/up"));
    // The device is a client of the broker in its own name (session mode), beside the bridge's.
    assertThat(mosquitto.connectedClientIds()).contains("m-dev1");
    assertThat(gw.publish(conn, "devices/m-dev1/up", 1, "temp=21").isSuccess()).isTrue();
    assertThat(MosquittoProcess.lines(sub, WAIT)).containsExactly("devices/m-dev1/up temp=21");

    mosquitto.publish("devices/m-dev1/down", "reboot", 1);
    Message down = gw.handler.awaitMessages(conn, 1, WAIT).get(0);
    assertThat(text(down)).isEqualTo("reboot");
    assertThat(down.qos()).isEqualTo(1);

    // Broker-side refusals: the ACL (PUBACK 0x87) and the password file (CONNACK).
    AdapterResult denied = gw.publish(conn, "secret/x", 1, "nope");
    assertThat(denied.code()).as(denied.message()).isEqualTo(ResultCode.PERMISSION_DENY);
    assertThat(denied.message()).contains("NOT_AUTHORIZED");
    String other = gw.connect();
    AdapterResult badPassword = gw.authenticate(other, "m-dev2", "dev2", "not-pw2");
    assertThat(badPassword.code()).isEqualTo(ResultCode.PERMISSION_DENY);
    assertThat(badPassword.message()).contains("refused the connection");
  }

  @Test
  void devicesOnTwoGatewaysTalkThroughTheBrokerAndTheSameClientIdMovesNodes() throws Exception {
    BridgeFixture node1 = gateway(started(bridge(mosquitto)));
    BridgeFixture node2 = gateway(started(bridge(mosquitto)));
    String alice = device(node1, "alice", "dev1", "pw1");
    String bob = device(node2, "bob", "dev2", "pw2");
    assertThat(node1.subscribe(alice, "chat/alice", 1).isSuccess()).isTrue();
    assertThat(node2.subscribe(bob, "chat/bob", 1).isSuccess()).isTrue();
    assertThat(node1.publish(alice, "chat/bob", 1, "hi bob").isSuccess()).isTrue();
    assertThat(node2.publish(bob, "chat/alice", 1, "hi alice").isSuccess()).isTrue();
    Message toBob = node2.handler.awaitMessages(bob, 1, WAIT).get(0);
    assertThat(text(toBob)).isEqualTo("hi bob");
    assertThat(toBob.from()).isEqualTo("alice"); // carried across nodes (MQTT 5 user property)
    assertThat(text(node1.handler.awaitMessages(alice, 1, WAIT).get(0))).isEqualTo("hi alice");

    // alice connects on node 2: the broker takes her session over, node 1 closes its device.
    String alice2 = device(node2, "alice", "dev1", "pw1");
    assertThat(node1.handler.awaitClosed(alice, WAIT)).isEqualTo("{shutdown,discarded}");
    assertThat(node2.subscribe(alice2, "chat/alice", 1).isSuccess()).isTrue();
    assertThat(node2.publish(bob, "chat/alice", 1, "moved?").isSuccess()).isTrue();
    assertThat(text(node2.handler.awaitMessages(alice2, 1, WAIT).get(0))).isEqualTo("moved?");
  }

  @Test
  void anOutageShorterThanTheWindowClosesNoDeviceAndEchoWorksAfter() throws Exception {
    MqttBroker broker = started(bridge(mosquitto).reconnectWindow(Duration.ofSeconds(20))
        .reconnectMaxDelay(Duration.ofMillis(500)));
    BridgeFixture gw = gateway(broker);
    String conn = device(gw, "outage-1", "dev1", "pw1");
    assertThat(gw.subscribe(conn, "devices/outage-1/echo", 1).isSuccess()).isTrue();
    assertThat(gw.publish(conn, "devices/outage-1/echo", 1, "before").isSuccess()).isTrue();
    gw.handler.awaitMessages(conn, 1, WAIT);

    mosquitto.kill();
    waitAtMost(WAIT).until(() -> broker.connectionsUp() == 0);
    AdapterResult qos0 = gw.publish(conn, "devices/outage-1/echo", 0, "lost");
    assertThat(qos0.code()).isEqualTo(ResultCode.UNKNOWN);
    assertThat(qos0.message()).contains("unreachable");
    // A qos 1 RawPublish waits for the broker, and so does flush() (a graceful shutdown's).
    CompletableFuture<Void> raw = broker.publish(new BrokerMessage("raw-1", "",
        "devices/outage-1/echo", 1, "raw".getBytes(StandardCharsets.UTF_8),
        System.currentTimeMillis())).toCompletableFuture();
    CompletableFuture<Void> flushed = broker.flush().toCompletableFuture();
    // ... and a device's qos 1 publish too (answered once the broker is back).
    CompletableFuture<AdapterResult> waiting = gw.adapter().publish(conn, "devices/outage-1/echo",
        1, "waited".getBytes(StandardCharsets.UTF_8)).toCompletableFuture();
    Thread.sleep(300); // what "waits" means: still unanswered a while later
    assertThat(raw).isNotDone();
    assertThat(waiting).isNotDone();
    assertThat(flushed).isNotDone();
    mosquitto.startProcess();
    waitAtMost(WAIT).until(() -> broker.connectionsUp() == 2); // the device's and the bridge's
    flushed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(raw).isCompleted(); // acknowledged: flush() waited for it
    AdapterResult waited = waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(waited.isSuccess()).as(waited.toString()).isTrue();
    assertThat(broker.flush().toCompletableFuture()).isCompleted(); // nothing pending now

    // The session and its subscription were restored: echo works, nobody was closed.
    assertThat(gw.publish(conn, "devices/outage-1/echo", 1, "after").isSuccess()).isTrue();
    waitAtMost(WAIT).until(() -> gw.handler.messages(conn).stream()
        .anyMatch(m -> text(m).equals("after")));
    assertThat(gw.handler.events(conn)).noneMatch(e -> e.type() == HandlerEvent.Type.SOCKET_CLOSED);
  }

  @Test
  void anOutagePastTheWindowClosesBridgedDevicesAndReleasesEverything() throws Exception {
    MqttBroker session = started(bridge(mosquitto).reconnectWindow(Duration.ofSeconds(2))
        .reconnectMaxDelay(Duration.ofMillis(300)));
    MqttBroker shared = started(bridge(mosquitto).mode(MqttBridgeMode.SHARED).poolSize(2)
        .reconnectWindow(Duration.ofSeconds(2)).reconnectMaxDelay(Duration.ofMillis(300)));
    BridgeFixture sessionGw = gateway(session);
    BridgeFixture sharedGw = gateway(shared);
    String s1 = device(sessionGw, "past-1", "dev1", "pw1");
    String s2 = device(sessionGw, "past-2", "dev2", "pw2");
    String p1 = device(sharedGw, "past-3", "", "");
    assertThat(sharedGw.subscribe(p1, "devices/x", 1).isSuccess()).isTrue();

    mosquitto.kill();
    for (String conn : List.of(s1, s2)) {
      assertThat(sessionGw.handler.awaitClosed(conn, WAIT))
          .isEqualTo("{shutdown,broker_unavailable}");
    }
    assertThat(sharedGw.handler.awaitClosed(p1, WAIT)).isEqualTo("{shutdown,broker_unavailable}");
    assertThat(session.sessions()).isZero();
    assertThat(shared.sessions()).isZero();
    waitAtMost(WAIT).until(() -> shared.brokerSubscriptions() == 0);
    // While the broker is down, a new device is refused with UNKNOWN, saying why.
    String late = sharedGw.connect();
    AdapterResult refused = sharedGw.authenticate(late, "late", "", "");
    assertThat(refused.code()).isEqualTo(ResultCode.UNKNOWN);
    assertThat(refused.message()).contains("unreachable");

    // The broker comes back: only the bridges' own connections return (1 + pool of 2).
    mosquitto.startProcess();
    waitAtMost(WAIT).until(() -> session.connectionsUp() == 1 && shared.connectionsUp() == 2);
    waitAtMost(WAIT).untilAsserted(() -> assertThat(mosquitto.connectedClientIds()).hasSize(3));

    // Closing the gateways and bridges releases every connection and every client thread.
    closeAll();
    open.clear();
    mosquitto = MosquittoProcess.start(dir.resolve("mosquitto-2"), null); // a fresh one to count
    open.add(mosquitto);
    waitAtMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
        Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
            .filter(n -> n.startsWith("exproto-mqtt-")).toList()).isEmpty());
  }

  @Test
  void anUntrustedBrokerCertificateIsAClearErrorAndATrustedOneWorks() throws Exception {
    TestCertificates brokerCa = TestCertificates.create(
        java.nio.file.Files.createDirectories(dir.resolve("broker-ca")));
    TestCertificates otherCa = TestCertificates.create(
        java.nio.file.Files.createDirectories(dir.resolve("other-ca")));
    MosquittoProcess tls = MosquittoProcess.start(dir.resolve("mosquitto-tls"), new Path[] {
        brokerCa.ca, brokerCa.server.certificate(), brokerCa.server.privateKey()});
    open.add(tls);
    String url = "mqtts://127.0.0.1:" + tls.port;

    MqttBroker untrusted = MqttBroker.builder().server(url).credentials("bridge", "bridgepw")
        .tls(TlsSettings.client().trustCertificates(otherCa.ca).build())
        .connectTimeout(Duration.ofSeconds(3)).build();
    assertThatThrownBy(untrusted::start).isInstanceOf(IOException.class)
        .hasMessageContaining(url).hasMessageContaining("TLS handshake failed")
        .hasMessageContaining("certificate");
    untrusted.close();

    MqttBroker trusted = started(MqttBroker.builder().server(url).credentials("bridge", "bridgepw")
        .tls(TlsSettings.client().trustCertificates(brokerCa.ca).serverName("localhost").build())
        .connectTimeout(Duration.ofSeconds(3)));
    BridgeFixture gw = gateway(trusted);
    String conn = device(gw, "tls-dev", "dev1", "pw1");
    assertThat(gw.subscribe(conn, "devices/tls", 2).isSuccess()).isTrue();
    assertThat(gw.publish(conn, "devices/tls", 2, "over tls").isSuccess()).isTrue();
    assertThat(text(gw.handler.awaitMessages(conn, 1, WAIT).get(0))).isEqualTo("over tls");
  }

  @Test
  void badInputFailsClearly() throws Exception {
    int closed = MosquittoProcess.freePort();
    MqttBroker unreachable = MqttBroker.builder().server("mqtt://127.0.0.1:" + closed)
        .connectTimeout(Duration.ofSeconds(2)).build();
    assertThatThrownBy(unreachable::start).isInstanceOf(IOException.class)
        .hasMessageContaining("cannot connect to the MQTT broker at mqtt://127.0.0.1:" + closed)
        .hasMessageContaining("refused");
    unreachable.close();

    MqttBroker wrong = bridge(mosquitto).mode(MqttBridgeMode.SHARED)
        .credentials("bridge", "not-the-password").build();
    assertThatThrownBy(wrong::start).isInstanceOf(IOException.class)
        .hasMessageContaining("refused the bridge's connection (username 'bridge')");
    wrong.close();
  }
}
