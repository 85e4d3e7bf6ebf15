package io.exproto.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.events.GatewayEvent;
import io.exproto.events.GatewayEvent.Type;
import io.exproto.events.GatewayEventListener;
import io.exproto.handler.ClientInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The events SPI: what is reported, exactly once, and that listeners cannot hurt connections. */
class EventsTest extends EngineFixture {
  final ConcurrentLinkedQueue<GatewayEvent> events = new ConcurrentLinkedQueue<>();

  List<GatewayEvent> ofType(Type t) {
    return events.stream().filter(e -> e.type() == t).toList();
  }

  @Test
  void exactlyOneConnectedAndDisconnectedPerClientAcrossTakeoversAndKicks() throws Exception {
    start(b -> b.eventListener(events::add));
    int n = 1_000;
    List<String> conns = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      listener.connect();
    }
    handler.awaitConnection(n, Duration.ofSeconds(20));
    conns.addAll(handler.connections());
    // Every 10th connection reuses the client id of the one before it (a takeover), every 7th
    // client is kicked, the rest close from the device side or at shutdown.
    List<java.util.concurrent.CompletableFuture<?>> auths = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String cid = i % 10 == 9 ? "c" + (i - 1) : "c" + i;
      auths.add(adapter.authenticate(conns.get(i), ClientInfo.of(cid, "u"), "")
          .toCompletableFuture());
      if (i % 10 == 9) {
        auths.get(i).get(5, TimeUnit.SECONDS);
      }
    }
    for (var a : auths) {
      assertThat(((io.exproto.handler.AdapterResult) a.get(5, TimeUnit.SECONDS)).isSuccess())
          .isTrue();
    }
    for (int i = 0; i < n; i += 7) {
      gateway.kick("c" + i);
    }
    gateway.shutdown();
    for (int i = 0; i < 50 && !gateway.isTerminated(); i++) {
      clock.advance(Duration.ofSeconds(1));
      gateway.awaitTermination(Duration.ofMillis(50));
    }
    assertThat(gateway.isTerminated()).isTrue();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ofType(Type.DISCONNECTED).size() >= n);

    Map<String, Integer> connected = count(ofType(Type.CONNECTED));
    Map<String, Integer> disconnected = count(ofType(Type.DISCONNECTED));
    assertThat(connected).hasSize(n).allSatisfy((conn, c) -> assertThat(c).isEqualTo(1));
    assertThat(disconnected).isEqualTo(connected);
    Map<String, Integer> reasons = new HashMap<>();
    for (GatewayEvent e : ofType(Type.DISCONNECTED)) {
      reasons.merge(e.reason(), 1, Integer::sum);
    }
    assertThat(reasons.get("{shutdown,discarded}")).isEqualTo(n / 10);
    assertThat(reasons.get("{shutdown,kicked}")).isGreaterThan(100);
    assertThat(ofType(Type.AUTHENTICATED)).hasSize(n);
    assertThat(gateway.stats().eventsDropped()).isZero();
  }

  private static Map<String, Integer> count(List<GatewayEvent> list) {
    Map<String, Integer> m = new HashMap<>();
    for (GatewayEvent e : list) {
      m.merge(e.conn(), 1, Integer::sum);
    }
    return m;
  }

  @Test
  void reportsSubscribePublishDeliverAndAuthenticationFailure() throws Exception {
    start(b -> b.eventListener(events::add).authenticator(c -> java.util.concurrent
        .CompletableFuture.completedStage(c.clientId().equals("bad")
            ? io.exproto.auth.AuthResult.deny("go away")
            : io.exproto.auth.AuthResult.allow())));
    String bad = connect();
    assertThat(auth(bad, "bad").isSuccess()).isFalse();
    String conn = connect();
    auth(conn, "dev-1");
    await(adapter.subscribe(conn, "t/+", 1));
    await(adapter.publish(conn, "t/1", 2, "x".getBytes()));
    handler.awaitMessages(conn, 1, WAIT);
    await(adapter.unsubscribe(conn, "t/+"));
    org.awaitility.Awaitility.await().atMost(WAIT)
        .until(() -> !ofType(Type.UNSUBSCRIBED).isEmpty() && !ofType(Type.DELIVERED).isEmpty());

    GatewayEvent failed = ofType(Type.AUTHENTICATION_FAILED).get(0);
    assertThat(failed.conn()).isEqualTo(bad);
    assertThat(failed.clientId()).isEqualTo("bad");
    assertThat(failed.reason()).isEqualTo("go away");
    assertThat(ofType(Type.CONNECTED)).extracting(GatewayEvent::clientId).containsExactly("dev-1");
    GatewayEvent sub = ofType(Type.SUBSCRIBED).get(0);
    assertThat(sub.topic()).isEqualTo("t/+");
    assertThat(sub.qos()).isEqualTo(1);
    GatewayEvent pub = ofType(Type.PUBLISHED).get(0);
    assertThat(pub.topic()).isEqualTo("t/1");
    assertThat(pub.qos()).isEqualTo(2);
    assertThat(pub.clientId()).isEqualTo("dev-1");
    GatewayEvent del = ofType(Type.DELIVERED).get(0);
    assertThat(del.topic()).isEqualTo("t/1");
    assertThat(del.qos()).isEqualTo(1);
    assertThat(ofType(Type.UNSUBSCRIBED).get(0).topic()).isEqualTo("t/+");
  }

  @Test
  void droppedDeliveriesAreReportedWithTheirReason() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    start(b -> b.eventListener(events::add).maxQueuedDeliveries(2));
    String conn = connect();
    auth(conn, "dev-1");
    await(adapter.subscribe(conn, "t", 0));
    // Hold the handler in onReceivedBytes so deliveries queue up behind it.
    handler.on(io.exproto.testkit.HandlerEvent.Type.RECEIVED_BYTES, (a, e) ->
        java.util.concurrent.CompletableFuture.runAsync(() -> {
          try {
            release.await(5, TimeUnit.SECONDS);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
          }
        }));
    lastDevice.send("block");
    handler.awaitBytes(conn, 5, WAIT);
    for (int i = 0; i < 5; i++) {
      await(adapter.rawPublish("t", 0, new byte[] {(byte) i}));
    }
    listener.awaitQueuedTasks(WAIT);
    release.countDown();
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> ofType(Type.DROPPED).size() == 3);
    assertThat(ofType(Type.DROPPED)).allSatisfy(e -> {
      assertThat(e.reason()).isEqualTo("queue_full");
      assertThat(e.topic()).isEqualTo("t");
    });
  }

  @Test
  void aThrowingOrSlowListenerNeverHurtsConnections() throws Exception {
    AtomicInteger seen = new AtomicInteger();
    CountDownLatch unblock = new CountDownLatch(1);
    GatewayEventListener throwing = e -> {
      seen.incrementAndGet();
      throw new IllegalStateException("listener bug");
    };
    GatewayEventListener slow = new GatewayEventListener() {
      @Override
      public void onEvent(GatewayEvent event) {
        try {
          unblock.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public Set<Type> types() {
        return EnumSet.of(Type.CONNECTED);
      }
    };
    start(b -> b.eventListener(throwing).eventListener(slow).eventQueueCapacity(4));
    // The slow listener holds the event thread; connections go on and events beyond the queue
    // are dropped and counted.
    for (int i = 0; i < 10; i++) {
      String conn = connect();
      assertThat(auth(conn, "dev-" + i).isSuccess()).isTrue();
      lastDevice.send("x");
      handler.awaitBytes(conn, 1, WAIT);
    }
    assertThat(gateway.stats().clients()).isEqualTo(10);
    assertThat(gateway.stats().eventsDropped()).isPositive();
    unblock.countDown();
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> seen.get() >= 2);
    // The throwing listener keeps getting later events.
    int before = seen.get();
    String conn = connect();
    auth(conn, "late");
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> seen.get() > before);
  }
}
