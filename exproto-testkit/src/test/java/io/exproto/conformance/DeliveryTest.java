package io.exproto.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.broker.BrokerMessage;
import io.exproto.broker.Subscriber;
import io.exproto.handler.Message;
import io.exproto.testkit.HandlerEvent;
import io.exproto.testkit.HandlerEvent.Type;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Publish, Subscribe, RawPublish and deliveries (docs/behaviour.md, Publish, Subscribe, RawPublish and deliveries), batching (Callback ordering). */
class DeliveryTest extends EngineFixture {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void publishReachesSubscriberWithAllMessageFields() throws Exception {
    start();
    String sub = connect();
    String pub = connect();
    auth(sub, "sub");
    auth(pub, "pub");
    assertThat(await(adapter.subscribe(sub, "room/+", 1)).isSuccess()).isTrue();
    long before = clock.currentTimeMillis();
    assertThat(await(adapter.publish(pub, "room/1", 2, utf8("hello"))).isSuccess()).isTrue();
    Message m = handler.awaitMessages(sub, 1, WAIT).get(0);
    assertThat(m.node()).isEqualTo("test@node");
    assertThat(m.id()).matches("[0-9A-F]{32}");
    assertThat(m.qos()).as("min(2, 1)").isEqualTo(1);
    assertThat(m.from()).isEqualTo("pub");
    assertThat(m.topic()).isEqualTo("room/1");
    assertThat(m.payload()).asString(StandardCharsets.UTF_8).isEqualTo("hello");
    assertThat(m.timestamp()).isEqualTo(before);
    assertThat(handler.messages(pub)).isEmpty();
  }

