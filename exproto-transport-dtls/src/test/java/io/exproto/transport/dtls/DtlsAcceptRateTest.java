package io.exproto.transport.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.exproto.gateway.Gateway;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import io.exproto.transport.AccessRules;
import io.exproto.transport.internal.AcceptRateLimiter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code maxConnRate} of the DTLS listener: the bucket, the ClientHello check, and real bursts. */
class DtlsAcceptRateTest {

  private static final byte[] SECRET = DtlsListenerTest.SECRET;
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final List<DtlsClient> clients = new ArrayList<>();
  private Gateway gateway;
  private DtlsListener listener;
  private final List<Long> acceptedAt = new CopyOnWriteArrayList<>();
  private final List<String> closed = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeEverything() {
    for (DtlsClient c : clients) {
      c.close();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  /** Echoes {@code echo:<text>} as {@code <text>}; records when each connection was created. */
  private final class Echo implements ConnectionHandler {
    private final ConnectionAdapter adapter;

    Echo(ConnectionAdapter adapter) {
      this.adapter = adapter;
    }

    @Override
    public CompletionStage<Void> onSocketCreated(String conn, ConnInfo connInfo) {
      acceptedAt.add(System.nanoTime());
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
      String text = new String(bytes, StandardCharsets.UTF_8);
      if (text.startsWith("echo:")) {
        adapter.send(conn, text.substring(5).getBytes(StandardCharsets.UTF_8));
      }
      return DONE;
    }

    @Override
    public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onSocketClosed(String conn, String reason) {
      closed.add(reason);
      return DONE;
    }
  }

  private InetSocketAddress startGateway(DtlsListener.Builder dtls) throws Exception {
    listener = dtls.name("dtls").bind("127.0.0.1", 0).psk(Map.of("device-1", SECRET)).build();
    gateway = Gateway.builder()
        .listener(listener)
        .idleTimeout(Duration.ofSeconds(30))
        .handler(Echo::new)
        .build()
        .start();
    return gateway.listenerAddresses().get("dtls");
  }

  private DtlsClient client(InetSocketAddress server, long firstRetransmissionMillis,
      int retransmissions) throws Exception {
    DtlsClient c = DtlsClient.psk(server, "device-1", SECRET, firstRetransmissionMillis,
        retransmissions);
    clients.add(c);
    return c;
  }

  private long echoed() {
    return clients.stream().filter(c -> !c.received.isEmpty()).count();
  }

  // ---- the bucket

  @Test
  void theBucketLetsABurstThroughThenOneTokenPerInterval() {
    AtomicLong now = new AtomicLong(-123); // any origin, nanoTime may be negative
    AcceptRateLimiter bucket = new AcceptRateLimiter(5, now::get);
    for (int i = 0; i < 5; i++) {
      assertThat(bucket.tryAcquire()).as("token %d of the burst", i).isTrue();
    }
    assertThat(bucket.tryAcquire()).isFalse();
    now.addAndGet(SECOND / 5 - 1);
    assertThat(bucket.tryAcquire()).isFalse();
    now.addAndGet(1);
    assertThat(bucket.tryAcquire()).isTrue();
    assertThat(bucket.tryAcquire()).isFalse();
    // A long pause fills the bucket to one second's worth, no more.
    now.addAndGet(60 * SECOND);
    int granted = 0;
    while (bucket.tryAcquire()) {
      granted++;
    }
    assertThat(granted).isEqualTo(5);
  }

  @Test
  void maxConnRateIsValidatedAndDefaultsTo1000() {
    DtlsListener.Builder b = DtlsListener.builder().psk(Map.of("id", SECRET));
    assertThat(b.build().maxConnRate()).isEqualTo(1000);
    assertThat(b.maxConnRate(Integer.MAX_VALUE).build().maxConnRate())
        .isEqualTo(Integer.MAX_VALUE);
    assertThatThrownBy(() -> DtlsListener.builder().psk(Map.of("id", SECRET)).maxConnRate(0)
        .build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxConnRate must be at least 1").hasMessageContaining("was 0");
  }

  // ---- real clients

  @Test
  void aBurstBeyondTheRateIsDroppedBeforeItsHandshakeCountedAndLetInLater() throws Exception {
    AtomicLong now = new AtomicLong();
    InetSocketAddress server = startGateway(DtlsListener.builder().maxConnRate(5)
        .nanoClock(now::get)); // frozen: no token comes back until the test moves the clock
    for (int i = 0; i < 15; i++) {
      client(server, 1000, 3); // retransmits after 1 s, 2 s and 4 s more, then gives up
    }
    for (int i = 0; i < clients.size(); i++) {
      clients.get(i).send("echo:" + i);
    }

    // The burst: 5 sessions, every other one dropped before a handshake, link or connection.
    await().atMost(Duration.ofSeconds(10)).until(() -> echoed() == 5);
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.rateLimitedConnections() >= 10);
    // And no more get in while the clock stands still.
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
        .until(() -> echoed() == 5);
    assertThat(echoed()).isEqualTo(5);
    assertThat(gateway.stats().connections()).isEqualTo(5);
    assertThat(gateway.stats().connectionsAccepted()).isEqualTo(5);
    assertThat(listener.openConnections()).isEqualTo(5);
    assertThat(listener.refusedConnections()).isZero();
    assertThat(listener.deniedConnections()).isZero();

    // A second later the bucket holds 5 again: retransmitted ClientHellos get in, no more.
    now.addAndGet(SECOND);
    await().atMost(Duration.ofSeconds(15)).until(() -> echoed() == 10);
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
        .until(() -> echoed() == 10);
    assertThat(gateway.stats().connections()).isEqualTo(10);
    assertThat(gateway.stats().connectionsAccepted()).isEqualTo(10);

    // Clients leave: nothing is left behind, in the listener or the gateway.
    for (DtlsClient c : clients) {
      c.closeSession();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.stats().connections() == 0);
    assertThat(listener.openConnections()).isZero();
    assertThat(closed).hasSize(10).containsOnly("{shutdown,ssl_closed}");
  }

  @Test
  void withARealClockAdmissionsNeverOutrunTheBucket() throws Exception {
    InetSocketAddress server = startGateway(DtlsListener.builder().maxConnRate(5));
    for (int i = 0; i < 15; i++) {
      client(server, 400, 5); // keeps retrying for about 25 s
    }
    long start = System.nanoTime();
    for (int i = 0; i < clients.size(); i++) {
      clients.get(i).send("echo:" + i);
    }

    // Refused clients retransmit and get in as tokens come back: all of them, in time.
    await().atMost(Duration.ofSeconds(20)).until(() -> echoed() == 15);
    assertThat(listener.rateLimitedConnections()).isPositive();
    // The k-th session cannot have started before k tokens were there: 5 at once, then 5 a
    // second (plus one for rounding). Slow machines only make this easier to meet.
    List<Long> times = new ArrayList<>(acceptedAt);
    times.sort(null);
    assertThat(times).hasSize(15);
    for (int k = 1; k <= times.size(); k++) {
      double seconds = (times.get(k - 1) - start) / 1e9;
      assertThat((double) k).as("session %d at %.3f s", k, seconds)
          .isLessThanOrEqualTo(5 + 5 * seconds + 1);
    }

    for (DtlsClient c : clients) {
      c.closeSession();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.stats().connections() == 0);
    assertThat(listener.openConnections()).isZero();
  }

  @Test
  void deniedPeersDoNotSpendTokens() throws Exception {
    AtomicLong now = new AtomicLong();
    InetSocketAddress server = startGateway(DtlsListener.builder().maxConnRate(1)
        .nanoClock(now::get).accessRules(AccessRules.parse(List.of("deny all"))));
    for (int i = 0; i < 3; i++) {
      client(server, 1000, 1).send("echo:" + i);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.deniedConnections() >= 3);
    assertThat(listener.rateLimitedConnections()).isZero();
    assertThat(gateway.stats().connectionsAccepted()).isZero();
  }
}
