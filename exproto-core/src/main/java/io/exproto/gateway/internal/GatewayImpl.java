package io.exproto.gateway.internal;

import io.exproto.transport.internal.Cidr;
import io.exproto.broker.Broker;
import io.exproto.broker.BrokerMessage;
import io.exproto.events.GatewayEvent;
import io.exproto.gateway.ClientView;
import io.exproto.gateway.Gateway;
import io.exproto.gateway.GatewayStats;
import io.exproto.gateway.Scheduler;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.ResultCode;
import io.exproto.transport.Link;
import io.exproto.transport.LinkListener;
import io.exproto.transport.TransportListener;
import io.exproto.transport.internal.Addresses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.exproto.management.AuthenticationAdmin;
import io.exproto.management.ClientDetails;
import io.exproto.management.ClientNotFoundException;
import io.exproto.management.ClientQuery;
import io.exproto.management.ListenerView;
import io.exproto.management.Page;
import io.exproto.management.SubscriptionView;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link Gateway}: the registries, the listeners and the lifecycle. Connections
 * do the per-device work on their own executors.
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

  /**
   * A started listener and the connections it accepted; a replaced listener with the same name is a
   * new entry, so closing one listener's connections never touches its successor's.
   */
  static final class ListenerEntry {
    final TransportListener listener;
    final io.exproto.metrics.ListenerMetrics metrics;
    final AtomicInteger live = new AtomicInteger();
    final CompletableFuture<Void> drained = new CompletableFuture<>();
    volatile boolean removed;

    ListenerEntry(TransportListener listener, io.exproto.metrics.ListenerMetrics metrics) {
      this.listener = listener;
      this.metrics = metrics;
    }

    void connectionDone() {
      if (live.decrementAndGet() == 0 && removed) {
        drained.complete(null);
      }
    }
  }

  final GatewaySettings settings;
  final String nodeName;
  final Scheduler scheduler;
  final Broker broker;
  final Stats stats = new Stats();
  /** Events for listeners; {@link EventDispatcher#wants} guards creating one. */
  final EventDispatcher events;
  final io.exproto.metrics.GatewayMetrics metrics;
  /** The gateway-wide memory bound; a change of its state is passed on to every connection. */
  final QueuedBytes queuedBytes;
  final CallbackFailureLog callbackFailureLog = new CallbackFailureLog(System::nanoTime);
  private volatile HandlerSlot handlerSlot;
  private final java.util.List<HandlerSlot> handlerSlots = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final GatewayAdapter adapter;

  private final ConcurrentHashMap<String, Connection> connections = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Connection> clients = new ConcurrentHashMap<>();
  private final AtomicInteger live = new AtomicInteger();
  private final Object lifecycle = new Object();
  private volatile State state = State.NEW;
  private volatile boolean flushOnClose = true;
  private final CompletableFuture<Void> allClosed = new CompletableFuture<>();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  /** Running listeners by name, in the order added; guarded by {@link #lifecycle}. */
  private final LinkedHashMap<String, ListenerEntry> started = new LinkedHashMap<>();
  /** Serializes add/remove/update of listeners; taken before {@link #lifecycle}, never after. */
  private final Object listenerChanges = new Object();
  private volatile Duration idleTimeout;
  private final GatewayBanList banList;

  /** Creates the engine from validated settings; see {@link io.exproto.gateway.GatewayBuilder#build()}. */
  GatewayImpl(GatewaySettings settings) {
    this.settings = settings;
    this.nodeName = settings.nodeName();
    this.scheduler = settings.scheduler();
    this.broker = settings.broker();
    this.adapter = new GatewayAdapter(this);
    this.idleTimeout = settings.idleTimeout();
    this.banList = new GatewayBanList(this::closeBannedAddress, this::closeBannedClient);
    this.metrics = settings.metrics();
    this.events = new EventDispatcher(settings.eventQueueCapacity(),
        "exproto-events-" + settings.nodeName());
    for (io.exproto.events.GatewayEventListener l : settings.eventListeners()) {
      events.add(l);
    }
    this.queuedBytes = new QueuedBytes(settings.maxQueuedBytes(), () -> {
      for (Connection c : connections.values()) {
        c.memoryBoundChangedLater();
      }
    });
    installHandler(settings.handlerFactory());
  }

  private HandlerSlot installHandler(Function<ConnectionAdapter, ConnectionHandler> factory) {
    ConnectionHandler h = factory.apply(adapter);
    if (h == null) {
      throw new IllegalStateException("the handler factory returned null");
    }
    HandlerSlot slot = new HandlerSlot(h);
    handlerSlots.add(slot);
    HandlerSlot old = handlerSlot;
    handlerSlot = slot;
    return old;
  }

  @Override
  public void replaceHandler(Function<ConnectionAdapter, ConnectionHandler> factory) {
    java.util.Objects.requireNonNull(factory, "factory");
    HandlerSlot old;
    synchronized (lifecycle) {
      if (state == State.STOPPING || state == State.TERMINATED) {
        throw new IllegalStateException("the gateway is shutting down");
      }
      old = installHandler(factory);
    }
    log.info("handler replaced by {}; {} connections keep the previous one until they close",
        handlerSlot.handler, live.get());
    old.release();
  }

  @Override
  public void replaceHandler(ConnectionHandler handler) {
    java.util.Objects.requireNonNull(handler, "handler");
    replaceHandler(adapter -> handler);
  }

  /** The current handler, with a reference taken for a new connection. */
  private HandlerSlot acquireHandler() {
    while (true) {
      HandlerSlot s = handlerSlot;
      if (s.acquire()) {
        return s;
      }
    }
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
          ListenerEntry entry = newEntry(l);
          l.start(link -> accept(link, entry));
          started.put(l.name(), entry);
        } catch (IOException | RuntimeException e) {
          // Thrown to the caller, who reports it: logging it too would say it twice.
          log.debug("listener {} ({}) failed to start: {}", l.name(), l.kind(), e.toString());
          state = State.TERMINATED;
          stopListeners();
          closeHandler();
          allClosed.complete(null);
          terminated.complete(null);
          throw e;
        }
      }
    }
    metrics.bindTo(this);
    return this;
  }

  private ListenerEntry newEntry(TransportListener l) {
    io.exproto.metrics.ListenerMetrics m = metrics.listener(l.name(), l.kind());
    return new ListenerEntry(l, m == null ? io.exproto.metrics.ListenerMetrics.NONE : m);
  }

  private LinkListener accept(Link link, ListenerEntry entry) {
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
    Connection c = new Connection(this, conn, link, acquireHandler(), entry, peerAddress);
    connections.put(conn, c);
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
    java.util.Objects.requireNonNull(listener, "listener");
    synchronized (listenerChanges) {
      synchronized (lifecycle) {
        requireRunning("add a listener");
        if (started.containsKey(listener.name())) {
          throw new IllegalArgumentException("a listener named '" + listener.name()
              + "' is running; remove it first or use updateListener");
        }
        ListenerEntry entry = newEntry(listener);
        try {
          listener.start(link -> accept(link, entry));
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

  @Override
  public boolean removeListener(String name) {
    java.util.Objects.requireNonNull(name, "name");
    synchronized (listenerChanges) {
      ListenerEntry entry;
      synchronized (lifecycle) {
        requireRunning("remove a listener");
        entry = started.remove(name);
        if (entry == null) {
          return false;
        }
        entry.removed = true;
      }
      for (Connection c : connections.values()) {
        if (c.listener == entry) {
          c.closeLater("listener_stopped");
        }
      }
      if (entry.live.get() == 0) {
        entry.drained.complete(null);
      }
      long cap = settings.closeFlushTimeout().plus(settings.callbackTimeout()).toMillis() + 1000;
      try {
        entry.drained.get(cap, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        log.warn("listener {}: {} connections still closing after {} ms; stopping it anyway",
            name, entry.live.get(), cap);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(e);
      }
      stopListener(entry.listener);
      log.info("listener {} ({}) removed", name, entry.listener.kind());
      return true;
    }
  }

  @Override
  public void updateListener(TransportListener replacement) throws IOException {
    java.util.Objects.requireNonNull(replacement, "replacement");
    synchronized (listenerChanges) {
      synchronized (lifecycle) {
        requireRunning("update a listener");
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
      removeListener(replacement.name());
      addListener(replacement);
    }
  }

  private void requireRunning(String what) {
    if (state != State.RUNNING) {
      throw new IllegalStateException("cannot " + what + ": the gateway is "
          + (state == State.NEW ? "not started" : "shutting down"));
    }
  }

  private static void stopListener(TransportListener l) {
    try {
      l.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("listener {} did not stop cleanly: {}", l.name(), e.toString());
    }
  }

  // ---------------------------------------------------------------- live settings, bans

  @Override
  public void updateIdleTimeout(Duration idleTimeout) {
    java.util.Objects.requireNonNull(idleTimeout, "idleTimeout");
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
  public io.exproto.gateway.BanList banList() {
    return banList;
  }

  private void closeBannedAddress(Cidr block) {
    for (Connection c : connections.values()) {
      if (block.contains(c.peerAddress)) {
        c.closeLater("banned");
      }
    }
  }

  private void closeBannedClient(String clientId) {
    Connection c = clients.get(clientId);
    if (c != null) {
      c.closeLater("banned");
    }
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
        closeHandler();
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
    for (Connection c : connections.values()) {
      c.closeLater("gateway_stopped");
    }
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
      stopListeners();
      closeHandler();
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

  private void stopListeners() {
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

  /** Closes every handler generation (termination: no connection will call one again). */
  private void closeHandler() {
    for (HandlerSlot s : handlerSlots) {
      s.close();
    }
  }

  @Override
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    try {
      terminated.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
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

  // ---------------------------------------------------------------- registries

  Connection connection(String conn) {
    return connections.get(conn);
  }

  long closeFlushNanos() {
    if (!flushOnClose) {
      return 0;
    }
    // While draining for a shutdown, the drain timeout bounds what callbacks may still take.
    return (state == State.RUNNING ? settings.closeFlushTimeout() : settings.drainTimeout())
        .toNanos();
  }

  /** Makes an authenticated client visible; an older connection with its client id is discarded. */
  void registerClient(Connection c) {
    Connection previous = clients.put(c.clientId, c);
    if (previous != null && previous != c) {
      log.info("client {} connected again on {}; discarding {}", c.clientId, c.conn,
          previous.conn);
      previous.closeLater("discarded");
    }
    if (events.wants(GatewayEvent.Type.CONNECTED)) {
      events.emit(c.event(GatewayEvent.Type.CONNECTED, null, -1, null));
    }
  }

  /** The connection started closing: adapter calls no longer find it. */
  void unregister(Connection c) {
    connections.remove(c.conn, c);
    String cid = c.clientId;
    if (cid != null) {
      clients.remove(cid, c);
      // Exactly once per connected client: close() runs this once, after CONNECTED was emitted.
      if (events.wants(GatewayEvent.Type.DISCONNECTED)) {
        events.emit(c.event(GatewayEvent.Type.DISCONNECTED, null, -1, c.closeReason()));
      }
    }
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

  CompletionStage<AdapterResult> publish(BrokerMessage m) {
    CompletionStage<Void> published;
    try {
      published = broker.publish(m);
    } catch (RuntimeException e) {
      published = CompletableFuture.failedStage(e);
    }
    return published(published);
  }

  /**
   * The adapter's answer to a publish: SUCCESS, PERMISSION_DENY when the broker refused it (a
   * bridge's PUBACK with a not-authorised reason, say), else UNKNOWN with the broker's message.
   */
  static CompletionStage<AdapterResult> published(CompletionStage<Void> published) {
    return published.handle((v, e) -> {
      if (e == null) {
        return AdapterResult.SUCCESS;
      }
      Throwable cause = unwrap(e);
      if (cause instanceof io.exproto.broker.BrokerRefusedException) {
        return AdapterResult.of(ResultCode.PERMISSION_DENY, cause.getMessage());
      }
      return AdapterResult.of(ResultCode.UNKNOWN, "the broker failed to publish: "
          + cause.getMessage());
    });
  }

  /** The cause inside CompletionException wrappers; null stays null. */
  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The connection currently registered for {@code clientId}, or null. */
  Connection registeredClient(String clientId) {
    return clients.get(clientId);
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
        for (ListenerEntry e : started.values()) {
          out.put(e.listener.name(), e.listener.localAddress());
        }
      }
    }
    return out;
  }

  @Override
  public List<ClientView> clients() {
    List<ClientView> out = new ArrayList<>(clients.size());
    for (Connection c : clients.values()) {
      out.add(c.view());
    }
    return out;
  }

  @Override
  public boolean kick(String clientId) {
    Connection c = clients.get(clientId);
    if (c == null) {
      return false;
    }
    c.closeLater("kicked");
    return true;
  }

  @Override
  public GatewayStats stats() {
    return new GatewayStats(live.get(), clients.size(), stats.accepted.sum(),
        stats.deliveriesDropped.sum(), stats.callbackFailures.sum(), stats.banned.sum(),
        events.dropped());
  }

  // ---------------------------------------------------------------- management

  @Override
  public CompletionStage<Page<ClientDetails>> listClients(ClientQuery query, int page,
      int limit) {
    if (page < 1) {
      throw new IllegalArgumentException("page must be at least 1, was " + page);
    }
    if (limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw new IllegalArgumentException("limit must be from 1 to " + MAX_PAGE_LIMIT + ", was "
          + limit);
    }
    ClientQuery q = query == null ? ClientQuery.ALL : query;
    List<Connection> matched = new ArrayList<>();
    if (q.clientId() != null) {
      Connection c = clients.get(q.clientId());
      if (c != null && c.matches(q)) {
        matched.add(c);
      }
    } else {
      for (Connection c : clients.values()) {
        if (c.matches(q)) {
          matched.add(c);
        }
      }
    }
    matched.sort(Connection.BY_CONNECTED_AT);
    long from = (long) (page - 1) * limit;
    int count = matched.size();
    List<Connection> slice = from >= count ? List.of()
        : matched.subList((int) from, (int) Math.min(count, from + limit));
    @SuppressWarnings("unchecked")
    CompletableFuture<ClientDetails>[] details = new CompletableFuture[slice.size()];
    for (int i = 0; i < details.length; i++) {
      details[i] = slice.get(i).details();
    }
    boolean hasNext = from + limit < count;
    return CompletableFuture.allOf(details).thenApply(v -> {
      List<ClientDetails> data = new ArrayList<>(details.length);
      for (CompletableFuture<ClientDetails> d : details) {
        ClientDetails cd = d.join();
        if (cd != null) {
          data.add(cd);
        }
      }
      return new Page<>(data, page, limit, count, hasNext);
    });
  }

  /** The largest page {@link #listClients} serves, as EMQX's API. */
  static final int MAX_PAGE_LIMIT = 10_000;

  @Override
  public CompletionStage<Optional<ClientDetails>> client(String clientId) {
    Connection c = clientId == null ? null : clients.get(clientId);
    if (c == null) {
      return CompletableFuture.completedStage(Optional.empty());
    }
    return c.details().thenApply(Optional::ofNullable);
  }

  private Connection requireClient(String clientId) {
    Connection c = clientId == null ? null : clients.get(clientId);
    if (c == null) {
      throw new ClientNotFoundException(clientId);
    }
    return c;
  }

  @Override
  public CompletionStage<List<SubscriptionView>> subscriptions(String clientId) {
    try {
      return requireClient(clientId).managementSubscriptions();
    } catch (ClientNotFoundException e) {
      return CompletableFuture.failedStage(e);
    }
  }

  @Override
  public CompletionStage<SubscriptionView> subscribe(String clientId, String topicFilter,
      int qos) {
    if (qos < 0 || qos > 2) {
      return CompletableFuture.failedStage(new IllegalArgumentException(
          "qos must be 0, 1 or 2, was " + qos));
    }
    String why = topicFilter == null || topicFilter.isEmpty() ? "topic filter must not be empty"
        : io.exproto.broker.Topics.validateFilter(topicFilter);
    if (why != null) {
      return CompletableFuture.failedStage(new IllegalArgumentException("invalid topic filter '"
          + topicFilter + "': " + why));
    }
    try {
      return requireClient(clientId).managementSubscribe(topicFilter, qos);
    } catch (ClientNotFoundException e) {
      return CompletableFuture.failedStage(e);
    }
  }

  @Override
  public CompletionStage<Boolean> unsubscribe(String clientId, String topicFilter) {
    try {
      return requireClient(clientId).managementUnsubscribe(topicFilter);
    } catch (ClientNotFoundException e) {
      return CompletableFuture.failedStage(e);
    }
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
        for (ListenerEntry e : started.values()) {
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
  public void addEventListener(io.exproto.events.GatewayEventListener listener) {
    events.add(listener);
  }

  @Override
  public boolean removeEventListener(io.exproto.events.GatewayEventListener listener) {
    return events.remove(listener);
  }
}