  @Test
  void unsubscribeStopsDeliveries() throws Exception {
    start();
    String c = connect();
    auth(c, "c");
    await(adapter.subscribe(c, "t", 0));
    await(adapter.rawPublish("t", 0, utf8("1")));
    handler.awaitMessages(c, 1, WAIT);
    await(adapter.unsubscribe(c, "t"));
    assertThat(broker.subscriptionCount()).isZero();
    await(adapter.rawPublish("t", 0, utf8("2")));
    await(adapter.subscribe(c, "other", 0));
    await(adapter.rawPublish("other", 0, utf8("3")));
    List<Message> got = handler.awaitMessages(c, 2, WAIT);
    assertThat(got).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8))
        .containsExactly("1", "3");
  }

  @Test
  void mountpointIsPrependedAndStripped() throws Exception {
    start(b -> b.mountpoint("dev/${clientid}/${username}/"));
    String c = connect();
    auth(c, "c1"); // username user-c1
    List<BrokerMessage> seen = new CopyOnWriteArrayList<>();
    Subscriber probe = (m, qos) -> seen.add(m);
    broker.subscribe("#", 0, probe);
    await(adapter.subscribe(c, "in/#", 0));
    await(adapter.subscribe(c, "$share/g/shared/t", 0));
    await(adapter.publish(c, "out", 0, utf8("x")));
    assertThat(seen).extracting(BrokerMessage::topic).containsExactly("dev/c1/user-c1/out");
    await(adapter.rawPublish("dev/c1/user-c1/in/a", 0, utf8("y")));
    await(adapter.rawPublish("dev/c1/user-c1/shared/t", 0, utf8("z")));
    await(adapter.rawPublish("in/a", 0, utf8("not mounted: no delivery")));
    List<Message> got = handler.awaitMessages(c, 2, WAIT);
    assertThat(got).extracting(Message::topic).containsExactly("in/a", "shared/t");
    assertThat(got.get(0).from()).isEqualTo("exproto");
    await(adapter.unsubscribe(c, "in/#"));
    await(adapter.unsubscribe(c, "$share/g/shared/t"));
    broker.unsubscribe("#", probe);
    assertThat(broker.subscriptionCount()).isZero();
  }

  @Test
  void rawPublishIgnoresMountpointAndComesFromExproto() throws Exception {
    start(b -> b.mountpoint("m/"));
    String c = connect();
    auth(c, "c1");
    await(adapter.subscribe(c, "t", 2));
    assertThat(await(adapter.rawPublish("m/t", 1, utf8("raw"))).isSuccess()).isTrue();
    Message m = handler.awaitMessages(c, 1, WAIT).get(0);
    assertThat(m.from()).isEqualTo("exproto");
    assertThat(m.topic()).isEqualTo("t");
    assertThat(m.qos()).isEqualTo(1);
  }

  @Test
  void sharedSubscriptionGoesToOneMemberOfTheGroup() throws Exception {
    start();
    String a = connect();
    String b = connect();
    String plain = connect();
    auth(a, "a");
    auth(b, "b");
    auth(plain, "plain");
    await(adapter.subscribe(a, "$share/g/jobs/#", 0));
    await(adapter.subscribe(b, "$share/g/jobs/#", 0));
    await(adapter.subscribe(plain, "jobs/#", 0));
    for (int i = 0; i < 10; i++) {
      await(adapter.rawPublish("jobs/" + i, 0, utf8("" + i)));
    }
    handler.awaitMessages(plain, 10, WAIT);
    org.awaitility.Awaitility.await().atMost(WAIT).until(
        () -> handler.messages(a).size() + handler.messages(b).size() == 10);
    assertThat(handler.messages(a)).hasSize(5);
    assertThat(handler.messages(b)).hasSize(5);
  }

  @Test
  void deliveriesPilingUpDuringACallbackAreBatched() throws Exception {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    handler.on(Type.RECEIVED_BYTES, (e, a) -> gate);
    start(b -> b.maxBatchSize(11));
    String c = connect();
    auth(c, "c");
    await(adapter.subscribe(c, "t", 1));
    lastDevice.send("block");
    handler.awaitBytes(c, 5, WAIT);
    for (int i = 0; i < 25; i++) {
      await(adapter.rawPublish("t", 1, utf8("m" + i)));
    }
    listener.awaitQueuedTasks(WAIT);
    gate.complete(null);
    handler.awaitMessages(c, 25, WAIT);
    List<HandlerEvent> batches = handler.events(c).stream()
        .filter(e -> e.type() == Type.RECEIVED_MESSAGES).toList();
    assertThat(batches).extracting(e -> e.messages().size()).containsExactly(11, 11, 3);
    assertThat(handler.messages(c)).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8))
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 25).mapToObj(i -> "m" + i)
            .toList());
  }

  @Test
  void deliveriesOverTheLimitDropOldestAndAreCounted() throws Exception {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    handler.on(Type.RECEIVED_BYTES, (e, a) -> gate);
    start(b -> b.maxQueuedDeliveries(5));
    String c = connect();
    auth(c, "c");
    await(adapter.subscribe(c, "t", 0));
    lastDevice.send("block");
    handler.awaitBytes(c, 5, WAIT);
    for (int i = 0; i < 12; i++) {
      await(adapter.rawPublish("t", 0, utf8("m" + i)));
    }
    listener.awaitQueuedTasks(WAIT);
    gate.complete(null);
    handler.awaitMessages(c, 5, WAIT);
    listener.awaitQueuedTasks(WAIT);
    assertThat(handler.messages(c)).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8))
        .containsExactly("m7", "m8", "m9", "m10", "m11");
    assertThat(gateway.stats().deliveriesDropped()).isEqualTo(7);
  }

  @Test
  void closedConnectionLeavesNoSubscriptions() throws Exception {
    start();
    String c = connect();
    auth(c, "c");
    await(adapter.subscribe(c, "a/#", 0));
    await(adapter.subscribe(c, "$share/g/b", 0));
    assertThat(broker.subscriptionCount()).isEqualTo(2);
    lastDevice.close();
    handler.awaitClosed(c, WAIT);
    // Subscriptions go when the connection starts closing, before OnSocketClosed is dispatched.
    assertThat(broker.subscriptionCount()).isZero();
    // The connection itself is counted until OnSocketClosed has completed, on the loop.
    listener.awaitQueuedTasks(WAIT);
    assertThat(gateway.stats().connections()).isZero();
  }
}
