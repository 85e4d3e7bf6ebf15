package io.exproto.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class InMemoryBrokerConcurrencyTest {
  private static final int PUBLISHERS = 4;
  private static final int MESSAGES_PER_PUBLISHER = 5_000;
  private static final int CHURNERS = 3;
  private static final int CHURN_ROUNDS = 2_000;

  @Test
  @Timeout(60)
  void publishingWhileSubscribingAndUnsubscribingKeepsCountsConsistent() throws Exception {
    InMemoryBroker broker = new InMemoryBroker();
    List<RecordingSubscriber> plain = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RecordingSubscriber s = new RecordingSubscriber("plain" + i, false);
      plain.add(s);
      broker.subscribe(i % 2 == 0 ? "load/+" : "load/#", 1, s);
    }
    List<RecordingSubscriber> groupMembers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      RecordingSubscriber s = new RecordingSubscriber("member" + i, false);
      groupMembers.add(s);
      broker.subscribe("$share/g/load/#", 1, s);
    }
    int stableSubscriptions = broker.subscriptionCount();
    int stableNodes = broker.nodeCount();
    List<RecordingSubscriber> groupChurners = new ArrayList<>();

    ExecutorService pool = Executors.newFixedThreadPool(PUBLISHERS + CHURNERS);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int p = 0; p < PUBLISHERS; p++) {
        String topic = "load/" + p;
        tasks.add(() -> {
          start.await();
          for (int i = 0; i < MESSAGES_PER_PUBLISHER; i++) {
            broker.publish(InMemoryBrokerTest.message(topic, 1));
          }
          return null;
        });
      }
      for (int c = 0; c < CHURNERS; c++) {
        RecordingSubscriber churner = new RecordingSubscriber("churner" + c, false);
        RecordingSubscriber groupChurner = new RecordingSubscriber("group-churner" + c, false);
        groupChurners.add(groupChurner);
        int id = c;
        tasks.add(() -> {
          start.await();
          for (int i = 0; i < CHURN_ROUNDS; i++) {
            String own = "churn/" + id + "/" + i;
            broker.subscribe("load/#", 0, churner);
            broker.subscribe("$share/g/load/#", 0, groupChurner); // joins the stable group
            broker.subscribe(own, 0, churner);
            broker.subscribe("load/" + (i % PUBLISHERS), 2, churner);
            broker.unsubscribe("load/#", churner);
            broker.unsubscribe("$share/g/load/#", groupChurner);
            broker.unsubscribe(own, churner);
            broker.unsubscribe("load/" + (i % PUBLISHERS), churner);
          }
          return null;
        });
      }
      List<Future<Void>> futures = new ArrayList<>();
      for (Callable<Void> task : tasks) {
        futures.add(pool.submit(task));
      }
      start.countDown();
      for (Future<Void> future : futures) {
        future.get(50, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    int total = PUBLISHERS * MESSAGES_PER_PUBLISHER;
    for (RecordingSubscriber s : plain) {
      assertThat(s.count).as(s.toString()).hasValue(total);
    }
    // Exactly one member of the group per message, whether a stable member or one that came and
    // went; the stable members keep the group from ever being empty.
    long groupDeliveries = groupMembers.stream().mapToLong(s -> s.count.get()).sum()
        + groupChurners.stream().mapToLong(s -> s.count.get()).sum();
    assertThat(groupDeliveries).isEqualTo(total);
    assertThat(broker.subscriptionCount()).isEqualTo(stableSubscriptions);
    assertThat(broker.nodeCount()).isEqualTo(stableNodes);

    RecordingSubscriber probe = new RecordingSubscriber("probe");
    broker.subscribe("load/#", 0, probe);
    broker.publish(InMemoryBrokerTest.message("load/x", 0));
    assertThat(probe.count).hasValue(1);
  }
}
