package io.exproto.broker;

/**
 * Receives the messages matching its subscriptions. Implemented by the gateway for each
 * connection; a broker holds subscribers by identity.
 */
public interface Subscriber {

  /**
   * A message matched one of this subscriber's subscriptions. Called from any thread, possibly
   * concurrently; must not block.
   *
   * @param message the message, with its full (mounted) topic
   * @param qos the delivery qos: min(publish qos, subscription qos)
   */
  void deliver(BrokerMessage message, int qos);
}
