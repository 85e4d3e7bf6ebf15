package io.exproto.broker.mqtt;

import io.exproto.broker.Broker;
import io.exproto.gateway.Gateway;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.testkit.InMemoryDevice;
import io.exproto.testkit.InMemoryListener;
import io.exproto.testkit.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** A gateway on an in-memory listener with a recording handler, on a given broker. */
final class BridgeFixture implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(15);

  final RecordingHandler handler;
  final InMemoryListener listener;
  final Gateway gateway;
  final List<InMemoryDevice> devices = new ArrayList<>();
  private int connections;

  BridgeFixture(Broker broker) throws Exception {
    this(broker, new RecordingHandler());
  }

  BridgeFixture(Broker broker, RecordingHandler handler) throws Exception {
    this.handler = handler;
    this.listener = InMemoryListener.create("default");
    this.gateway = Gateway.builder().listener(listener).handler(handler::bind).broker(broker)
        .closeFlushTimeout(Duration.ofSeconds(2)).build().start();
  }

  ConnectionAdapter adapter() {
    return handler.adapter();
  }

  /** Connects a device; returns its conn. */
  String connect() throws Exception {
    devices.add(listener.connect());
    return handler.awaitConnection(++connections, WAIT);
  }

  AdapterResult authenticate(String conn, String clientId, String username, String password)
      throws Exception {
    return await(adapter().authenticate(conn, new ClientInfo("exproto", "1", clientId, username,
        ""), password));
  }

  /** Connects and authenticates; asserts success. */
  String device(String clientId) throws Exception {
    String conn = connect();
    AdapterResult r = authenticate(conn, clientId, "user", "secret");
    if (!r.isSuccess()) {
      throw new AssertionError("authenticate " + clientId + ": " + r);
    }
    return conn;
  }

  AdapterResult publish(String conn, String topic, int qos, String payload) throws Exception {
    return await(adapter().publish(conn, topic, qos, payload.getBytes(StandardCharsets.UTF_8)));
  }

  AdapterResult subscribe(String conn, String filter, int qos) throws Exception {
    return await(adapter().subscribe(conn, filter, qos));
  }

  static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws Exception {
    gateway.shutdownNow();
    gateway.awaitTermination(WAIT);
  }
}
