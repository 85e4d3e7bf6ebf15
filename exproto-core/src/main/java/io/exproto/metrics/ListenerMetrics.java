package io.exproto.metrics;

/**
 * The gateway's measurements for the connections of one listener, handed to a metrics binding.
 * Obtained once per listener from {@link GatewayMetrics#listener}, so an implementation resolves
 * its meters (by listener) once and the hot path only increments them.
 *
 * <p>Called from connections' executors (transport event loops), concurrently for different
 * connections: implementations must be thread-safe, must not block and should not allocate.
 * Every method has an empty default.
 */
public interface ListenerMetrics {

  /** Does nothing; what the gateway uses when no binding is configured. */
  ListenerMetrics NONE = new ListenerMetrics() {};

  /** A connection was accepted. */
  default void connectionOpened() {}

  /**
   * A connection finished (after its {@code OnSocketClosed}).
   *
   * @param reason the inner close reason, e.g. {@code tcp_closed}, {@code kicked}, {@code
   *     {error,{on_received_bytes,unavailable}}}; a small set of values
   */
  default void connectionClosed(String reason) {}

  /** One read (one socket read, datagram or frame) of {@code bytes} bytes arrived. */
  default void received(int bytes) {}

  /** One write of {@code bytes} bytes was sent to a device. */
  default void sent(int bytes) {}

  /** A device's Publish was accepted by the broker. */
  default void published() {}

  /** {@code count} messages were handed to the handler in one {@code OnReceivedMessages}. */
  default void delivered(int count) {}

  /**
   * {@code count} messages for a device were dropped.
   *
   * @param reason {@code queue_full} or {@code connection_closed}
   */
  default void dropped(String reason, int count) {}

  /** A handler callback completed (successfully or not) after {@code nanos}. */
  default void callbackCompleted(HandlerCallback callback, long nanos) {}

  /**
   * A handler callback failed.
   *
   * @param cause a short token: {@code deadline_exceeded}, a gRPC status such as
   *     {@code unavailable}, or {@code internal}
   */
  default void callbackFailed(HandlerCallback callback, String cause) {}

  /** The authenticator decided: {@code allowed} or refused. */
  default void authentication(boolean allowed) {}
}
