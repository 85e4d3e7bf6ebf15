package io.exproto.gateway;

import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A running ExProto gateway: listeners accept devices, a handler handles their protocol, a broker
 * carries their messages. Build one with {@link #builder()}.
 *
 * <p>Thread-safe. Not for implementation by users: methods may be added.
 */
public interface Gateway extends AutoCloseable {

  /** A builder with the defaults of SPEC B8. */
  static GatewayBuilder builder() {
    return new GatewayBuilder();
  }

  /**
   * Starts every listener.
   *
   * @return this gateway
   * @throws IOException if a listener cannot bind; listeners already started are stopped again
   * @throws IllegalStateException if started before
   */
  Gateway start() throws IOException;

  /** The adapter handlers call (also what the gRPC adapter server serves). */
  ConnectionAdapter adapter();

  /** The node name put into delivered messages. */
  String nodeName();

  /** The bound address of each listener, by listener name, in the order they were added. */
  Map<String, InetSocketAddress> listenerAddresses();

  /** Authenticated clients. */
  List<ClientView> clients();

  /**
   * Closes the connection of an authenticated client with reason {@code {shutdown,kicked}}.
   *
   * @return false if no such client is connected
   */
  boolean kick(String clientId);

  /**
   * Replaces the handler for connections accepted from now on; connections already open keep the
   * handler they started with until they close (SPEC: a new handler address or service applies to
   * new connections without dropping live ones). The previous handler, if {@link AutoCloseable},
   * is closed once its last connection has finished.
   *
   * @param factory creates the new handler from this gateway's adapter; called once, now
   * @throws IllegalStateException if the gateway is shutting down
   */
  void replaceHandler(Function<ConnectionAdapter, ConnectionHandler> factory);

  /** {@link #replaceHandler(Function)} with a ready handler instance. */
  void replaceHandler(ConnectionHandler handler);

  /** Current counters. */
  GatewayStats stats();

  /**
   * Stops accepting, closes every connection with {@code {shutdown,gateway_stopped}}, lets their
   * last callbacks run (bounded by the close-flush timeout), then stops the listeners and closes
   * the handler. Returns at once; see {@link #awaitTermination}.
   */
  void shutdown();

  /** Like {@link #shutdown()} but does not wait for pending callbacks. */
  void shutdownNow();

  /** Waits for termination after a shutdown; true if terminated in time. */
  boolean awaitTermination(Duration timeout) throws InterruptedException;

  /** True once shut down and terminated. */
  boolean isTerminated();

  /** {@link #shutdown()} then waits (up to the close-flush timeout plus 5 s) for termination. */
  @Override
  void close();
}
