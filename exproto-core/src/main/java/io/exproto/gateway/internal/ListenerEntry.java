package io.exproto.gateway.internal;

import io.exproto.metrics.ListenerMetrics;
import io.exproto.transport.TransportListener;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A started listener and the connections it accepted; a replaced listener with the same name is a
 * new entry, so closing one listener's connections never touches its successor's. Thread-safe.
 */
final class ListenerEntry {
  final TransportListener listener;
  final ListenerMetrics metrics;
  /** Connections accepted and not yet terminated. */
  final AtomicInteger live = new AtomicInteger();
  /** Completes when the entry is removed and its last connection has terminated. */
  final CompletableFuture<Void> drained = new CompletableFuture<>();
  volatile boolean removed;

  ListenerEntry(TransportListener listener, ListenerMetrics metrics) {
    this.listener = listener;
    this.metrics = metrics;
  }

  void connectionDone() {
    if (live.decrementAndGet() == 0 && removed) {
      drained.complete(null);
    }
  }
}
