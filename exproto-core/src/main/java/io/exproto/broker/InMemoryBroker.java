package io.exproto.broker;

import java.util.concurrent.CompletionStage;

/**
 * The reference broker: an in-memory topic trie with {@code +}, {@code #}, the {@code $}-topic
 * rule and shared subscriptions (round robin within a group). Thread-safe; delivery runs on the
 * publishing thread and calls {@link Subscriber#deliver}, which must not block.
 */
public final class InMemoryBroker implements Broker {

  @Override
  public CompletionStage<Void> publish(BrokerMessage message) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public CompletionStage<Void> subscribe(String filter, int qos, Subscriber subscriber) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public CompletionStage<Void> unsubscribe(String filter, Subscriber subscriber) {
    throw new UnsupportedOperationException("TODO");
  }
}
