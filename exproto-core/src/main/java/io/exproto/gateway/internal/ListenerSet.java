package io.exproto.gateway.internal;

import io.exproto.metrics.ListenerMetrics;
import io.exproto.transport.TransportListener;
import io.exproto.transport.internal.Addresses;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's running listeners by name, in the order added, and the live changes to them:
 * add, remove (after the connections it accepted have closed) and update. The map is guarded by
 * the gateway's lifecycle lock, so that a change never races the gateway's start or shutdown;
 * changes are serialized by a lock of their own, taken before the lifecycle lock, never after.
 * One per gateway; thread-safe.
 */
final class ListenerSet {
  // The gateway's logger: listener changes are part of the gateway's story.
  private static final Logger log = LoggerFactory.getLogger(GatewayImpl.class);

  private final GatewayImpl gw;
  /** The gateway's lifecycle lock, which guards {@link #started}. */
  private final Object lifecycle;
  private final LinkedHashMap<String, ListenerEntry> started = new LinkedHashMap<>();
  private final Object changes = new Object();

  ListenerSet(GatewayImpl gw, Object lifecycle) {
    this.gw = gw;
    this.lifecycle = lifecycle;
  }

  /**
   * Starts {@code l}, its links accepted by the gateway, and adds it. Under the lifecycle lock.
   *
   * @throws IOException if the listener cannot bind
   */
  void start(TransportListener l) throws IOException {
    ListenerEntry entry = newEntry(l);
    l.start(link -> gw.accept(link, entry));
    started.put(l.name(), entry);
  }

  private ListenerEntry newEntry(TransportListener l) {
    ListenerMetrics m = gw.metrics.listener(l.name(), l.kind());
    return new ListenerEntry(l, m == null ? ListenerMetrics.NONE : m);
  }

  /** The running listeners. Under the lifecycle lock. */
  Collection<ListenerEntry> entries() {
    return started.values();
  }

  /** See {@link io.exproto.gateway.Gateway#addListener}. */
  void add(TransportListener listener) throws IOException {
    synchronized (changes) {
      synchronized (lifecycle) {
        gw.requireRunning("add a listener");
        if (started.containsKey(listener.name())) {
          throw new IllegalArgumentException("a listener named '" + listener.name()
              + "' is running; remove it first or use updateListener");
        }
        ListenerEntry entry = newEntry(listener);
        try {
          listener.start(link -> gw.accept(link, entry));
        } catch (IOException | RuntimeException e) {
          log.debug("listener {} ({}) failed to start: {}", listener.name(), listener.kind(),
              e.toString());
          throw e;
        }
        started.put(listener.name(), entry);
      }
    }
    log.info("listener {} ({}) added at {}", listener.name(), listener.kind(),
        Addresses.format(listener.localAddress()));
  }

  /** See {@link io.exproto.gateway.Gateway#removeListener}. */
  boolean remove(String name) {
    synchronized (changes) {
      ListenerEntry entry;
      synchronized (lifecycle) {
        gw.requireRunning("remove a listener");
        entry = started.remove(name);
        if (entry == null) {
          return false;
        }
        entry.removed = true;
      }
      gw.registry.closeAcceptedBy(entry, "listener_stopped");
      if (entry.live.get() == 0) {
        entry.drained.complete(null);
      }
      GatewaySettings settings = gw.settings;
      long cap = settings.closeFlushTimeout().plus(settings.callbackTimeout()).toMillis() + 1000;
      try {
        entry.drained.get(cap, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        log.warn("listener {}: {} connections still closing after {} ms; stopping it anyway",
            name, entry.live.get(), cap);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException e) {
        throw new IllegalStateException(e);
      }
      stop(entry.listener);
      log.info("listener {} ({}) removed", name, entry.listener.kind());
      return true;
    }
  }

  /** See {@link io.exproto.gateway.Gateway#updateListener}. */
  void update(TransportListener replacement) throws IOException {
    synchronized (changes) {
      synchronized (lifecycle) {
        gw.requireRunning("update a listener");
        ListenerEntry old = started.get(replacement.name());
        if (old == null) {
          throw new IllegalArgumentException("no listener named '" + replacement.name()
              + "' is running; use addListener for a new one");
        }
        if (old.listener == replacement) {
          throw new IllegalArgumentException("the replacement for listener '"
              + replacement.name() + "' is the running instance; pass a new, unstarted one");
        }
      }
      remove(replacement.name());
      add(replacement);
    }
  }

  private static void stop(TransportListener l) {
    try {
      l.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("listener {} did not stop cleanly: {}", l.name(), e.toString());
    }
  }

  /** Stops every running listener, waiting up to 10 s for them. Never on an event loop. */
  void stopAll() {
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    List<TransportListener> toStop = new ArrayList<>();
    synchronized (lifecycle) {
      for (ListenerEntry e : started.values()) {
        toStop.add(e.listener);
      }
    }
    for (TransportListener l : toStop) {
      try {
        stops.add(l.stop().toCompletableFuture());
      } catch (RuntimeException e) {
        log.warn("listener {} failed to stop", l.name(), e);
      }
    }
    try {
      CompletableFuture.allOf(stops.toArray(new CompletableFuture<?>[0]))
          .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("listeners did not stop cleanly: {}", e.toString());
    }
  }
}
