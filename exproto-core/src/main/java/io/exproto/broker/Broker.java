package io.exproto.broker;

import java.util.concurrent.CompletionStage;

/**
 * The pub/sub fabric behind the gateway. {@link InMemoryBroker} is the reference implementation;
 * other implementations bridge to an external broker.
 *
 * <p>Topics and filters given to a broker have already been validated with {@link Topics} and
 * carry their mountpoint. Filters may be shared subscriptions, {@code $share/<group>/<filter>}:
 * each matching message goes to one member of the group. Methods are thread-safe, never block,
 * and report failure by completing the stage exceptionally.
 */
public interface Broker {

  /** Routes {@code message} to every matching subscription. */
  CompletionStage<Void> publish(BrokerMessage message);

  /**
   * Subscribes {@code subscriber} to {@code filter}; subscribing again to the same filter replaces
   * the qos.
   */
  CompletionStage<Void> subscribe(String filter, int qos, Subscriber subscriber);

  /** Removes the subscription; completes normally if there was none. */
  CompletionStage<Void> unsubscribe(String filter, Subscriber subscriber);
}
