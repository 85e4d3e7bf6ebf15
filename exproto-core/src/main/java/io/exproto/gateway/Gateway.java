package io.exproto.gateway;

import io.exproto.events.GatewayEventListener;
import io.exproto.gateway.internal.Version;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.management.AuthenticationAdmin;
import io.exproto.management.ClientDetails;
import io.exproto.management.ClientQuery;
import io.exproto.management.ListenerView;
import io.exproto.management.Page;
import io.exproto.management.SubscriptionView;
import io.exproto.transport.TransportListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A running ExProto gateway: listeners accept devices, a handler handles their protocol, a broker
 * carries their messages. Build one with {@link #builder()}.
 *
 * <p>Thread-safe. Not for implementation by users: methods may be added.
 */
public interface Gateway extends AutoCloseable {

  /** A builder with the defaults listed in docs/configuration.md. */
  static GatewayBuilder builder() {
    return new GatewayBuilder();
  }

  /**
   * The version of this library, such as {@code 0.1.0}, from the build that made exproto-core's
   * jar; {@code "unknown"} if that jar's version resource is missing (classes repackaged without
   * their resources).
   */
  static String version() {
    return Version.VERSION;
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

  /**
   * The bound address of each listener, by listener name, in the order they were added (a listener
   * replaced with {@link #updateListener} keeps its place). Reflects {@link #addListener} and
   * {@link #removeListener} at once.
   */
  Map<String, InetSocketAddress> listenerAddresses();

  /**
   * Starts a further listener on the running gateway; it accepts at once.
   *
   * @param listener a listener not started before, with a name no current listener has
   * @throws IOException if it cannot bind (the gateway and its other listeners are unaffected)
   * @throws IllegalArgumentException if a listener with the same name is running
   * @throws IllegalStateException if the gateway is not running (not started, or shutting down)
   */
  void addListener(TransportListener listener) throws IOException;

  /**
   * Stops a listener on the running gateway: it stops accepting at once, its connections (and no
   * others) are closed with reason {@code {shutdown,listener_stopped}} (a reason of this gateway;
   * EMQX has none; docs/behaviour.md lists it under "Close reasons"), their queued callbacks still run
   * within the close-flush timeout, then the listener is stopped and its port released.
   *
   * <p>Blocks until then, at most the close-flush timeout plus the callback timeout plus a few
   * seconds: call it from a management thread, never from a handler callback or a transport event
   * loop.
   *
   * @return false if no listener has that name
   * @throws IllegalStateException if the gateway is not running
   */
  boolean removeListener(String name);

  /**
   * Replaces a running listener by another with the same name (e.g. a new port or new TLS
   * certificates): {@link #removeListener} of the old one (its connections close with
   * {@code {shutdown,listener_stopped}}; devices reconnect to the new one), then
   * {@link #addListener} of {@code replacement}. Other listeners and their connections are
   * untouched.
   *
   * @param replacement a listener not started before, named like the one it replaces
   * @throws IOException if the replacement cannot bind; the old listener is already gone then
   * @throws IllegalArgumentException if no listener has the replacement's name
   * @throws IllegalStateException if the gateway is not running
   */
  void updateListener(TransportListener replacement) throws IOException;

  /**
   * Changes the idle timeout (docs/behaviour.md, Timers; builder default 30 s) for connections accepted from now on.
   * Connections already open keep the idle timeout they started with; none is closed by the change.
   *
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if the gateway is shutting down
   */
  void updateIdleTimeout(Duration idleTimeout);

  /** The idle timeout applied to connections accepted now. */
  Duration idleTimeout();

  /** The ban list, by peer address and by client id, changeable while running; empty at start. */
  BanList banList();

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
   * handler they started with until they close: a new handler address or service applies to new
   * connections without dropping live ones (EMQX did not apply a changed handler at all). The previous handler, if {@link AutoCloseable},
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

  // ---------------------------------------------------------------- management

  /**
   * A page of the authenticated clients that match {@code query}, ordered by the time they
   * authenticated (then by client id), with EMQX's paging: page {@code page} of size
   * {@code limit}, the total count and whether more follow. Each client's details are read on
   * its connection's own thread, so the returned stage completes once those threads have
   * answered; nothing blocks. A client that leaves meanwhile is left out of {@code data} (the
   * count still includes it).
   *
   * @param page from 1
   * @param limit from 1 to 10000
   * @throws IllegalArgumentException if {@code page} or {@code limit} is out of range
   */
  CompletionStage<Page<ClientDetails>> listClients(ClientQuery query, int page, int limit);

  /** One authenticated client's details, or empty if it is not connected. Never blocks. */
  CompletionStage<Optional<ClientDetails>> client(String clientId);

  /**
   * A client's subscriptions, topics as the client gave them (without mountpoint). Fails with
   * {@link io.exproto.management.ClientNotFoundException} if it is not connected.
   */
  CompletionStage<List<SubscriptionView>> subscriptions(String clientId);

  /**
   * Subscribes a client, as its handler's Subscribe would (the client's mountpoint applies;
   * authorization does not: this is the operator's decision). Messages matching it are then
   * delivered to its handler. Fails with {@link io.exproto.management.ClientNotFoundException},
   * or {@link IllegalArgumentException} for an invalid filter or a qos other than 0 to 2.
   */
  CompletionStage<SubscriptionView> subscribe(String clientId, String topicFilter, int qos);

  /**
   * Removes a client's subscription. Completes with false if it had no such subscription; fails
   * with {@link io.exproto.management.ClientNotFoundException}.
   */
  CompletionStage<Boolean> unsubscribe(String clientId, String topicFilter);

  /** The running listeners (the configured ones before start), in the order added. */
  List<ListenerView> listeners();

  /** The mountpoint template configured for the gateway, possibly empty. */
  String mountpoint();

  /**
   * Management of authenticators and users; {@link
   * io.exproto.management.AuthenticationAdmin#notConfigured()} unless the builder was given one.
   */
  AuthenticationAdmin authenticationAdmin();

  /**
   * Registers an event listener on the running gateway; it receives events that happen from now
   * on. See {@link GatewayEventListener} for threading.
   */
  void addEventListener(GatewayEventListener listener);

  /** Unregisters an event listener; false if it was not registered. */
  boolean removeEventListener(GatewayEventListener listener);

  /**
   * Drains the gateway gracefully: stops accepting (a device connecting from now on is closed at
   * once and never reaches the handler), closes every connection with
   * {@code {shutdown,gateway_stopped}}, lets the callbacks in flight and queued finish within the
   * drain timeout ({@link GatewayBuilder#drainTimeout}, default 15 s; past it they are abandoned,
   * their stages cancelled), delivers {@code onSocketClosed} to the handler for every connection,
   * flushes the broker's pending QoS 1/2 work ({@link io.exproto.broker.Broker#flush()}) within
   * what is left of the drain timeout, then stops the listeners and closes the handler. Returns at
   * once; see {@link #awaitTermination}. Calling it again has no effect.
   */
  void shutdown();

  /** Like {@link #shutdown()} but does not wait for pending callbacks. */
  void shutdownNow();

  /** Waits for termination after a shutdown; true if terminated in time. */
  boolean awaitTermination(Duration timeout) throws InterruptedException;

  /** True once shut down and terminated. */
  boolean isTerminated();

  /**
   * {@link #shutdown()} then waits for termination, up to the drain timeout plus the callback
   * timeout (for the last {@code onSocketClosed}) plus 5 s.
   */
  @Override
  void close();
}
