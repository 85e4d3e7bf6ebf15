package io.exproto.gateway.internal;

import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The gateway's handler generations: the current one, which new connections take, and every one
 * installed, which termination closes. A replaced generation lives on in the connections that
 * hold it (see {@link HandlerSlot}). One per gateway; thread-safe, though the gateway serializes
 * installs under its lifecycle lock.
 */
final class HandlerGenerations {
  private final ConnectionAdapter adapter;
  private volatile HandlerSlot current;
  private final List<HandlerSlot> all = new CopyOnWriteArrayList<>();

  HandlerGenerations(ConnectionAdapter adapter) {
    this.adapter = adapter;
  }

  /**
   * Creates a handler with the gateway's adapter and makes it current; returns the previous
   * generation (null for the first), whose reference the caller releases.
   *
   * @throws IllegalStateException if the factory returns null
   */
  HandlerSlot install(Function<ConnectionAdapter, ConnectionHandler> factory) {
    ConnectionHandler h = factory.apply(adapter);
    if (h == null) {
      throw new IllegalStateException("the handler factory returned null");
    }
    HandlerSlot slot = new HandlerSlot(h);
    all.add(slot);
    HandlerSlot old = current;
    current = slot;
    return old;
  }

  /** The current handler. */
  ConnectionHandler current() {
    return current.handler;
  }

  /** The current handler, with a reference taken for a new connection. */
  HandlerSlot acquire() {
    while (true) {
      HandlerSlot s = current;
      if (s.acquire()) {
        return s;
      }
    }
  }

  /** Closes every handler generation (termination: no connection will call one again). */
  void closeAll() {
    for (HandlerSlot s : all) {
      s.close();
    }
  }
}
