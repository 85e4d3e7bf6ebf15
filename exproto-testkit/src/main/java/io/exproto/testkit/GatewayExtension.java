package io.exproto.testkit;

import io.exproto.broker.InMemoryBroker;
import io.exproto.gateway.Gateway;
import io.exproto.gateway.GatewayBuilder;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.transport.netty.TcpListener;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a gateway with a TCP listener on 127.0.0.1, port 0, before each test and shuts it down
 * after, failing the test if connections are left open. By default the handler is a fresh
 * {@link RecordingHandler}; the broker is an {@link InMemoryBroker} you can inspect.
 *
 * <pre>{@code
 * @RegisterExtension final GatewayExtension gw = GatewayExtension.withRecordingHandler();
 *
 * @Test void echoes() throws Exception {
 *   gw.recorder().on(Type.RECEIVED_BYTES, (e, a) -> a.send(e.conn(), e.bytes()).thenApply(r -> null));
 *   try (TcpTestDevice d = TcpTestDevice.connect(gw.tcpAddress())) {
 *     assertThat(d.send("hi").readText(2, Duration.ofSeconds(5))).isEqualTo("hi");
 *   }
 * }
 * }</pre>
 */
public final class GatewayExtension implements BeforeEachCallback, AfterEachCallback {
  private final Function<ConnectionAdapter, ConnectionHandler> handlerFactory;
  private final boolean recording;
  private Consumer<GatewayBuilder> configure = b -> {};
  private Consumer<TcpListener.Builder> listenerOptions = b -> {};
  private RecordingHandler recorder;
  private InMemoryBroker broker;
  private Gateway gateway;
  private TcpListener tcp;

  private GatewayExtension(Function<ConnectionAdapter, ConnectionHandler> factory,
      boolean recording) {
    this.handlerFactory = factory;
    this.recording = recording;
  }

  /** A gateway whose handler is a new {@link RecordingHandler} for each test. */
  public static GatewayExtension withRecordingHandler() {
    return new GatewayExtension(null, true);
  }

  /** A gateway with the given handler (created anew for each test by {@code factory}). */
  public static GatewayExtension withHandler(
      Function<ConnectionAdapter, ConnectionHandler> factory) {
    return new GatewayExtension(factory, false);
  }

  /** Further settings applied to the builder before each start (idle timeout, mountpoint, ...). */
  public GatewayExtension configure(Consumer<GatewayBuilder> configure) {
    this.configure = configure;
    return this;
  }

  /**
   * Options of the TCP listener, as in production: framing, TLS, access rules, rate and
   * connection limits, PROXY protocol, send timeouts. Applied after the extension's own name
   * ({@code tcp}) and address (127.0.0.1, port 0), which should be left alone.
   *
   * <pre>{@code
   * @RegisterExtension final GatewayExtension gw = GatewayExtension.withHandler(LineHandler::new)
   *     .listener(tcp -> tcp.framing(Framing.line(1024)));
   * }</pre>
   */
  public GatewayExtension listener(Consumer<TcpListener.Builder> options) {
    this.listenerOptions = options;
    return this;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    broker = new InMemoryBroker();
    TcpListener.Builder lb = TcpListener.builder().name("tcp")
        .bind(new InetSocketAddress("127.0.0.1", 0));
    listenerOptions.accept(lb);
    tcp = lb.build();
    GatewayBuilder b = Gateway.builder().broker(broker).listener(tcp);
    if (recording) {
      recorder = new RecordingHandler();
      b.handler(recorder::bind);
    } else {
      b.handler(handlerFactory);
    }
    configure.accept(b);
    gateway = b.build().start();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (gateway == null) {
      return;
    }
    gateway.shutdown();
    boolean terminated = gateway.awaitTermination(Duration.ofSeconds(20));
    int left = gateway.stats().connections();
    int open = tcp.openConnections();
    gateway = null;
    if (!terminated || left != 0 || open != 0) {
      throw new AssertionError("gateway did not shut down cleanly: terminated=" + terminated
          + ", engine connections left=" + left + ", open sockets=" + open);
    }
  }

  /** The running gateway. */
  public Gateway gateway() {
    return gateway;
  }

  /** The gateway's adapter. */
  public ConnectionAdapter adapter() {
    return gateway.adapter();
  }

  /** The bound TCP address to connect devices to. */
  public InetSocketAddress tcpAddress() {
    return tcp.localAddress();
  }

  /** The TCP listener, for its counters. */
  public TcpListener tcpListener() {
    return tcp;
  }

  /** The recording handler (only with {@link #withRecordingHandler()}). */
  public RecordingHandler recorder() {
    if (recorder == null) {
      throw new IllegalStateException("this extension was created with a custom handler");
    }
    return recorder;
  }

  /** The broker, for subscriptions and direct publishing in assertions. */
  public InMemoryBroker broker() {
    return broker;
  }
}
