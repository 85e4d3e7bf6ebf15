package io.exproto.broker;

import java.util.concurrent.CompletionStage;

/**
 * One authenticated client's presence at a {@link Broker}, opened by {@link Broker#openSession}
 * once the gateway's authenticator allowed the client, and closed when the client's connection
 * closes. A broker that bridges to an external MQTT broker makes this one MQTT session per device;
 * the in-memory broker's sessions simply route through the broker.
 *
 * <p>Topics and filters are mounted and validated, as for {@link Broker}. Deliveries for the
 * session's subscriptions go to the {@link Subscriber} given at opening. Every method is
 * thread-safe and never blocks; failures complete the stage exceptionally: with a
 * {@link BrokerRefusedException} when the broker said no (the gateway answers PERMISSION_DENY),
 * with any other exception when it could not be asked (the gateway answers UNKNOWN with the
 * exception's message). After {@link #close()} every operation fails.
 */
public interface BrokerSession {

  /**
   * Publishes as this client. The stage completes when the broker has taken responsibility for
   * the message as its qos requires (for a bridge: PUBACK at qos 1, PUBCOMP at qos 2).
   */
  CompletionStage<Void> publish(BrokerMessage message);

  /** Subscribes this client; subscribing again to the same filter replaces the qos. */
  CompletionStage<Void> subscribe(String filter, int qos);

  /** Removes one of this client's subscriptions; completes normally if there was none. */
  CompletionStage<Void> unsubscribe(String filter);

  /**
   * Ends the session: the client left (or is being replaced by a newer connection with its client
   * id). Releases what the session holds (its subscriptions, for a session the broker does not
   * keep; its network connection, for a bridge). Idempotent, callable from any thread, never
   * blocks, and after it the session never calls {@link Subscriber#sessionEnded}.
   */
  void close();
}
