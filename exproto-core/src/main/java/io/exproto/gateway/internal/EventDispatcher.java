package io.exproto.gateway.internal;

import io.exproto.events.GatewayEvent;
import io.exproto.events.GatewayEventListener;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands events from connections to the registered listeners: a bounded queue, drained by one
 * daemon thread started with the first listener. Emitting never blocks; a full queue drops the
 * event and counts it. Thread-safe.
 */
final class EventDispatcher {
  private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);
  private static final GatewayEvent.Type[] TYPES = GatewayEvent.Type.values();

  private final List<Registration> listeners = new CopyOnWriteArrayList<>();
  private final ArrayBlockingQueue<GatewayEvent> queue;
  private final LongAdder dropped = new LongAdder();
  private final String threadName;
  /** wanted[type.ordinal()]: some listener wants that type; replaced on (un)registration. */
  private volatile boolean[] wanted = new boolean[TYPES.length];
  private volatile long lastDropWarnNanos;
  private Thread thread; // guarded by this
  private boolean stopped; // guarded by this

  private record Registration(GatewayEventListener listener, boolean[] types) {}

  EventDispatcher(int capacity, String threadName) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.threadName = threadName;
  }

  /** True if some listener wants events of this type: only then is one created. */
  boolean wants(GatewayEvent.Type type) {
    return wanted[type.ordinal()];
  }

  synchronized void add(GatewayEventListener l) {
    Objects.requireNonNull(l, "listener");
    boolean[] types = new boolean[TYPES.length];
    for (GatewayEvent.Type t : l.types()) {
      types[t.ordinal()] = true;
    }
    listeners.add(new Registration(l, types));
    recomputeWanted();
    if (thread == null && !stopped) {
      thread = new Thread(this::run, threadName);
      thread.setDaemon(true);
      thread.start();
    }
  }

  synchronized boolean remove(GatewayEventListener l) {
    boolean removed = listeners.removeIf(r -> r.listener == l);
    recomputeWanted();
    return removed;
  }

  private void recomputeWanted() {
    boolean[] w = new boolean[TYPES.length];
    for (Registration r : listeners) {
      for (int i = 0; i < w.length; i++) {
        w[i] |= r.types[i];
      }
    }
    wanted = w;
  }

  /** Queues an event; never blocks. */
  void emit(GatewayEvent e) {
    if (!queue.offer(e)) {
      dropped.increment();
      long now = System.nanoTime();
      if (now - lastDropWarnNanos > TimeUnit.SECONDS.toNanos(10)) {
        lastDropWarnNanos = now;
        log.warn("event listeners are too slow: the event queue ({} events) is full; dropping"
            + " events ({} so far)", queue.size() + queue.remainingCapacity(), dropped.sum());
      }
    }
  }

  long dropped() {
    return dropped.sum();
  }

  /** Delivers what is queued, then ends the thread. */
  synchronized void stop() {
    stopped = true;
    if (thread != null) {
      thread.interrupt();
    }
  }

  private void run() {
    while (true) {
      GatewayEvent e;
      try {
        e = queue.take();
      } catch (InterruptedException ie) {
        GatewayEvent rest;
        while ((rest = queue.poll()) != null) {
          deliver(rest);
        }
        return;
      }
      deliver(e);
    }
  }

  private void deliver(GatewayEvent e) {
    int t = e.type().ordinal();
    for (Registration r : listeners) {
      if (r.types[t]) {
        try {
          r.listener.onEvent(e);
        } catch (Throwable err) {
          log.warn("event listener {} failed on {}", r.listener, e, err);
        }
      }
    }
  }
}
