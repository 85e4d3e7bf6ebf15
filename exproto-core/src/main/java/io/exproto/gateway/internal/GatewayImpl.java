package io.exproto.gateway.internal;

import io.exproto.broker.Broker;
import io.exproto.broker.BrokerMessage;
import io.exproto.events.GatewayEvent;
import io.exproto.events.GatewayEventListener;
import io.exproto.gateway.BanList;
import io.exproto.gateway.ClientView;
import io.exproto.gateway.Gateway;
import io.exproto.gateway.GatewayStats;
import io.exproto.gateway.Scheduler;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.ResultCode;
import io.exproto.management.AuthenticationAdmin;
import io.exproto.management.ClientDetails;
import io.exproto.management.ClientQuery;
import io.exproto.management.ListenerView;
import io.exproto.management.Page;
import io.exproto.management.SubscriptionView;
import io.exproto.metrics.GatewayMetrics;
import io.exproto.transport.Link;
import io.exproto.transport.LinkListener;
import io.exproto.transport.TransportListener;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link Gateway}: the lifecycle, accepting links, and the settings and
 * counters its connections share. Connections do the per-device work on their own executors;
 * the gateway's collaborators are the {@link ClientRegistry}, {@link ClientManagement}, the
 * {@link ListenerSet}, the {@link HandlerGenerations} and the {@link GatewayBanList}. Created by
 * {@link GatewayFactory}.
 */
final class GatewayImpl implements Gateway {
  private static final Logger log = LoggerFactory.getLogger(GatewayImpl.class);
  private static final LinkListener IGNORE = new LinkListener() {
    @Override
    public void onBytes(byte[] bytes) {}

    @Override
    public void onClosed(String reason) {}
  };

  private enum State { NEW, RUNNING, STOPPING, TERMINATED }

  /** Counters shared by connections. */
  static final class Stats {
    final LongAdder accepted = new LongAdder();
    final LongAdder deliveriesDropped = new LongAdder();
    final LongAdder callbackFailures = new LongAdder();
    final LongAdder banned = new LongAdder();
  }

  final GatewaySettings settings;
  final String nodeName;
  final Scheduler scheduler;
  final Broker broker;
  final Stats stats = new Stats();
  /** Events for listeners; {@link EventDispatcher#wants} guards creating one. */
  final EventDispatcher events;
  final GatewayMetrics metrics;
  /** The gateway-wide memory bound; a change of its state is passed on to every connection. */
  final QueuedBytes queuedBytes;
  final CallbackFailureLog callbackFailureLog = new CallbackFailureLog(System::nanoTime);
  private final GatewayAdapter adapter;
  private final HandlerGenerations handlers;

  final ClientRegistry registry;
  private final ClientManagement management;
  private final AtomicInteger live = new AtomicInteger();
  private final Object lifecycle = new Object();
  private volatile State state = State.NEW;
  private volatile boolean flushOnClose = true;
  private final CompletableFuture<Void> allClosed = new CompletableFuture<>();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final ListenerSet listenerSet = new ListenerSet(this, lifecycle);
  private volatile Duration idleTimeout;
  private final GatewayBanList banList;

  /** Creates the engine from validated settings; see {@link GatewayFactory#create}. */
  GatewayImpl(GatewaySettings settings) {
    this.settings = settings;
    this.nodeName = settings.nodeName();
    this.scheduler = settings.scheduler();
    this.broker = settings.broker();
    this.adapter = new GatewayAdapter(this);
    this.handlers = new HandlerGenerations(adapter);
    this.idleTimeout = settings.idleTimeout();
    this.metrics = settings.metrics();
    this.events = new EventDispatcher(settings.eventQueueCapacity(),
        "exproto-events-" + settings.nodeName());
    for (GatewayEventListener l : settings.eventListeners()) {
      events.add(l);
    }
    this.registry = new ClientRegistry(events);
    this.management = new ClientManagement(registry);
    this.banList = new GatewayBanList(registry::closeBannedAddress,
        clientId -> registry.closeClient(clientId, "banned"));
    this.queuedBytes = new QueuedBytes(settings.maxQueuedBytes(), registry::memoryBoundChanged);
    handlers.install(settings.handlerFactory());
  }

