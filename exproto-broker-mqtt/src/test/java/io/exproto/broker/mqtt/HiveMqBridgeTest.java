package io.exproto.broker.mqtt;

import static io.exproto.broker.mqtt.BridgeFixture.WAIT;
import static io.exproto.broker.mqtt.BridgeFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.waitAtMost;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.Message;
import io.exproto.handler.ResultCode;
import io.exproto.testkit.HandlerEvent;
import io.exproto.testkit.RecordingHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both bridge modes against HiveMQ CE running in this JVM: qos, refusals, takeover, redelivery. */
class HiveMqBridgeTest {
  @TempDir
  static Path dir;
  static EmbeddedHiveMq hivemq;

  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void startBroker() throws Exception {
    hivemq = EmbeddedHiveMq.start(dir);
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (hivemq != null) {
      hivemq.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private MqttBroker.Builder bridge() {
    return MqttBroker.builder().server(hivemq.url()).connectTimeout(Duration.ofSeconds(5));
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

  private Mqtt5BlockingClient outsideClient(String id) {
    Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id)
        .serverHost("127.0.0.1").serverPort(hivemq.port).buildBlocking();
    c.connect();
    open.add(c::disconnect);
    return c;
  }

  private static String text(Message m) {
    return new String(m.payload(), StandardCharsets.UTF_8);
  }

  @Test
  void sessionModeCarriesEveryQosBothWaysWithDowngrade() throws Exception {
    BridgeFixture gw = gateway(started(bridge()));
    String sub = gw.device("qos-sub");
    String pub = gw.device("qos-pub");
    assertThat(hivemq.isConnected("qos-sub")).isTrue(); // the broker sees each device
    assertThat(gw.subscribe(sub, "q/2/#", 2).isSuccess()).isTrue();
    assertThat(gw.subscribe(sub, "q/1/#", 1).isSuccess()).isTrue();
    for (int qos = 0; qos <= 2; qos++) {
      assertThat(gw.publish(pub, "q/2/x", qos, "two-" + qos)).isEqualTo(AdapterResult.SUCCESS);
      assertThat(gw.publish(pub, "q/1/x", qos, "one-" + qos)).isEqualTo(AdapterResult.SUCCESS);
    }
    List<Message> got = gw.handler.awaitMessages(sub, 6, WAIT);
    assertThat(got).extracting(HiveMqBridgeTest::text)
        .containsExactlyInAnyOrder("two-0", "two-1", "two-2", "one-0", "one-1", "one-2");
    for (Message m : got) {
      int published = Integer.parseInt(text(m).substring(4));
      int subscribed = text(m).startsWith("two") ? 2 : 1;
      assertThat(m.qos()).as(text(m)).isEqualTo(Math.min(published, subscribed));
      assertThat(m.from()).isEqualTo("qos-pub");
      assertThat(m.topic()).startsWith("q/");
      assertThat(m.id()).matches("[0-9A-F]{32}");
    }

    // A client outside the gateway sees a device's publish and reaches a device.
    Mqtt5BlockingClient outside = outsideClient("outside-1");
    try (var publishes = outside.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
      outside.subscribeWith().topicFilter("up/#").qos(MqttQos.AT_LEAST_ONCE).send();
      assertThat(gw.publish(pub, "up/1", 1, "hello broker").isSuccess()).isTrue();
      var received = publishes.receive(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(received).isPresent();
      assertThat(new String(received.get().getPayloadAsBytes(), StandardCharsets.UTF_8))
          .isEqualTo("hello broker");
    }
    outside.publishWith().topic("q/1/down").qos(MqttQos.AT_LEAST_ONCE)
        .payload("from outside".getBytes(StandardCharsets.UTF_8)).send();
    assertThat(gw.handler.awaitMessages(sub, 7, WAIT).get(6).payload())
        .asString(StandardCharsets.UTF_8).isEqualTo("from outside");
  }

  @Test
  void brokerRefusalsAnswerPermissionDenyWithTheBrokersReason() throws Exception {
    BridgeFixture gw = gateway(started(bridge()));
    String conn = gw.connect();
    AdapterResult denied = gw.authenticate(conn, "refused-1", "denied", "x");
    assertThat(denied.code()).isEqualTo(ResultCode.PERMISSION_DENY);
    assertThat(denied.message()).contains("NOT_AUTHORIZED").contains("0x87")
        .contains("user denied by the test broker");
    AdapterResult badPassword = gw.authenticate(conn, "refused-1", "user", "wrong");
    assertThat(badPassword.code()).isEqualTo(ResultCode.PERMISSION_DENY);
    assertThat(badPassword.message()).contains("BAD_USER_NAME_OR_PASSWORD");
    // The socket stays open and a retry with good credentials succeeds.
    assertThat(gw.authenticate(conn, "refused-1", "user", "good").isSuccess()).isTrue();

    AdapterResult sub = gw.subscribe(conn, "forbidden/#", 1);
    assertThat(sub.code()).as(sub.message()).isEqualTo(ResultCode.PERMISSION_DENY);
    assertThat(sub.message()).contains("NOT_AUTHORIZED");
    assertThat(gw.publish(conn, "allowed/x", 1, "yes").isSuccess()).isTrue();
    AdapterResult pub = gw.publish(conn, "forbidden/x", 1, "no");
    assertThat(pub.code()).as(pub.message()).isEqualTo(ResultCode.PERMISSION_DENY);
    // HiveMQ answers PUBACK 0x87 with the authorizer's reason; under load it may instead end
    // the session with DISCONNECT 0x87 (its authorization did not finish in time): refused too.
    assertThat(pub.message()).contains("NOT_AUTHORIZED")
        .containsAnyOf("forbidden topic", "the MQTT broker ended the session");
  }

  @Test
  void takeoverOnTheSameGatewayKeepsTheNewSessionAndAnotherNodeDiscardsTheOld() throws Exception {
    MqttBroker broker1 = started(bridge());
    BridgeFixture node1 = gateway(broker1);
    String first = node1.device("dup");
    String second = node1.device("dup");
    assertThat(node1.handler.awaitClosed(first, WAIT)).isEqualTo("{shutdown,discarded}");
    // The old connection's cleanup did not end the new device's broker session.
    assertThat(node1.subscribe(second, "dup/in", 1).isSuccess()).isTrue();
    assertThat(node1.publish(second, "dup/in", 1, "still here").isSuccess()).isTrue();
    assertThat(text(node1.handler.awaitMessages(second, 1, WAIT).get(0))).isEqualTo("still here");
    assertThat(hivemq.isConnected("dup")).isTrue();
    assertThat(broker1.sessions()).isEqualTo(1);

    // The same client id on another gateway node: the broker takes the session over.
    BridgeFixture node2 = gateway(started(bridge()));
    String third = node2.device("dup");
    assertThat(node1.handler.awaitClosed(second, WAIT)).isEqualTo("{shutdown,discarded}");
    assertThat(node2.publish(third, "dup/in", 1, "node 2").isSuccess()).isTrue();
    waitAtMost(WAIT).until(() -> broker1.sessions() == 0);
  }

  @Test
  void anAdministrativeDisconnectKicksTheDevice() throws Exception {
    BridgeFixture gw = gateway(started(bridge()));
    String conn = gw.device("kick-me");
    assertThat(hivemq.kick("kick-me")).isTrue();
    assertThat(gw.handler.awaitClosed(conn, WAIT)).isEqualTo("{shutdown,kicked}");
  }

  @Test
  void aHandlerFailingMidBatchGetsTheMessagesAgainInTheNextSession() throws Exception {
    AtomicInteger batches = new AtomicInteger();
    RecordingHandler handler = new RecordingHandler().on(HandlerEvent.Type.RECEIVED_MESSAGES,
        (e, adapter) -> batches.incrementAndGet() == 1
            ? CompletableFuture.failedFuture(new IllegalStateException("crash mid-batch"))
            : CompletableFuture.completedFuture(null));
    MqttBroker broker = started(bridge().sessionExpiry(Duration.ofSeconds(60)));
    BridgeFixture gw = new BridgeFixture(broker, handler);
    open.add(gw);
    String conn = gw.device("redeliver");
    assertThat(gw.subscribe(conn, "rd/#", 1).isSuccess()).isTrue();
    Mqtt5BlockingClient outside = outsideClient("rd-publisher");
    for (int i = 0; i < 3; i++) {
      outside.publishWith().topic("rd/" + i).qos(MqttQos.AT_LEAST_ONCE)
          .payload(("m" + i).getBytes(StandardCharsets.UTF_8)).send();
    }
    assertThat(handler.awaitClosed(conn, WAIT)).startsWith("{shutdown,{error,{on_received_messages");
    List<String> firstTry = handler.messages(conn).stream().map(HiveMqBridgeTest::text).toList();
    assertThat(firstTry).isNotEmpty();

    // The same client reconnects: the broker resends what the handler never took.
    String again = gw.device("redeliver");
    List<Message> redelivered = handler.awaitMessages(again, 1, WAIT);
    waitAtMost(WAIT).until(() -> handler.messages(again).stream().map(HiveMqBridgeTest::text)
        .toList().containsAll(firstTry));
    assertThat(redelivered).allSatisfy(m -> assertThat(m.qos()).isEqualTo(1));
  }

  @Test
  void sharedModeCountsBrokerSubscriptionsAndFansOutLocally() throws Exception {
    MqttBroker broker = started(bridge().mode(MqttBridgeMode.SHARED).poolSize(2)
        .credentials("bridge", "secret"));
    BridgeFixture gw = gateway(broker);
    String a = gw.device("shared-a");
    String b = gw.device("shared-b");
    String pub = gw.device("shared-pub");
    assertThat(hivemq.isConnected("shared-a")).isFalse(); // the broker sees only the pool
    assertThat(gw.subscribe(a, "fan/#", 1).isSuccess()).isTrue();
    assertThat(gw.subscribe(b, "fan/#", 0).isSuccess()).isTrue();
    assertThat(broker.brokerSubscriptions()).isEqualTo(1);
    for (int qos = 0; qos <= 2; qos++) {
      assertThat(gw.publish(pub, "fan/x", qos, "f" + qos).isSuccess()).isTrue();
    }
    assertThat(gw.handler.awaitMessages(a, 3, WAIT)).extracting(Message::qos)
        .containsExactlyInAnyOrder(0, 1, 1);
    assertThat(gw.handler.awaitMessages(b, 3, WAIT)).extracting(Message::qos)
        .containsOnly(0);
    assertThat(gw.handler.messages(a)).extracting(Message::from).containsOnly("shared-pub");

    assertThat(await(gw.adapter().unsubscribe(a, "fan/#")).isSuccess()).isTrue();
    assertThat(broker.brokerSubscriptions()).isEqualTo(1);
    gw.devices.get(1).close(); // b leaves: its subscription goes with it
    waitAtMost(WAIT).until(() -> broker.brokerSubscriptions() == 0);

    // $share passes through: each message to exactly one member.
    assertThat(gw.subscribe(a, "$share/g/sh/#", 1).isSuccess()).isTrue();
    String c = gw.device("shared-c");
    assertThat(gw.subscribe(c, "$share/g/sh/#", 1).isSuccess()).isTrue();
    for (int i = 0; i < 10; i++) {
      assertThat(gw.publish(pub, "sh/" + i, 1, "s" + i).isSuccess()).isTrue();
    }
    waitAtMost(WAIT).until(() -> gw.handler.messages(a).stream().filter(m -> m.topic()
        .startsWith("sh/")).count() + gw.handler.messages(c).size() == 10);
    List<String> all = new ArrayList<>();
    gw.handler.messages(a).stream().filter(m -> m.topic().startsWith("sh/"))
        .forEach(m -> all.add(text(m)));
    gw.handler.messages(c).forEach(m -> all.add(text(m)));
    assertThat(all).hasSize(10).doesNotHaveDuplicates();
  }

  @Test
  void sharedModeWithCredentialsTheBrokerRefusesFailsToStartNamingTheCause() {
    MqttBroker broker = bridge().mode(MqttBridgeMode.SHARED).credentials("bridge", "wrong")
        .build();
    assertThatThrownBy(broker::start).isInstanceOf(IOException.class)
        .hasMessageContaining(hivemq.url()).hasMessageContaining("refused")
        .hasMessageContaining("BAD_USER_NAME_OR_PASSWORD");
    broker.close();
  }

  @Test
  void mqtt311CarriesQosAndMapsSubscriptionRefusals() throws Exception {
    BridgeFixture gw = gateway(started(bridge().version(MqttProtocolVersion.V3_1_1)));
    String conn = gw.device("v3-dev");
    assertThat(gw.subscribe(conn, "v3/#", 2).isSuccess()).isTrue();
    for (int qos = 0; qos <= 2; qos++) {
      assertThat(gw.publish(conn, "v3/x", qos, "v" + qos).isSuccess()).isTrue();
    }
    assertThat(gw.handler.awaitMessages(conn, 3, WAIT)).extracting(Message::qos)
        .containsExactlyInAnyOrder(0, 1, 2);
    AdapterResult sub = gw.subscribe(conn, "forbidden/#", 1);
    assertThat(sub.code()).isEqualTo(ResultCode.PERMISSION_DENY);
    assertThat(sub.message()).contains("FAILURE");
  }
}
