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

  /**
   * A message that the broker needs acknowledged: a bridge acknowledges a qos 1 or 2 message to
   * the external broker only when {@code acknowledge} runs, so that a message the client never
   * processed is delivered again. The gateway runs it once the handler's OnReceivedMessages for
   * the message returned successfully, or when it drops the message (counted as a dropped
   * delivery); it never runs it when the callback failed or the connection closed first.
   * {@code acknowledge} is thread-safe and runs at most once.
   *
   * <p>The default delivers and acknowledges at once.
   */
  default void deliver(BrokerMessage message, int qos, Runnable acknowledge) {
    deliver(message, qos);
    acknowledge.run();
  }

  /**
   * The broker ended this client's session by itself: {@code reason} is {@code discarded} (the
   * client id's session was taken over elsewhere), {@code kicked} (an administrator removed it) or
   * {@code broker_unavailable} (the broker stayed unreachable past its reconnect window). The
   * gateway closes the client's connection with {@code {shutdown,<reason>}}. Called from any
   * thread; must not block. The default does nothing.
   */
  default void sessionEnded(String reason) {}
}
