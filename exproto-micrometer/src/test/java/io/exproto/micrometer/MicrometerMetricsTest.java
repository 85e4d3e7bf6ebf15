package io.exproto.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.gateway.Gateway;
import io.exproto.gateway.GatewayBuilder;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.testkit.HandlerEvent;
import io.exproto.testkit.InMemoryDevice;
import io.exproto.testkit.InMemoryListener;
import io.exproto.testkit.ManualScheduler;
import io.exproto.testkit.RecordingHandler;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MicrometerMetricsTest {
  static final Duration WAIT = Duration.ofSeconds(5);
  final ManualScheduler clock = new ManualScheduler();
  final RecordingHandler handler = new RecordingHandler();
  InMemoryListener listener;
  Gateway gateway;

  Gateway start(Consumer<GatewayBuilder> configure) throws Exception {
    listener = InMemoryListener.create("default");
    GatewayBuilder b = Gateway.builder().handler(handler::bind).listener(listener)
        .scheduler(clock).maxQueuedDeliveries(2).nodeName("test@node");
    configure.accept(b);
    return gateway = b.build().start();
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.shutdown();
      for (int i = 0; i < 50 && !gateway.isTerminated(); i++) {
        clock.advance(Duration.ofSeconds(1));
        gateway.awaitTermination(Duration.ofMillis(20));
      }
    }
  }

  static AdapterResult await(CompletionStage<AdapterResult> s) throws Exception {
    return s.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  /** connect, authenticate, publish, deliver, drop (a full queue), close by the device. */
  void scriptedSession() throws Exception {
    ConnectionAdapter adapter = gateway.adapter();
    InMemoryDevice device = listener.connect();
    String conn = handler.awaitConnection(1, WAIT);
    assertThat(await(adapter.authenticate(conn, ClientInfo.of("dev-1", "u"), "")).isSuccess())
        .isTrue();
    await(adapter.subscribe(conn, "t", 0));
    device.send("hello"); // 5 bytes in
    handler.awaitBytes(conn, 5, WAIT);
    await(adapter.send(conn, "abc".getBytes())); // 3 bytes out
    await(adapter.publish(conn, "t", 0, "m".getBytes()));
    handler.awaitMessages(conn, 1, WAIT); // 1 delivered
    // Hold the handler so that 5 more deliveries meet a queue of 2: 3 dropped.
    CountDownLatch release = new CountDownLatch(1);
    handler.on(HandlerEvent.Type.RECEIVED_BYTES, (e, a) -> CompletableFuture.runAsync(() -> {
      try {
        release.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }));
    device.send("wait!");
    handler.awaitBytes(conn, 10, WAIT);
    for (int i = 0; i < 5; i++) {
      await(adapter.rawPublish("t", 0, new byte[] {1}));
    }
    listener.awaitQueuedTasks(WAIT);
    release.countDown();
    handler.awaitMessages(conn, 3, WAIT);
    device.close();
    handler.awaitClosed(conn, WAIT);
    listener.awaitQueuedTasks(WAIT);
  }

  @Test
  void prometheusTextAfterAScriptedSession() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    start(b -> b.metrics(new MicrometerMetrics(registry)));
    scriptedSession();
    org.awaitility.Awaitility.await().atMost(WAIT).until(() ->
        value(registry.scrape(), "exproto_connections_closed_total", "reason=\"tcp_closed\"")
            == 1.0);
    String text = registry.scrape();
    String l = "listener=\"default\"";
    assertThat(value(text, "exproto_connections", l)).isEqualTo(0.0);
    assertThat(value(text, "exproto_connections_accepted_total", l)).isEqualTo(1.0);
    assertThat(value(text, "exproto_bytes_received_bytes_total", l)).isEqualTo(10.0);
    assertThat(value(text, "exproto_packets_received_total", l)).isEqualTo(2.0);
    assertThat(value(text, "exproto_bytes_sent_bytes_total", l)).isEqualTo(3.0);
    assertThat(value(text, "exproto_packets_sent_total", l)).isEqualTo(1.0);
    assertThat(value(text, "exproto_messages_published_total", l)).isEqualTo(1.0);
    assertThat(value(text, "exproto_messages_delivered_total", l)).isEqualTo(3.0);
    assertThat(value(text, "exproto_messages_dropped_total", "reason=\"queue_full\""))
        .isEqualTo(3.0);
    assertThat(value(text, "exproto_authentications_total", "result=\"success\""))
        .isEqualTo(1.0);
    assertThat(value(text, "exproto_clients", "")).isEqualTo(0.0);
    // Each callback ran: socket created, 2 x bytes, 2 x messages, socket closed.
    assertThat(value(text, "exproto_callback_latency_seconds_count",
        "callback=\"on_received_bytes\"")).isEqualTo(2.0);
    assertThat(value(text, "exproto_callback_latency_seconds_count",
        "callback=\"on_socket_closed\"")).isEqualTo(1.0);
    assertThat(text).contains("exproto_callback_latency_seconds{callback=\"on_received_bytes\"",
        "quantile=\"0.99\"");
    assertThat(text).doesNotContain("dev-1").doesNotContain("clientid");
  }

  @Test
  void callbackFailuresByCause() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    start(b -> b.metrics(new MicrometerMetrics(registry)).callbackTimeout(Duration.ofSeconds(2)));
    handler.on(HandlerEvent.Type.RECEIVED_BYTES, (e, a) -> new CompletableFuture<>());
    listener.connect().send("x");
    String conn = handler.awaitConnection(1, WAIT);
    handler.awaitBytes(conn, 1, WAIT);
    listener.awaitQueuedTasks(WAIT);
    clock.advance(Duration.ofSeconds(3));
    handler.awaitClosed(conn, WAIT);
    String text = registry.scrape();
    assertThat(value(text, "exproto_callback_failures_total",
        "callback=\"on_received_bytes\",cause=\"deadline_exceeded\"")).isEqualTo(1.0);
  }

  @Test
  void noRegistryNoMeters() throws Exception {
    int globalBefore = Metrics.globalRegistry.getMeters().size();
    PrometheusMeterRegistry unused = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Metrics.addRegistry(unused);
    try {
      start(b -> {});
      scriptedSession();
      assertThat(unused.getMeters()).isEmpty();
      assertThat(Metrics.globalRegistry.getMeters()).hasSize(globalBefore);
    } finally {
      Metrics.removeRegistry(unused);
    }
  }

  /** The value of the first sample of {@code name} whose labels contain {@code labels}. */
  static double value(String text, String name, String labels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$")
        .matcher(text);
    while (m.find()) {
      String l = m.group(1) == null ? "" : m.group(1);
      if (l.contains(labels)) {
        return Double.parseDouble(m.group(2));
      }
    }
    return Double.NaN;
  }
}
