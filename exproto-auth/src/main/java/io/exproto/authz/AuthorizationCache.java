package io.exproto.authz;

import io.exproto.auth.Authorizer.Action;
import io.exproto.auth.Authorizer.Decision;
import io.exproto.auth.ClientIdentity;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * EMQX's {@code authorization.cache}: per client, the last {@code max_size} decisions for
 * (action, topic), each kept for {@code ttl}. A client's cache goes when it has not been used
 * for {@code ttl}; at most {@code maxClients} clients are cached (beyond it the cache starts
 * over), so memory stays bounded. Thread-safe.
 */
final class AuthorizationCache {
  private record Key(Action action, String topic) {}

  private record Entry(Decision decision, long expiresNanos) {}

  private static final class ClientCache extends LinkedHashMap<Key, Entry> {
    private final int maxSize;
    volatile long lastUsedNanos;

    ClientCache(int maxSize) {
      super(16, 0.75f, true);
      this.maxSize = maxSize;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
      return size() > maxSize;
    }
  }

  private final int maxSize;
  private final long ttlNanos;
  private final int maxClients;
  private final LongSupplier clock;
  private final ConcurrentHashMap<ClientIdentity, ClientCache> clients =
      new ConcurrentHashMap<>();
  private final AtomicInteger puts = new AtomicInteger();

  AuthorizationCache(int maxSize, Duration ttl, int maxClients, LongSupplier nanoClock) {
    this.maxSize = maxSize;
    this.ttlNanos = ttl.toNanos();
    this.maxClients = maxClients;
    this.clock = nanoClock;
  }

  Decision get(ClientIdentity client, Action action, String topic) {
    ClientCache c = clients.get(client);
    if (c == null) {
      return null;
    }
    long now = clock.getAsLong();
    synchronized (c) {
      c.lastUsedNanos = now;
      Entry e = c.get(new Key(action, topic));
      if (e == null) {
        return null;
      }
      if (now - e.expiresNanos >= 0) {
        c.remove(new Key(action, topic));
        return null;
      }
      return e.decision;
    }
  }

  void put(ClientIdentity client, Action action, String topic, Decision d) {
    long now = clock.getAsLong();
    if ((puts.incrementAndGet() & 1023) == 0) {
      sweep(now);
    }
    if (clients.size() >= maxClients && !clients.containsKey(client)) {
      clients.clear();
    }
    ClientCache c = clients.computeIfAbsent(client, k -> new ClientCache(maxSize));
    synchronized (c) {
      c.lastUsedNanos = now;
      c.put(new Key(action, topic), new Entry(d, now + ttlNanos));
    }
  }

  private void sweep(long now) {
    clients.values().removeIf(c -> now - c.lastUsedNanos > ttlNanos);
  }

  /** Forgets everything (after a change of sources or settings). */
  void clear() {
    clients.clear();
  }

  int clientCount() {
    return clients.size();
  }
}
