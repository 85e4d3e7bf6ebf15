package io.exproto.conformance;

import io.exproto.broker.InMemoryBroker;
import io.exproto.gateway.Gateway;
import io.exproto.gateway.GatewayBuilder;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.testkit.EngineExtension;
import io.exproto.testkit.InMemoryDevice;
import io.exproto.testkit.InMemoryListener;
import io.exproto.testkit.ManualScheduler;
import io.exproto.testkit.RecordingHandler;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The conformance tests' base: the testkit's {@link EngineExtension}, with its parts as fields so
 * that the tests read as before.
 */
abstract class EngineFixture {
  static final Duration WAIT = EngineExtension.WAIT;

  @RegisterExtension
  final EngineExtension engine = new EngineExtension();

  final ManualScheduler clock = engine.clock();
  final InMemoryBroker broker = engine.broker();
  final RecordingHandler handler = engine.handler();
  InMemoryListener listener;
  Gateway gateway;
  ConnectionAdapter adapter;
  InMemoryDevice lastDevice;

  Gateway start() throws Exception {
    return start(b -> {});
  }

  Gateway start(Consumer<GatewayBuilder> configure) throws Exception {
    gateway = engine.start(configure);
    listener = engine.listener();
    adapter = engine.adapter();
    return gateway;
  }

  /** Connects a device and waits until its onSocketCreated was recorded. */
  String connect() throws Exception {
    String conn = engine.connect();
    lastDevice = engine.lastDevice();
    return conn;
  }

  static AdapterResult await(CompletionStage<AdapterResult> stage) throws Exception {
    return EngineExtension.await(stage);
  }

  AdapterResult auth(String conn, String clientId) throws Exception {
    return engine.auth(conn, clientId);
  }
}
