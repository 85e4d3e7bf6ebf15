package io.exproto.broker;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference broker: an in-memory topic trie with {@code +}, {@code #}, the {@code $}-topic
 * rule and shared subscriptions (round robin within a group). Thread-safe; delivery runs on the
 * publishing thread and calls {@link Subscriber#deliver}, which must not block.
 *
 * <p>Publishing takes no lock, so it never waits for subscribes and unsubscribes, which are
 * serialized among themselves; a publish concurrent with a subscribe may or may not see it. A
 * subscriber matching through several of its own subscriptions gets one delivery per subscription.
 * A shared subscription {@code $share/<group>/<filter>} is identified by group and filter: each
 * matching message goes to exactly one of its members. A subscriber whose {@code deliver} throws
 * is logged at warn and skipped; the others still get the message. Subscribers are told apart with
 * {@code equals}, which normally is identity.
 *
 * <p>All methods return already completed stages. An invalid topic, filter or qos completes the
 * stage exceptionally with an {@link IllegalArgumentException} (callers are expected to have
 * checked with {@link Topics}); a null argument throws {@link NullPointerException}.
 */
public final class InMemoryBroker implements Broker {
  private static final Logger log = LoggerFactory.getLogger(InMemoryBroker.class);

  private final TopicTrie trie = new TopicTrie();

  /** Creates an empty broker. */
  public InMemoryBroker() {}

  @Override
  public CompletionStage<Void> publish(BrokerMessage message) {
    Objects.requireNonNull(message, "message");
    String reason = Topics.validateName(message.topic());
    if (reason != null) {
      return invalid(reason + ": " + message.topic());
    }
    int messageQos = message.qos();
    trie.forEachMatch(message.topic(),
        (subscriber, subscriptionQos) ->
            deliver(subscriber, message, Math.min(messageQos, subscriptionQos)));
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Void> subscribe(String filter, int qos, Subscriber subscriber) {
    Objects.requireNonNull(filter, "filter");
    Objects.requireNonNull(subscriber, "subscriber");
    String reason = Topics.validateFilter(filter);
    if (reason != null) {
      return invalid(reason + ": " + filter);
    }
    if (qos < 0 || qos > 2) {
      return invalid("qos must be 0, 1 or 2, was " + qos);
    }
    if (Topics.isShared(filter)) {
      trie.subscribe(Topics.unshared(filter), Topics.shareGroup(filter), subscriber, qos);
    } else {
      trie.subscribe(filter, null, subscriber, qos);
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Void> unsubscribe(String filter, Subscriber subscriber) {
    Objects.requireNonNull(filter, "filter");
    Objects.requireNonNull(subscriber, "subscriber");
    String reason = Topics.validateFilter(filter);
    if (reason != null) {
      return invalid(reason + ": " + filter);
    }
    if (Topics.isShared(filter)) {
      trie.unsubscribe(Topics.unshared(filter), Topics.shareGroup(filter), subscriber);
    } else {
      trie.unsubscribe(filter, null, subscriber);
    }
    return CompletableFuture.completedFuture(null);
  }

  /**
   * The number of subscriptions currently held: one per (filter, subscriber) pair, counting each
   * member of a shared subscription once. Resubscribing does not change it. For tests and
   * management; a snapshot that may be stale by the time it is read.
   */
  public int subscriptionCount() {
    return trie.subscriptionCount();
  }

  /** The number of trie nodes including the root, for tests of pruning. */
  int nodeCount() {
    return trie.nodeCount();
  }

  private static void deliver(Subscriber subscriber, BrokerMessage message, int qos) {
    try {
      subscriber.deliver(message, qos);
    } catch (RuntimeException e) {
      log.warn("Subscriber {} failed to take message {} on topic {}; delivering to the others",
          subscriber, message.id(), message.topic(), e);
    }
  }

  private static CompletionStage<Void> invalid(String reason) {
    return CompletableFuture.failedFuture(new IllegalArgumentException(reason));
  }
}
