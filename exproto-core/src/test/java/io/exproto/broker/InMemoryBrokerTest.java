package io.exproto.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InMemoryBrokerTest {
  private static final AtomicLong ids = new AtomicLong();

  private final InMemoryBroker broker = new InMemoryBroker();

  /** Thrown by a failing subscriber; no stack trace, to keep the expected warnings short. */
  static final class ExpectedFailure extends RuntimeException {
    ExpectedFailure() {
      super("subscriber failure expected by the test", null, false, false);
    }
  }

  static BrokerMessage message(String topic, int qos) {
    return new BrokerMessage(String.format("%032X", ids.incrementAndGet()), "pub", topic, qos,
        new byte[] {1}, 1_700_000_000_000L);
  }

  private void publish(String topic, int qos) {
    join(broker.publish(message(topic, qos)));
  }

  private void subscribe(String filter, int qos, Subscriber subscriber) {
    join(broker.subscribe(filter, qos, subscriber));
  }

  private void unsubscribe(String filter, Subscriber subscriber) {
    join(broker.unsubscribe(filter, subscriber));
  }

  private static void join(CompletionStage<Void> stage) {
    stage.toCompletableFuture().join();
  }

  @Test
  void deliversToExactAndWildcardSubscriptions() {
    RecordingSubscriber exact = new RecordingSubscriber("exact");
    RecordingSubscriber plus = new RecordingSubscriber("plus");
    RecordingSubscriber hash = new RecordingSubscriber("hash");
    RecordingSubscriber other = new RecordingSubscriber("other");
    subscribe("a/b", 2, exact);
    subscribe("a/+", 2, plus);
    subscribe("a/#", 2, hash);
    subscribe("x/#", 2, other);

    publish("a/b", 1);
    publish("a", 1);
    publish("a/c/d", 1);

    assertThat(exact.topics()).containsExactly("a/b");
    assertThat(plus.topics()).containsExactly("a/b");
    assertThat(hash.topics()).containsExactly("a/b", "a", "a/c/d");
    assertThat(other.topics()).isEmpty();
    BrokerMessage delivered = exact.deliveries.get(0).message();
    assertThat(delivered.from()).isEqualTo("pub");
    assertThat(delivered.payload()).containsExactly(1);
  }

  @Test
  void dollarTopicsAreNotMatchedByLeadingWildcards() {
    RecordingSubscriber all = new RecordingSubscriber("all");
    RecordingSubscriber plus = new RecordingSubscriber("plus");
    RecordingSubscriber sys = new RecordingSubscriber("sys");
    subscribe("#", 0, all);
    subscribe("+/broker", 0, plus);
    subscribe("$SYS/#", 0, sys);

    publish("$SYS/broker", 0);
    publish("x/broker", 0);

    assertThat(all.topics()).containsExactly("x/broker");
    assertThat(plus.topics()).containsExactly("x/broker");
    assertThat(sys.topics()).containsExactly("$SYS/broker");
  }

  @Test
  void emptyLevelsAreLevels() {
    RecordingSubscriber plus = new RecordingSubscriber("plus");
    RecordingSubscriber exact = new RecordingSubscriber("exact");
    subscribe("a/+/b", 0, plus);
    subscribe("a//b", 0, exact);

    publish("a//b", 0);
    publish("a/b", 0);
    publish("a/x/b", 0);

    assertThat(plus.topics()).containsExactly("a//b", "a/x/b");
    assertThat(exact.topics()).containsExactly("a//b");
  }

  @Test
  void deliveryQosIsTheMinimumOfPublishAndSubscription() {
    RecordingSubscriber qos0 = new RecordingSubscriber("qos0");
    RecordingSubscriber qos1 = new RecordingSubscriber("qos1");
    RecordingSubscriber qos2 = new RecordingSubscriber("qos2");
    subscribe("t", 0, qos0);
    subscribe("t", 1, qos1);
    subscribe("t", 2, qos2);

    publish("t", 2);
    publish("t", 1);
    publish("t", 0);

    assertThat(qos0.qosList()).containsExactly(0, 0, 0);
    assertThat(qos1.qosList()).containsExactly(1, 1, 0);
    assertThat(qos2.qosList()).containsExactly(2, 1, 0);
  }

  @Test
  void resubscribingReplacesTheQos() {
    RecordingSubscriber subscriber = new RecordingSubscriber("s");
    subscribe("t/+", 2, subscriber);
    subscribe("t/+", 0, subscriber);
    assertThat(broker.subscriptionCount()).isEqualTo(1);

    publish("t/1", 2);

    assertThat(subscriber.qosList()).containsExactly(0);
  }

  @Test
  void oneDeliveryPerMatchingSubscription() {
    RecordingSubscriber subscriber = new RecordingSubscriber("s");
    subscribe("a/b", 1, subscriber);
    subscribe("a/#", 2, subscriber);
    assertThat(broker.subscriptionCount()).isEqualTo(2);

    publish("a/b", 2);

    assertThat(subscriber.qosList()).containsExactlyInAnyOrder(1, 2);
  }

  @Test
  void unsubscribeStopsDeliveryAndPrunesTheTrie() {
    RecordingSubscriber s1 = new RecordingSubscriber("s1");
    RecordingSubscriber s2 = new RecordingSubscriber("s2");
    subscribe("a/b/c", 1, s1);
    subscribe("a/+/c", 1, s1);
    subscribe("a/#", 1, s2);
    subscribe("$share/g/a/b/c", 1, s2);
    assertThat(broker.subscriptionCount()).isEqualTo(4);

    unsubscribe("a/b/c", s1);
    unsubscribe("a/+/c", s1);
    publish("a/b/c", 1);
    assertThat(s1.deliveries).isEmpty();
    assertThat(s2.count).hasValue(2);

    unsubscribe("a/#", s2);
    unsubscribe("$share/g/a/b/c", s2);
    publish("a/b/c", 1);
    assertThat(s2.count).hasValue(2);
    assertThat(broker.subscriptionCount()).isZero();
    assertThat(broker.nodeCount()).isEqualTo(1);
  }

  @Test
  void unsubscribeOfUnknownSubscriptionCompletesNormally() {
    RecordingSubscriber s1 = new RecordingSubscriber("s1");
    RecordingSubscriber s2 = new RecordingSubscriber("s2");
    subscribe("a/b", 0, s1);

    unsubscribe("a/b", s2);
    unsubscribe("a/c", s1);
    unsubscribe("a/b/c/d", s1);
    unsubscribe("$share/g/a/b", s1);

    assertThat(broker.subscriptionCount()).isEqualTo(1);
    publish("a/b", 0);
    assertThat(s1.count).hasValue(1);
  }

  @Test
  void pruningKeepsSiblingsAndAncestorsInUse() {
    RecordingSubscriber s = new RecordingSubscriber("s");
    subscribe("a", 0, s);
    subscribe("a/b/c", 0, s);
    subscribe("a/b/d", 0, s);
    assertThat(broker.nodeCount()).isEqualTo(5); // root, a, b, c, d

    unsubscribe("a/b/c", s);
    assertThat(broker.nodeCount()).isEqualTo(4);
    unsubscribe("a/b/d", s);
    assertThat(broker.nodeCount()).isEqualTo(2);
    publish("a", 0);
    assertThat(s.topics()).containsExactly("a");
    unsubscribe("a", s);
    assertThat(broker.nodeCount()).isEqualTo(1);
  }

  @Test
  void sharedSubscriptionGoesToOneMemberInTurn() {
    RecordingSubscriber m1 = new RecordingSubscriber("m1");
    RecordingSubscriber m2 = new RecordingSubscriber("m2");
    subscribe("$share/g/sensors/+", 1, m1);
    subscribe("$share/g/sensors/+", 1, m2);

    for (int i = 0; i < 10; i++) {
      publish("sensors/" + i, 1);
    }

    assertThat(m1.count).hasValue(5);
    assertThat(m2.count).hasValue(5);
    List<String> all = new ArrayList<>(m1.topics());
    all.addAll(m2.topics());
    assertThat(all).hasSize(10).doesNotHaveDuplicates();
  }

  @Test
  void sharedAndPlainSubscriptionsOnTheSameFilterBothGetTheMessage() {
    RecordingSubscriber plain = new RecordingSubscriber("plain");
    RecordingSubscriber m1 = new RecordingSubscriber("m1");
    RecordingSubscriber m2 = new RecordingSubscriber("m2");
    RecordingSubscriber otherGroup = new RecordingSubscriber("other-group");
    subscribe("t/#", 2, plain);
    subscribe("$share/g/t/#", 2, m1);
    subscribe("$share/g/t/#", 0, m2);
    subscribe("$share/h/t/#", 1, otherGroup);

    for (int i = 0; i < 4; i++) {
      publish("t/x", 2);
    }

    assertThat(plain.count).hasValue(4);
    assertThat(m1.count.get() + m2.count.get()).isEqualTo(4);
    assertThat(m1.count).hasValue(2);
    assertThat(otherGroup.count).hasValue(4);
    assertThat(m1.qosList()).containsOnly(2);
    assertThat(m2.qosList()).containsOnly(0);
    assertThat(otherGroup.qosList()).containsOnly(1);
  }

  @Test
  void sharedMemberResubscribingReplacesQosAndLeavingStopsItsTurns() {
    RecordingSubscriber m1 = new RecordingSubscriber("m1");
    RecordingSubscriber m2 = new RecordingSubscriber("m2");
    subscribe("$share/g/t", 2, m1);
    subscribe("$share/g/t", 2, m2);
    subscribe("$share/g/t", 1, m1);
    assertThat(broker.subscriptionCount()).isEqualTo(2);

    unsubscribe("$share/g/t", m2);
    publish("t", 2);
    publish("t", 2);

    assertThat(m1.qosList()).containsExactly(1, 1);
    assertThat(m2.deliveries).isEmpty();
  }

  @Test
  void sharedSubscriptionsFollowTheDollarRule() {
    RecordingSubscriber member = new RecordingSubscriber("m");
    subscribe("$share/g/#", 0, member);
    subscribe("$share/g/$SYS/#", 0, member);

    publish("$SYS/x", 0);

    assertThat(member.count).hasValue(1);
  }

  @Test
  void aThrowingSubscriberDoesNotStopDeliveryToOthers() {
    RecordingSubscriber before = new RecordingSubscriber("before");
    RecordingSubscriber after = new RecordingSubscriber("after");
    Subscriber failing = (message, qos) -> {
      throw new ExpectedFailure();
    };
    subscribe("t", 0, before);
    subscribe("t", 0, failing);
    subscribe("#", 0, failing);
    subscribe("$share/g/t", 0, failing);
    subscribe("t", 0, after);

    CompletionStage<Void> stage = broker.publish(message("t", 0));

    assertThat(stage.toCompletableFuture()).isCompletedWithValue(null);
    assertThat(before.count).hasValue(1);
    assertThat(after.count).hasValue(1);
  }

  @Test
  void aSubscriberMayUnsubscribeWhileBeingDelivered() {
    List<String> got = new ArrayList<>();
    Subscriber once = new Subscriber() {
      @Override
      public void deliver(BrokerMessage message, int qos) {
        got.add(message.topic());
        broker.unsubscribe("t", this);
      }
    };
    subscribe("t", 0, once);

    publish("t", 0);
    publish("t", 0);

    assertThat(got).containsExactly("t");
    assertThat(broker.subscriptionCount()).isZero();
  }

  @Test
  void invalidArgumentsFailTheStage() {
    RecordingSubscriber s = new RecordingSubscriber("s");
    assertThat(broker.subscribe("a/#/b", 0, s).toCompletableFuture())
        .failsWithin(java.time.Duration.ZERO)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(IllegalArgumentException.class)
        .withMessageContaining("'#' must be the last level of a topic filter");
    assertThat(broker.subscribe("a", 3, s).toCompletableFuture()).isCompletedExceptionally();
    assertThat(broker.subscribe("$share/g", 0, s).toCompletableFuture())
        .isCompletedExceptionally();
    assertThat(broker.unsubscribe("", s).toCompletableFuture()).isCompletedExceptionally();
    assertThat(broker.publish(message("a/+", 0)).toCompletableFuture())
        .isCompletedExceptionally();
    assertThatThrownBy(() -> broker.subscribe("a", 0, null))
        .isInstanceOf(NullPointerException.class);
    assertThat(broker.subscriptionCount()).isZero();
    assertThat(broker.nodeCount()).isEqualTo(1);
  }

  @Test
  void holdsManySubscriptions() {
    int n = 100_000;
    RecordingSubscriber[] devices = new RecordingSubscriber[n];
    RecordingSubscriber all = new RecordingSubscriber("all", false);
    subscribe("devices/+/cmd", 1, all);
    for (int i = 0; i < n; i++) {
      devices[i] = new RecordingSubscriber("d" + i, false);
      subscribe("devices/" + i + "/cmd", 1, devices[i]);
    }
    assertThat(broker.subscriptionCount()).isEqualTo(n + 1);

    for (int i = 0; i < n; i += 1000) {
      publish("devices/" + i + "/cmd", 1);
    }
    assertThat(all.count).hasValue(n / 1000);
    assertThat(devices[5000].count).hasValue(1);
    assertThat(devices[5001].count).hasValue(0);

    for (int i = 0; i < n; i++) {
      unsubscribe("devices/" + i + "/cmd", devices[i]);
    }
    unsubscribe("devices/+/cmd", all);
    assertThat(broker.subscriptionCount()).isZero();
    assertThat(broker.nodeCount()).isEqualTo(1);
  }

  @Test
  void deepTopicsDoNotOverflowTheStack() {
    String filter = "+/".repeat(20_000) + "#";
    String topic = "a/".repeat(20_000) + "b";
    RecordingSubscriber s = new RecordingSubscriber("deep");
    subscribe(filter, 0, s);
    subscribe(topic, 0, s);

    publish(topic, 0);

    assertThat(s.count).hasValue(2);
    assertThat(broker.nodeCount()).isGreaterThan(40_000);
    unsubscribe(filter, s);
    unsubscribe(topic, s);
    assertThat(broker.nodeCount()).isEqualTo(1);
  }
}
