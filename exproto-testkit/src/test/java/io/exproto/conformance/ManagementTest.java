package io.exproto.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.handler.ClientInfo;
import io.exproto.management.ClientDetails;
import io.exproto.management.ClientNotFoundException;
import io.exproto.management.ClientQuery;
import io.exproto.management.Page;
import io.exproto.management.SubscriptionView;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The management API: paged client listings with EMQX's filters, subscriptions, details. */
class ManagementTest extends EngineFixture {

  static <T> T get(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private String connectAs(String clientId, String username, String ip) throws Exception {
    int before = handler.connections().size();
    lastDevice = listener.connect(new InetSocketAddress(ip, 40000 + before));
    String conn = handler.awaitConnection(before + 1, WAIT);
    assertThat(await(adapter.authenticate(conn,
        new ClientInfo("myproto", "1.1", clientId, username, ""), "pw")).isSuccess()).isTrue();
    return conn;
  }

  @Test
  void pagesCoverEveryClientOnceInConnectionOrder() throws Exception {
    start();
    for (int i = 0; i < 25; i++) {
      connectAs(String.format("dev-%02d", i), "u", "127.0.0.1");
      clock.advance(Duration.ofMillis(10));
    }
    List<String> seen = new ArrayList<>();
    for (int page = 1; ; page++) {
      Page<ClientDetails> p = get(gateway.listClients(ClientQuery.ALL, page, 10));
      assertThat(p.count()).isEqualTo(25);
      p.data().forEach(c -> seen.add(c.clientId()));
      if (!p.hasNext()) {
        assertThat(page).isEqualTo(3);
        assertThat(p.data()).hasSize(5);
        break;
      }
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      expected.add(String.format("dev-%02d", i));
    }
    assertThat(seen).containsExactlyElementsOf(expected);
    assertThat(get(gateway.listClients(ClientQuery.ALL, 4, 10)).data()).isEmpty();
    assertThatThrownBy(() -> gateway.listClients(ClientQuery.ALL, 0, 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page");
    assertThatThrownBy(() -> gateway.listClients(ClientQuery.ALL, 1, 10_001))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit");
  }

  @Test
  void filtersAsEmqxNamesThem() throws Exception {
    long t0 = clock.currentTimeMillis();
    start();
    connectAs("sensor-1", "alice", "192.0.2.1");
    clock.advance(Duration.ofSeconds(10));
    connectAs("sensor-2", "bob", "192.0.2.2");
    clock.advance(Duration.ofSeconds(10));
    connectAs("meter-1", "alice", "192.0.2.2");

    assertThat(ids(ClientQuery.builder().clientId("sensor-2").build()))
        .containsExactly("sensor-2");
    assertThat(ids(ClientQuery.builder().username("alice").build()))
        .containsExactly("sensor-1", "meter-1");
    assertThat(ids(ClientQuery.builder().ipAddress(InetAddress.getByName("192.0.2.2")).build()))
        .containsExactly("sensor-2", "meter-1");
    assertThat(ids(ClientQuery.builder().likeClientId("sensor").build()))
        .containsExactly("sensor-1", "sensor-2");
    assertThat(ids(ClientQuery.builder().likeUsername("li").build()))
        .containsExactly("sensor-1", "meter-1");
    assertThat(ids(ClientQuery.builder().connectedAtOrAfter(t0 + 5_000).build()))
        .containsExactly("sensor-2", "meter-1");
    assertThat(ids(ClientQuery.builder().connectedAtOrBefore(t0 + 10_000).build()))
        .containsExactly("sensor-1", "sensor-2");
    assertThat(ids(ClientQuery.builder().likeClientId("sensor").username("bob").build()))
        .containsExactly("sensor-2");
    assertThat(ids(ClientQuery.builder().clientId("nobody").build())).isEmpty();
  }

  private List<String> ids(ClientQuery q) throws Exception {
    return get(gateway.listClients(q, 1, 100)).data().stream().map(ClientDetails::clientId)
        .toList();
  }

  @Test
  void detailsCountTrafficAndSubscriptions() throws Exception {
    start();
    String conn = connectAs("dev-1", "u1", "127.0.0.1");
    lastDevice.send("hello");
    handler.awaitBytes(conn, 5, WAIT);
    await(adapter.send(conn, "hi!".getBytes()));
    await(adapter.startTimer(conn, io.exproto.handler.TimerType.KEEPALIVE, 60));
    await(adapter.subscribe(conn, "t/#", 1));
    await(adapter.publish(conn, "t/1", 0, "x".getBytes()));
    handler.awaitMessages(conn, 1, WAIT);

    ClientDetails d = get(gateway.client("dev-1")).orElseThrow();
    assertThat(d.conn()).isEqualTo(conn);
    assertThat(d.protoName()).isEqualTo("myproto");
    assertThat(d.protoVer()).isEqualTo("1.1");
    assertThat(d.username()).isEqualTo("u1");
    assertThat(d.bytesReceived()).isEqualTo(5);
    assertThat(d.readsReceived()).isEqualTo(1);
    assertThat(d.bytesSent()).isEqualTo(3);
    assertThat(d.writesSent()).isEqualTo(1);
    assertThat(d.keepaliveSeconds()).isEqualTo(60);
    assertThat(d.subscriptions()).isEqualTo(1);
    assertThat(d.messagesPublished()).isEqualTo(1);
    assertThat(d.messagesDelivered()).isEqualTo(1);
    assertThat(get(gateway.client("nobody"))).isEmpty();
  }

  @Test
  void subscriptionAddedByManagementReceivesAndCanBeRemoved() throws Exception {
    start(b -> b.mountpoint("${clientid}/"));
    String conn = connectAs("dev-1", "u1", "127.0.0.1");
    String other = connectAs("dev-2", "u2", "127.0.0.1");

    assertThat(get(gateway.subscribe("dev-1", "cmd/+", 1)))
        .isEqualTo(new SubscriptionView("cmd/+", 1));
    assertThat(get(gateway.subscriptions("dev-1")))
        .containsExactly(new SubscriptionView("cmd/+", 1));
    // The mountpoint applies: dev-1's subscription is on dev-1/cmd/+.
    await(adapter.rawPublish("dev-1/cmd/reboot", 1, "now".getBytes()));
    var delivered = handler.awaitMessages(conn, 1, WAIT);
    assertThat(delivered.get(0).topic()).isEqualTo("cmd/reboot");
    assertThat(handler.messages(other)).isEmpty();

    assertThat(get(gateway.unsubscribe("dev-1", "cmd/+"))).isTrue();
    assertThat(get(gateway.unsubscribe("dev-1", "cmd/+"))).isFalse();
    assertThat(get(gateway.subscriptions("dev-1"))).isEmpty();

    assertThatThrownBy(() -> get(gateway.subscribe("dev-1", "bad/#/x", 0)))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> get(gateway.subscribe("dev-1", "ok", 3)))
        .hasCauseInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> get(gateway.subscriptions("nobody")))
        .hasCauseInstanceOf(ClientNotFoundException.class);
    assertThatThrownBy(() -> get(gateway.subscribe("nobody", "a", 0)))
        .hasCauseInstanceOf(ClientNotFoundException.class);
  }

  @Test
  void listenersAreListedWithTheirConnections() throws Exception {
    start();
    connect();
    connect();
    var views = gateway.listeners();
    assertThat(views).hasSize(1);
    assertThat(views.get(0).id()).isEqualTo("exproto:memory:default".replace("memory",
        listener.kind()));
    assertThat(views.get(0).connections()).isEqualTo(2);
  }

  @Test
  void twoThousandClientsPageWithoutGapsOrDuplicates() throws Exception {
    start();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 2_000; i++) {
      lastDevice = listener.connect();
    }
    handler.awaitConnection(2_000, Duration.ofSeconds(20));
    for (String conn : handler.connections()) {
      adapter.authenticate(conn, ClientInfo.of("c-" + conn.substring(0, 12), ""), "");
    }
    listener.awaitQueuedTasks(WAIT);
    for (int page = 1; page <= 20; page++) {
      get(gateway.listClients(ClientQuery.ALL, page, 100)).data()
          .forEach(c -> ids.add(c.clientId()));
    }
    assertThat(ids).hasSize(gateway.stats().clients());
  }
}
