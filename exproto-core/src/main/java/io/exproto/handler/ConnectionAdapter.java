package io.exproto.handler;

import java.util.concurrent.CompletionStage;

/**
 * The gateway's side: the eight operations of {@code ConnectionAdapter}, as a Java interface.
 * Obtained from the gateway; the gRPC module serves it to remote handlers.
 *
 * <p>Every operation answers with an {@link AdapterResult}; failures are results, never
 * exceptional stages (docs/behaviour.md, Adapter result codes). All methods are thread-safe and never block. An operation on
 * {@code conn} issued from that connection's own I/O thread (an in-process handler inside a
 * callback) is carried out at once and its stage is already complete when the method returns.
 *
 * <p>Not for implementation by users: methods may be added.
 */
public interface ConnectionAdapter {

  /** Writes {@code bytes} to the connection as one write (one datagram on UDP). */
  CompletionStage<AdapterResult> send(String conn, byte[] bytes);

  /** Closes the connection; the handler then gets {@code onSocketClosed{shutdown,normal}}. */
  CompletionStage<AdapterResult> close(String conn);

  /**
   * Authenticates the connection as {@code clientInfo} (null: REQUIRED_PARAMS_MISSED).
   *
   * @param password the password, may be null or empty; never logged
   */
  CompletionStage<AdapterResult> authenticate(String conn, ClientInfo clientInfo, String password);

  /**
   * Starts (or replaces) a timer. {@code type} null means a type this gateway does not know.
   *
   * @param intervalSeconds the interval in seconds, read as unsigned 32-bit; 0 is rejected
   */
  CompletionStage<AdapterResult> startTimer(String conn, TimerType type, int intervalSeconds);

  /** Publishes as the connection's client; the mountpoint is prepended. qos is read as unsigned. */
  CompletionStage<AdapterResult> publish(String conn, String topic, int qos, byte[] payload);

  /** Subscribes the connection to a topic filter; the mountpoint is prepended. */
  CompletionStage<AdapterResult> subscribe(String conn, String topicFilter, int qos);

  /** Removes a subscription; success even if there was none. */
  CompletionStage<AdapterResult> unsubscribe(String conn, String topicFilter);

  /** Publishes without a connection, from {@code exproto}, ignoring mountpoints. */
  CompletionStage<AdapterResult> rawPublish(String topic, int qos, byte[] payload);
}
