package io.exproto.testkit;

import io.exproto.broker.InMemoryBroker;
import io.exproto.gateway.Gateway;
import io.exproto.gateway.GatewayBuilder;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnectionAdapter;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A whole gateway engine with no sockets and no real time, for deterministic tests: an {@link
 * InMemoryListener} named {@code default}, a {@link ManualScheduler} as the clock, an {@link
 * InMemoryBroker} and a {@link RecordingHandler}. Timers (keepalive, idle, expiry, callback
 * deadlines) fire only when the test moves the clock. After each test it shuts the gateway down
 * and checks that nothing leaked: no connection, client or subscription left, and every
 * connection's callbacks in order ({@code OnSocketCreated} first, {@code OnSocketClosed} last and
 * once).
 *
 * <pre>{@code
 * @RegisterExtension final EngineExtension engine = new EngineExtension();
 *
 * @Test void keepaliveExpires() throws Exception {
 *   engine.start(b -> b.idleTimeout(Duration.ofSeconds(30)));
 *   String conn = engine.connect();
 *   engine.await(engine.adapter().startTimer(conn, TimerType.KEEPALIVE, 10));
 *   engine.clock().advance(Duration.ofSeconds(15));
 *   engine.handler().awaitClosed(conn, EngineExtension.WAIT);
 * }
 * }</pre>
 *
 * <p>Register one per test instance with {@code @RegisterExtension}; not thread-safe (a test drives
 * it from one thread).
 */
public final class EngineExtension implements AfterEachCallback {

  /** How long the helpers wait for the engine: 5 s. */
  public static final Duration WAIT = Duration.ofSeconds(5);

  private final ManualScheduler clock = new ManualScheduler();
  private final InMemoryBroker broker = new InMemoryBroker();
  private final RecordingHandler handler = new RecordingHandler();
  private InMemoryListener listener;
  private Gateway gateway;
  private InMemoryDevice lastDevice;

  /** Starts the engine with the defaults (node name {@code test@node}). */
  public Gateway start() throws Exception {
    return start(b -> {});
  }

  /**
   * Starts the engine; {@code configure} may change any setting of the builder after the
   * extension's own (handler, listener, scheduler, broker, node name).
   *
   * @throws IllegalStateException if it was already started in this test
   */
  public Gateway start(Consumer<GatewayBuilder> configure) throws Exception {
    if (gateway != null) {
      throw new IllegalStateException("the engine was already started in this test");
    }
    listener = InMemoryListener.create("default");
    GatewayBuilder b = Gateway.builder().handler(handler::bind).listener(listener)
        .scheduler(clock).broker(broker).nodeName("test@node");
    configure.accept(b);
    gateway = b.build().start();
    return gateway;
  }

  /** Connects a new device and waits until its {@code onSocketCreated} was recorded. */
  public String connect() throws TimeoutException, InterruptedException {
    int before = handler.connections().size();
    lastDevice = listener().connect();
    return handler.awaitConnection(before + 1, WAIT);
  }

  /** Authenticates {@code conn} as {@code clientId}, username {@code user-<clientId>}. */
  public AdapterResult auth(String conn, String clientId) throws Exception {
    return await(adapter().authenticate(conn, ClientInfo.of(clientId, "user-" + clientId), "pw"));
  }

  /** The result of an adapter call, waiting at most {@link #WAIT}. */
  public static AdapterResult await(CompletionStage<AdapterResult> stage)
      throws InterruptedException, ExecutionException, TimeoutException {
    return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The clock; {@code advance} it to fire timers. */
  public ManualScheduler clock() {
    return clock;
  }

  /** The in-memory broker behind the gateway. */
  public InMemoryBroker broker() {
    return broker;
  }

  /** The handler, recording every callback; script it with {@code on(...)}. */
  public RecordingHandler handler() {
    return handler;
  }

  /**
   * The in-memory listener.
   *
   * @throws IllegalStateException before {@link #start}
   */
  public InMemoryListener listener() {
    requireStarted();
    return listener;
  }

  /** The running gateway; null before {@link #start}. */
  public Gateway gateway() {
    return gateway;
  }

  /**
   * The gateway's adapter, as a handler calls it.
   *
   * @throws IllegalStateException before {@link #start}
   */
  public ConnectionAdapter adapter() {
    requireStarted();
    return gateway.adapter();
  }

  /** The device of the last {@link #connect()}. */
  public InMemoryDevice lastDevice() {
    return lastDevice;
  }

  private void requireStarted() {
    if (gateway == null) {
      throw new IllegalStateException("start() the engine first");
    }
  }

  /** Shuts the gateway down, moving the clock for its close timers, and checks for leaks. */
  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (gateway == null) {
      return;
    }
    gateway.shutdown();
    // Flush timers of closing connections are driven by manual time.
    for (int i = 0; i < 50 && !gateway.isTerminated(); i++) {
      clock.advance(Duration.ofSeconds(1));
      gateway.awaitTermination(Duration.ofMillis(20));
    }
    check(gateway.awaitTermination(WAIT), "the gateway did not terminate");
    check(gateway.stats().connections() == 0,
        gateway.stats().connections() + " connections left after shutdown");
    check(gateway.stats().clients() == 0, gateway.stats().clients() + " clients left");
    check(broker.subscriptionCount() == 0,
        broker.subscriptionCount() + " subscriptions left in the broker");
    for (String conn : handler.connections()) {
      handler.assertLifecycleOrder(conn);
    }
  }

  private static void check(boolean ok, String failure) {
    if (!ok) {
      throw new AssertionError(failure);
    }
  }
}