  @Override
  public void replaceHandler(Function<ConnectionAdapter, ConnectionHandler> factory) {
    Objects.requireNonNull(factory, "factory");
    HandlerSlot old;
    synchronized (lifecycle) {
      if (state == State.STOPPING || state == State.TERMINATED) {
        throw new IllegalStateException("the gateway is shutting down");
      }
      old = handlers.install(factory);
    }
    log.info("handler replaced by {}; {} connections keep the previous one until they close",
        handlers.current(), live.get());
    old.release();
  }

  @Override
  public void replaceHandler(ConnectionHandler handler) {
    Objects.requireNonNull(handler, "handler");
    replaceHandler(adapter -> handler);
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public Gateway start() throws IOException {
    synchronized (lifecycle) {
      if (state != State.NEW) {
        throw new IllegalStateException("the gateway was already started");
      }
      state = State.RUNNING;
      for (TransportListener l : settings.listeners()) {
        try {
          listenerSet.start(l);
        } catch (IOException | RuntimeException e) {
          // Thrown to the caller, who reports it: logging it too would say it twice.
          log.debug("listener {} ({}) failed to start: {}", l.name(), l.kind(), e.toString());
          state = State.TERMINATED;
          listenerSet.stopAll();
          handlers.closeAll();
          allClosed.complete(null);
          terminated.complete(null);
          throw e;
        }
      }
    }
    metrics.bindTo(this);
    return this;
  }

  /** A transport accepted {@code link} on {@code entry}'s listener; on the link's executor. */
  LinkListener accept(Link link, ListenerEntry entry) {
    if (state != State.RUNNING || entry.removed) {
      link.close();
      return IGNORE;
    }
    InetSocketAddress peer = link.remoteAddress();
    InetAddress peerAddress = peer == null ? null : peer.getAddress();
    if (banList.isBanned(peerAddress)) {
      // Before onSocketCreated: the handler never hears of a banned peer.
      stats.banned.increment();
      log.debug("refused a connection from banned address {} on listener {}", peer,
          link.listenerName());
      link.close();
      return IGNORE;
    }
    String conn = Ids.newConn();
    entry.live.incrementAndGet();
    Connection c = new Connection(this, conn, link, handlers.acquire(), entry, peerAddress);
    registry.add(c);
    live.incrementAndGet();
    stats.accepted.increment();
    entry.metrics.connectionOpened();
    c.start();
    // Each sweep (shutdown, listener removal, a new ban) may have run just before this connection
    // entered the registry; the flags it set first are visible now.
    if (state != State.RUNNING) {
      c.close("gateway_stopped", false);
    } else if (entry.removed) {
      c.close("listener_stopped", false);
    } else if (banList.isBanned(peerAddress)) {
      c.close("banned", false);
    }
    return c;
  }

  // ---------------------------------------------------------------- live listeners

  @Override
  public void addListener(TransportListener listener) throws IOException {
    Objects.requireNonNull(listener, "listener");
    listenerSet.add(listener);
  }

  @Override
  public boolean removeListener(String name) {
    Objects.requireNonNull(name, "name");
    return listenerSet.remove(name);
  }

  @Override
  public void updateListener(TransportListener replacement) throws IOException {
    Objects.requireNonNull(replacement, "replacement");
    listenerSet.update(replacement);
  }

  /** Under the lifecycle lock. */
  void requireRunning(String what) {
    if (state != State.RUNNING) {
      throw new IllegalStateException("cannot " + what + ": the gateway is "
          + (state == State.NEW ? "not started" : "shutting down"));
    }
  }

  // ---------------------------------------------------------------- live settings, bans

  @Override
  public void updateIdleTimeout(Duration idleTimeout) {
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (idleTimeout.isZero() || idleTimeout.isNegative()) {
      throw new IllegalArgumentException("idleTimeout must be positive, was " + idleTimeout);
    }
    synchronized (lifecycle) {
      if (state == State.STOPPING || state == State.TERMINATED) {
        throw new IllegalStateException("cannot update the idle timeout: the gateway is shutting"
            + " down");
      }
      this.idleTimeout = idleTimeout;
    }
    log.info("idle timeout is now {} for new connections", idleTimeout);
  }

  @Override
  public Duration idleTimeout() {
    return idleTimeout;
  }

  @Override
  public BanList banList() {
    return banList;
  }

  boolean isBannedClient(String clientId) {
    return banList.isBanned(clientId);
  }

  @Override
  public void shutdown() {
    stop(true);
  }

  @Override
  public void shutdownNow() {
    stop(false);
  }

  private void stop(boolean flush) {
    synchronized (lifecycle) {
      if (state == State.NEW) {
        state = State.TERMINATED;
        handlers.closeAll();
        allClosed.complete(null);
        terminated.complete(null);
        return;
      }
      if (state != State.RUNNING) {
        if (!flush) {
          flushOnClose = false;
        }
        return;
      }
      state = State.STOPPING;
      flushOnClose = flush;
    }
    registry.closeAllLater("gateway_stopped");
    if (live.get() == 0) {
      allClosed.complete(null);
    }
    CompletableFuture<Void> waitForConnections = flush ? allClosed
        : CompletableFuture.completedFuture(null);
    long started = System.nanoTime();
    long cap = settings.drainTimeout().plus(settings.callbackTimeout()).toMillis() + 1000;
    // Stopping listeners waits for their event loops: never do it on one of them.
    waitForConnections.orTimeout(cap, TimeUnit.MILLISECONDS).whenCompleteAsync((v, e) -> {
      if (e instanceof TimeoutException) {
        log.warn("{} connections still closing after {} ms; stopping anyway", live.get(), cap);
      }
      if (flush) {
        flushBroker(settings.drainTimeout().toNanos() - (System.nanoTime() - started));
      }
      listenerSet.stopAll();
      handlers.closeAll();
      events.stop();
      state = State.TERMINATED;
      terminated.complete(null);
    }, r -> new Thread(r, "exproto-shutdown").start());
  }

  /** Waits (at most {@code nanos}, at least a second) for the broker's pending QoS 1/2 work. */
  private void flushBroker(long nanos) {
    try {
      broker.flush().toCompletableFuture()
          .get(Math.max(nanos, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("the broker did not flush its pending QoS 1/2 work within the drain timeout: {}",
          e.toString());
    }
  }

  @Override
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    try {
      terminated.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  @Override
  public boolean isTerminated() {
    return terminated.isDone();
  }

  @Override
  public void close() {
    shutdown();
    try {
      awaitTermination(settings.drainTimeout().plus(settings.callbackTimeout()).plusSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- connections

  long closeFlushNanos() {
    if (!flushOnClose) {
      return 0;
    }
    // While draining for a shutdown, the drain timeout bounds what callbacks may still take.
    return (state == State.RUNNING ? settings.closeFlushTimeout() : settings.drainTimeout())
        .toNanos();
  }

  /** The connection delivered its last callback. */
  void terminated(Connection c) {
    c.handlerSlot.release();
    c.listener.metrics.connectionClosed(innerReason(c.closeReason()));
    c.listener.connectionDone();
    if (live.decrementAndGet() == 0 && state != State.RUNNING) {
      allClosed.complete(null);
    }
  }

  /** {@code {shutdown,kicked}} to {@code kicked}. */
  static String innerReason(String closeReason) {
    if (closeReason == null) {
      return "unknown";
    }
    return closeReason.startsWith("{shutdown,") && closeReason.endsWith("}")
        ? closeReason.substring(10, closeReason.length() - 1) : closeReason;
  }

  /** A RawPublish (no connection): publishes, and reports a PUBLISHED event on success. */
  CompletionStage<AdapterResult> rawPublish(BrokerMessage m) {
    CompletionStage<AdapterResult> r = publish(m);
    if (!events.wants(GatewayEvent.Type.PUBLISHED)) {
      return r;
    }
    return r.thenApply(result -> {
      if (result.code() == ResultCode.SUCCESS) {
        events.emit(new GatewayEvent(GatewayEvent.Type.PUBLISHED, m.timestamp(), null, m.from(),
            null, null, null, m.topic(), m.qos(), null));
      }
      return result;
    });
  }

  private CompletionStage<AdapterResult> publish(BrokerMessage m) {
    CompletionStage<Void> published;
    try {
      published = broker.publish(m);
    } catch (RuntimeException e) {
      published = CompletableFuture.failedStage(e);
    }
    return PubSubOperations.published(published);
  }

  // ---------------------------------------------------------------- views

  @Override
  public ConnectionAdapter adapter() {
    return adapter;
  }

  @Override
  public String nodeName() {
    return nodeName;
  }

  @Override
  public Map<String, InetSocketAddress> listenerAddresses() {
    Map<String, InetSocketAddress> out = new LinkedHashMap<>();
    synchronized (lifecycle) {
      if (state == State.NEW) {
        for (TransportListener l : settings.listeners()) {
          out.put(l.name(), l.localAddress());
        }
      } else {
        for (ListenerEntry e : listenerSet.entries()) {
          out.put(e.listener.name(), e.listener.localAddress());
        }
      }
    }
    return out;
  }

  @Override
  public List<ClientView> clients() {
    return registry.views();
  }

  @Override
  public boolean kick(String clientId) {
    return registry.closeClient(clientId, "kicked");
  }

  @Override
  public GatewayStats stats() {
    return new GatewayStats(live.get(), registry.clientCount(), stats.accepted.sum(),
        stats.deliveriesDropped.sum(), stats.callbackFailures.sum(), stats.banned.sum(),
        events.dropped());
  }

  // ---------------------------------------------------------------- management

  @Override
  public CompletionStage<Page<ClientDetails>> listClients(ClientQuery query, int page,
      int limit) {
    return management.listClients(query, page, limit);
  }

  @Override
  public CompletionStage<Optional<ClientDetails>> client(String clientId) {
    return management.client(clientId);
  }

  @Override
  public CompletionStage<List<SubscriptionView>> subscriptions(String clientId) {
    return management.subscriptions(clientId);
  }

  @Override
  public CompletionStage<SubscriptionView> subscribe(String clientId, String topicFilter,
      int qos) {
    return management.subscribe(clientId, topicFilter, qos);
  }

  @Override
  public CompletionStage<Boolean> unsubscribe(String clientId, String topicFilter) {
    return management.unsubscribe(clientId, topicFilter);
  }

  @Override
  public List<ListenerView> listeners() {
    List<ListenerView> out = new ArrayList<>();
    synchronized (lifecycle) {
      if (state == State.NEW) {
        for (TransportListener l : settings.listeners()) {
          out.add(new ListenerView(l.name(), l.kind(), l.localAddress(), 0));
        }
      } else {
        for (ListenerEntry e : listenerSet.entries()) {
          out.add(new ListenerView(e.listener.name(), e.listener.kind(),
              e.listener.localAddress(), Math.max(0, e.live.get())));
        }
      }
    }
    return out;
  }

  @Override
  public String mountpoint() {
    return settings.mountpoint();
  }

  @Override
  public AuthenticationAdmin authenticationAdmin() {
    return settings.authenticationAdmin();
  }

  @Override
  public void addEventListener(GatewayEventListener listener) {
    events.add(listener);
  }

  @Override
  public boolean removeEventListener(GatewayEventListener listener) {
    return events.remove(listener);
  }
}
