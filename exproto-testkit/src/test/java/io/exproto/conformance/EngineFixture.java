package io.exproto.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.broker.InMemoryBroker;
import io.exproto.gateway.Gateway;
import io.exproto.gateway.GatewayBuilder;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.testkit.InMemoryDevice;
import io.exproto.testkit.InMemoryListener;
import io.exproto.testkit.ManualScheduler;
import io.exproto.testkit.RecordingHandler;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;

/** An engine on an in-memory transport with manual time; checks for leaks after each test. */
abstract class EngineFixture {
  static final Duration WAIT = Duration.ofSeconds(5);

  final ManualScheduler clock = new ManualScheduler();
  final InMemoryBroker broker = new InMemoryBroker();
  final RecordingHandler handler = new RecordingHandler();
  InMemoryListener listener;
  Gateway gateway;
  ConnectionAdapter adapter;

  Gateway start() throws Exception {
    return start(b -> {});
  }

  Gateway start(Consumer<GatewayBuilder> configure) throws Exception {
    listener = InMemoryListener.create("default");
    GatewayBuilder b = Gateway.builder().handler(handler::bind).listener(listener)
        .scheduler(clock).broker(broker).nodeName("test@node");
    configure.accept(b);
    gateway = b.build().start();
    adapter = gateway.adapter();
    return gateway;
  }

  /** Connects a device and waits until its onSocketCreated was recorded. */
  String connect() throws Exception {
    int before = handler.connections().size();
    lastDevice = listener.connect();
    return handler.awaitConnection(before + 1, WAIT);
  }

  InMemoryDevice lastDevice;

  static AdapterResult await(CompletionStage<AdapterResult> stage) throws Exception {
    return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  AdapterResult auth(String conn, String clientId) throws Exception {
    return await(adapter.authenticate(conn, ClientInfo.of(clientId, "user-" + clientId), "pw"));
  }

  @AfterEach
  void noLeaks() throws Exception {
    if (gateway == null) {
      return;
    }
    gateway.shutdown();
    // Flush timers of closing connections are driven by manual time.
    for (int i = 0; i < 50 && !gateway.isTerminated(); i++) {
      clock.advance(Duration.ofSeconds(1));
      gateway.awaitTermination(Duration.ofMillis(20));
    }
    assertThat(gateway.awaitTermination(WAIT)).as("gateway terminated").isTrue();
    assertThat(gateway.stats().connections()).as("connections left").isZero();
    assertThat(gateway.stats().clients()).as("clients left").isZero();
    assertThat(broker.subscriptionCount()).as("subscriptions left").isZero();
    for (String conn : handler.connections()) {
      handler.assertLifecycleOrder(conn);
    }
  }
}
