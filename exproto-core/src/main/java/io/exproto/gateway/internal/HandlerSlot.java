package io.exproto.gateway.internal;

import io.exproto.handler.ConnectionHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One handler generation and the connections using it. The gateway holds one reference while the
 * handler is current; each connection holds one for its life. When the last reference goes (the
 * handler was replaced and its last connection finished), an {@link AutoCloseable} handler is
 * closed, on a thread of its own: the last connection finishes on its event loop, and a handler's
 * close may block (a gRPC handler waits for its channel's calls). Thread-safe.
 */
final class HandlerSlot {
  private static final Logger log = LoggerFactory.getLogger(HandlerSlot.class);

  final ConnectionHandler handler;
  private final AtomicInteger refs = new AtomicInteger(1); // the gateway's own
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<Void> closeDone = new CompletableFuture<>();

  HandlerSlot(ConnectionHandler handler) {
    this.handler = handler;
  }

  /** Takes a reference for a connection; false if the slot is already released for good. */
  boolean acquire() {
    while (true) {
      int n = refs.get();
      if (n == 0) {
        return false;
      }
      if (refs.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Drops a reference; the last one closes the handler, on a new thread. */
  void release() {
    if (refs.decrementAndGet() == 0 && handler instanceof AutoCloseable) {
      Thread t = new Thread(this::close, "exproto-handler-close");
      t.setDaemon(true);
      t.start();
    }
  }

  /**
   * Closes the handler on the calling thread, once, whatever the references (gateway
   * termination); if a close is already running, waits for it. Never call it on an event loop.
   */
  void close() {
    if (!closed.compareAndSet(false, true)) {
      closeDone.join();
      return;
    }
    try {
      if (handler instanceof AutoCloseable c) {
        c.close();
      }
    } catch (Exception e) {
      log.warn("closing the handler {} failed", handler, e);
    } finally {
      closeDone.complete(null);
    }
  }
}
