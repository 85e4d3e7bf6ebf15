package io.exproto.broker;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The session of {@link Broker#openSession}'s default: routes through the broker's own publish,
 * subscribe and unsubscribe, and unsubscribes what is left when closed. Thread-safe by a monitor
 * on this object; the connection is its only user, so it is never contended.
 */
final class DirectSession implements BrokerSession {
  private final Broker broker;
  private final Subscriber subscriber;
  private Set<String> filters; // null until the first subscription, to keep idle clients small
  private boolean closed;

  DirectSession(Broker broker, Subscriber subscriber) {
    this.broker = broker;
    this.subscriber = subscriber;
  }

  @Override
  public CompletionStage<Void> publish(BrokerMessage message) {
    synchronized (this) {
      if (closed) {
        return closedStage();
      }
    }
    return broker.publish(message);
  }

  @Override
  public CompletionStage<Void> subscribe(String filter, int qos) {
    synchronized (this) {
      if (closed) {
        return closedStage();
      }
      if (filters == null) {
        filters = new HashSet<>(4);
      }
      filters.add(filter);
    }
    return broker.subscribe(filter, qos, subscriber);
  }

  @Override
  public CompletionStage<Void> unsubscribe(String filter) {
    synchronized (this) {
      if (closed) {
        return closedStage();
      }
      if (filters != null) {
        filters.remove(filter);
      }
    }
    return broker.unsubscribe(filter, subscriber);
  }

  @Override
  public void close() {
    Set<String> left;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      left = filters;
      filters = null;
    }
    if (left != null) {
      for (String filter : left) {
        broker.unsubscribe(filter, subscriber);
      }
    }
  }

  private static CompletionStage<Void> closedStage() {
    return CompletableFuture.failedFuture(new IllegalStateException("the session is closed"));
  }
}
