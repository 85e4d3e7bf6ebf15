package io.exproto.server.http;

import io.exproto.gateway.Gateway;
import java.io.IOException;
import java.util.Map;

/**
 * What the management HTTP API needs from the standalone gateway beyond the {@link Gateway}
 * itself: the configuration it was started with, and the listener and setting changes that need
 * the server's own knowledge (how a listener is built from EMQX's listener object). Methods that
 * bind or stop listeners block: the API calls them on its management thread, never on an event
 * loop. Implementations are thread-safe.
 */
public interface ServerAdmin {

  /** The running gateway. */
  Gateway gateway();

  /**
   * The gateway's settings in EMQX's shape ({@code mountpoint}, {@code idle_timeout},
   * {@code enable_stats}, {@code server}, {@code handler}), without listeners.
   */
  Map<String, Object> gatewayConfig();

  /**
   * Applies what can change on a running gateway ({@code idle_timeout} for new connections,
   * {@code handler.address} and {@code handler.service_name} for new connections); a value that
   * cannot change live fails unless it equals the current one.
   *
   * @throws IllegalArgumentException naming the field and why
   */
  void updateGateway(Map<String, Object> body);

  /** A listener's configuration in EMQX's listener shape, or null if no listener has that name. */
  Map<String, Object> listenerConfig(String name);

  /**
   * Creates and starts a listener from EMQX's listener object ({@code type}, {@code name},
   * {@code bind}, ...). Blocks until bound.
   *
   * @throws IllegalArgumentException for a bad field, naming it
   * @throws IllegalArgumentException also if a listener with that name exists (EMQX: 400)
   * @throws IOException if it cannot bind
   */
  void createListener(String json) throws IOException;

  /**
   * Replaces a running listener (its connections close with {@code
   * {shutdown,listener_stopped}}). Blocks.
   *
   * @throws java.util.NoSuchElementException if no such listener
   */
  void updateListener(String type, String name, String json) throws IOException;

  /** Stops and forgets a listener, closing its connections. Blocks. False if unknown. */
  boolean deleteListener(String name);

  /** The metrics in Prometheus' text format (version 0.0.4). */
  String prometheusText();

  /**
   * Totals since start from the metrics, for the dashboard's rates: {@code received_msg}
   * (device publishes), {@code sent_msg} (deliveries), {@code dropped_msg}, {@code received_bytes},
   * {@code sent_bytes}.
   */
  Map<String, Double> totals();
}
