package io.exproto.broker.mqtt.internal;

import io.exproto.broker.BrokerMessage;
import io.exproto.broker.BrokerSession;
import io.exproto.broker.Subscriber;
import io.exproto.broker.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shared mode: {@code pool_size} MQTT connections with the bridge's own credentials carry every
 * device. A device's publishes go through the connection its client id hashes to (so one device's
 * messages stay in order). Each distinct filter is one broker subscription, on the connection the
 * filter hashes to, at qos 2 (each device's own qos is applied locally: delivery qos = min(publish
 * qos, the device's qos)), reference-counted by the devices subscribed to it and fanned out to them
 * here; a {@code $share/<group>/<filter>} goes to the broker as it is and each message it brings is
 * given to one member here, in turn. A qos 1/2 message is acknowledged to the broker once every
 * device it went to has taken it.
 *
 * <p>The pool reconnects for as long as the bridge runs; when an outage lasts past the reconnect
 * window, every device's session ends with {@code broker_unavailable}, and devices authenticating
 * while no connection is up are refused with UNKNOWN. Thread-safe: the filter table is changed
 * under one lock, and the broker calls made under it only enqueue.
 */
public final class SharedPool implements MqttLink.Events {
  private static final Logger log = LoggerFactory.getLogger(SharedPool.class);

  private final BridgeConfig cfg;
  private final MqttLink[] links;
  private final Map<String, FilterEntry> filters = new ConcurrentHashMap<>();
  private final Set<SharedSession> sessions = ConcurrentHashMap.newKeySet();
  private final Object lock = new Object();

  /** One broker subscription and the devices behind it. */
  private static final class FilterEntry {
    final String filter;
    final boolean shared;
    final MqttLink link;
    /** Devices to their qos; copy-on-write so a delivery reads a snapshot without locking. */
    volatile Map<Subscriber, Integer> members = Map.of();
    final AtomicInteger cursor = new AtomicInteger();
    CompletionStage<Void> subscribed;

    FilterEntry(String filter, MqttLink link) {
      this.filter = filter;
      this.shared = Topics.isShared(filter);
      this.link = link;
    }
  }

  public SharedPool(BridgeConfig cfg, ClientSettings transport, String clientIdBase) {
    this.cfg = cfg;
    this.links = new MqttLink[cfg.poolSize()];
    for (int i = 0; i < links.length; i++) {
      links[i] = Links.create(cfg, transport, cfg.clientIdPrefix() + clientIdBase + "-" + i,
          cfg.username(), cfg.password(), this, false);
    }
  }

  /** Connects every connection; fails (and closes the pool) if any cannot connect. */
  public CompletionStage<Void> connect() {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (MqttLink l : links) {
      all.add(l.connect().toCompletableFuture());
    }
    return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
        .whenComplete((v, e) -> {
          if (e != null) {
            close();
          }
        });
  }

  public void close() {
    for (MqttLink l : links) {
      l.close();
    }
    for (SharedSession s : sessions) {
      s.closed = true;
    }
    sessions.clear();
  }

  /** Completes when what every connection is waiting for now has completed (see MqttLink). */
  public CompletionStage<Void> flush() {
    CompletableFuture<?>[] all = new CompletableFuture<?>[links.length];
    for (int i = 0; i < links.length; i++) {
      all[i] = links[i].flush().toCompletableFuture();
    }
    return CompletableFuture.allOf(all);
  }

  /** The number of connections up. */
  public int connectionsUp() {
    int n = 0;
    for (MqttLink l : links) {
      if (l.isUp()) {
        n++;
      }
    }
    return n;
  }

  /** The number of broker subscriptions held (distinct filters). */
  public int brokerSubscriptions() {
    return filters.size();
  }

  /** The number of open device sessions. */
  public int sessions() {
    return sessions.size();
  }

  public CompletionStage<Void> publish(BrokerMessage m) {
    return links[Math.floorMod(m.from().hashCode(), links.length)].publish(m);
  }

  public CompletionStage<Void> subscribe(String filter, int qos, Subscriber subscriber) {
    synchronized (lock) {
      FilterEntry e = filters.get(filter);
      if (e == null) {
        e = new FilterEntry(filter, links[Math.floorMod(filter.hashCode(), links.length)]);
        filters.put(filter, e);
        FilterEntry entry = e;
        e.subscribed = e.link.subscribe(filter, 2, m -> deliver(entry, m))
            .whenComplete((v, err) -> {
              if (err != null) {
                synchronized (lock) {
                  if (filters.get(filter) == entry) {
                    filters.remove(filter); // the next subscriber asks the broker again
                  }
                }
              }
            });
      }
      Map<Subscriber, Integer> copy = new HashMap<>(e.members);
      copy.put(subscriber, qos);
      e.members = copy;
      return e.subscribed;
    }
  }

  public CompletionStage<Void> unsubscribe(String filter, Subscriber subscriber) {
    synchronized (lock) {
      FilterEntry e = filters.get(filter);
      if (e == null || !e.members.containsKey(subscriber)) {
        return CompletableFuture.completedFuture(null);
      }
      Map<Subscriber, Integer> copy = new HashMap<>(e.members);
      copy.remove(subscriber);
      e.members = copy;
      if (!copy.isEmpty()) {
        return CompletableFuture.completedFuture(null);
      }
      filters.remove(filter);
      return e.link.unsubscribe(filter);
    }
  }

  private void deliver(FilterEntry e, MqttLink.Incoming m) {
    Map<Subscriber, Integer> members = e.members;
    if (members.isEmpty()) {
      if (m.ack() != null) {
        m.ack().run();
      }
      return;
    }
    BrokerMessage message = new BrokerMessage(MessageIds.next(), m.from(), m.topic(), m.qos(),
        m.payload(), System.currentTimeMillis());
    if (e.shared) {
      List<Map.Entry<Subscriber, Integer>> list = new ArrayList<>(members.entrySet());
      var chosen = list.get(Math.floorMod(e.cursor.getAndIncrement(), list.size()));
      deliverOne(chosen.getKey(), message, Math.min(m.qos(), chosen.getValue()), m.ack());
      return;
    }
    Runnable[] acks = m.ack() == null ? null : Acks.split(m.ack(), members.size());
    int i = 0;
    for (var member : members.entrySet()) {
      deliverOne(member.getKey(), message, Math.min(m.qos(), member.getValue()),
          acks == null ? null : acks[i++]);
    }
  }

  private static void deliverOne(Subscriber s, BrokerMessage message, int qos, Runnable ack) {
    try {
      if (ack == null) {
        s.deliver(message, qos);
      } else if (qos == 0) {
        s.deliver(message, qos); // the device asked for at most once: nothing to wait for
        ack.run();
      } else {
        s.deliver(message, qos, ack);
      }
    } catch (RuntimeException ex) {
      log.warn("subscriber {} failed to take a message on {}", s, message.topic(), ex);
      if (ack != null) {
        ack.run();
      }
    }
  }

  /** Opens a device's session; refused with UNKNOWN while no pool connection is up. */
  public CompletionStage<BrokerSession> openSession(Subscriber subscriber) {
    if (connectionsUp() == 0) {
      return CompletableFuture.failedFuture(new BrokerUnavailableException(
          "the MQTT broker at " + cfg.url() + " is unreachable (the bridge is reconnecting)"));
    }
    SharedSession s = new SharedSession(subscriber);
    sessions.add(s);
    return CompletableFuture.completedFuture(s);
  }

  @Override
  public void onEnded(String reason) {
    // A pool connection taken over or kicked: some other process uses our client id. It will not
    // come back by itself, so the devices it carried cannot be served.
    log.error("bridge connection ended by the broker at {} ({}); check that every gateway node has"
        + " its own clientid_prefix", cfg.url(), reason);
    endAll("broker_unavailable");
  }

  @Override
  public void onOutagePastWindow() {
    endAll("broker_unavailable");
  }

  private void endAll(String reason) {
    for (SharedSession s : new ArrayList<>(sessions)) {
      s.end(reason);
    }
  }

  /** One device in shared mode: its subscriptions, so that closing releases them. */
  private final class SharedSession implements BrokerSession {
    private final Subscriber subscriber;
    private final Set<String> own = new HashSet<>(2);
    volatile boolean closed;

    SharedSession(Subscriber subscriber) {
      this.subscriber = subscriber;
    }

    @Override
    public CompletionStage<Void> publish(BrokerMessage message) {
      return closed ? closedStage() : SharedPool.this.publish(message);
    }

    @Override
    public CompletionStage<Void> subscribe(String filter, int qos) {
      synchronized (this) {
        if (closed) {
          return closedStage();
        }
        own.add(filter);
      }
      return SharedPool.this.subscribe(filter, qos, subscriber);
    }

    @Override
    public CompletionStage<Void> unsubscribe(String filter) {
      synchronized (this) {
        if (closed) {
          return closedStage();
        }
        own.remove(filter);
      }
      return SharedPool.this.unsubscribe(filter, subscriber);
    }

    @Override
    public void close() {
      List<String> left;
      synchronized (this) {
        if (closed && own.isEmpty()) {
          return;
        }
        closed = true;
        left = new ArrayList<>(own);
        own.clear();
      }
      sessions.remove(this);
      for (String f : left) {
        SharedPool.this.unsubscribe(f, subscriber);
      }
    }

    void end(String reason) {
      close();
      subscriber.sessionEnded(reason);
    }

    private CompletionStage<Void> closedStage() {
      return CompletableFuture.failedFuture(new BrokerUnavailableException(
          "the session is closed"));
    }
  }
}
