package io.exproto.gateway;

import io.exproto.auth.Authenticator;
import io.exproto.auth.Authorizer;
import io.exproto.broker.Broker;
import io.exproto.broker.InMemoryBroker;
import io.exproto.events.GatewayEventListener;
import io.exproto.gateway.internal.GatewayFactory;
import io.exproto.gateway.internal.GatewaySettings;
import io.exproto.gateway.internal.SystemScheduler;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.management.AuthenticationAdmin;
import io.exproto.metrics.GatewayMetrics;
import io.exproto.transport.TransportListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds a {@link Gateway}. Every setting has the default listed in docs/configuration.md; {@link #build()} validates
 * them. Not thread-safe; a builder is used once.
 */
public final class GatewayBuilder {
  String nodeName = "exproto@127.0.0.1";
  Function<ConnectionAdapter, ConnectionHandler> handlerFactory;
  Broker broker;
  Authenticator authenticator = Authenticator.allowAll();
  Authorizer authorizer = Authorizer.allowAll();
  Duration authTimeout = Duration.ofSeconds(15);
  final List<TransportListener> listeners = new ArrayList<>();
  String mountpoint = "";
  Duration idleTimeout = Duration.ofSeconds(30);
  Duration callbackTimeout = Duration.ofSeconds(30);
  Duration closeFlushTimeout = Duration.ofSeconds(15);
  Duration drainTimeout = Duration.ofSeconds(15);
  long maxQueuedBytes = -1; // -1: a quarter of the maximum heap, resolved by build()
  int maxBatchSize = 11;
  int maxQueuedCallbacks = 1024;
  int maxQueuedDeliveries = 1000;
  long maxInboundBytesPerSecond;
  int maxInboundMessagesPerSecond;
  Scheduler scheduler;
  GatewayMetrics metrics = GatewayMetrics.NONE;
  final List<GatewayEventListener> eventListeners = new ArrayList<>();
  int eventQueueCapacity = 65_536;
  AuthenticationAdmin authenticationAdmin = AuthenticationAdmin.notConfigured();

  GatewayBuilder() {}

  /** The node name put into delivered messages. Default {@code exproto@127.0.0.1}. */
  public GatewayBuilder nodeName(String nodeName) {
    this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
    return this;
  }

  /** The handler, one instance for all connections. Required (this or the factory form). */
  public GatewayBuilder handler(ConnectionHandler handler) {
    Objects.requireNonNull(handler, "handler");
    this.handlerFactory = adapter -> handler;
    return this;
  }

  /**
   * The handler, created with the gateway's adapter, for in-process handlers that call the adapter.
   * Called once, by {@link #build()}.
   */
  public GatewayBuilder handler(Function<ConnectionAdapter, ConnectionHandler> factory) {
    this.handlerFactory = Objects.requireNonNull(factory, "factory");
    return this;
  }

  /** The broker. Default: a new {@link InMemoryBroker}. */
  public GatewayBuilder broker(Broker broker) {
    this.broker = Objects.requireNonNull(broker, "broker");
    return this;
  }

  /** The authenticator. Default: allow all. */
  public GatewayBuilder authenticator(Authenticator authenticator) {
    this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    return this;
  }

  /** The authorizer. Default: allow all. */
  public GatewayBuilder authorizer(Authorizer authorizer) {
    this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
    return this;
  }

  /**
   * The longest a connection waits for the authenticator's or the authorizer's decision; a decision
   * not made in time counts as a denial and is logged. Default 15 s. Remote checks should have
   * their own, shorter timeouts (the http backends default to 5 s).
   */
  public GatewayBuilder authTimeout(Duration authTimeout) {
    this.authTimeout = Objects.requireNonNull(authTimeout, "authTimeout");
    return this;
  }

  /** Adds a listener; names must be unique. At least one is required. */
  public GatewayBuilder listener(TransportListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * The mountpoint prepended to topics on Publish/Subscribe/Unsubscribe and stripped from delivered
   * topics; may contain {@code ${clientid}} and {@code ${username}}. Default: empty.
   */
  public GatewayBuilder mountpoint(String mountpoint) {
    this.mountpoint = Objects.requireNonNull(mountpoint, "mountpoint");
    return this;
  }

  /**
   * A connection without inbound bytes for this long (before it starts a keepalive timer) is closed
   * with {@code {shutdown,idle_timeout}}. Default 30 s. Changeable on a running gateway with
   * {@link Gateway#updateIdleTimeout(Duration)}.
   */
  public GatewayBuilder idleTimeout(Duration idleTimeout) {
    this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
    return this;
  }

  /** A callback not completed within this closes its connection. Default 30 s. */
  public GatewayBuilder callbackTimeout(Duration callbackTimeout) {
    this.callbackTimeout = Objects.requireNonNull(callbackTimeout, "callbackTimeout");
    return this;
  }

  /**
   * After a connection closes, callbacks already queued are still delivered for at most this long,
   * then {@code onSocketClosed}. Default 15 s.
   */
  public GatewayBuilder closeFlushTimeout(Duration closeFlushTimeout) {
    this.closeFlushTimeout = Objects.requireNonNull(closeFlushTimeout, "closeFlushTimeout");
    return this;
  }

  /**
   * How long a graceful {@link Gateway#shutdown()} lets each connection's callbacks in flight and
   * queued finish before they are abandoned (their stages cancelled); every connection still gets
   * {@code onSocketClosed} with {@code {shutdown,gateway_stopped}} afterwards. Within the same
   * time the broker's pending QoS 1/2 work is flushed ({@link Broker#flush()}).
   * Default 15 s; {@code 0} abandons at once, as {@link Gateway#shutdownNow()} does, but still
   * waits for the {@code onSocketClosed} callbacks.
   *
   * @throws IllegalArgumentException (from {@link #build()}) if negative
   */
  public GatewayBuilder drainTimeout(Duration drainTimeout) {
    this.drainTimeout = Objects.requireNonNull(drainTimeout, "drainTimeout");
    return this;
  }

  /**
   * The gateway-wide bound on bytes queued toward the handler, across all connections: data read
   * from devices and deliveries not yet passed to a callback (payloads and topics; object
   * overhead not counted). Beyond it, reading pauses on every connection and new deliveries are
   * dropped and counted in {@link GatewayStats#deliveriesDropped()}, as beyond
   * {@link #maxQueuedDeliveries(int)}; once the queues have drained to half the bound, reading
   * resumes. This bounds memory when many connections flood a slow handler, which the
   * per-connection limits alone do not. Default: a quarter of the JVM's maximum heap
   * ({@code -Xmx}).
   *
   * @throws IllegalArgumentException (from {@link #build()}) if not positive
   */
  public GatewayBuilder maxQueuedBytes(long maxQueuedBytes) {
    this.maxQueuedBytes = maxQueuedBytes;
    return this;
  }

  /** Most messages in one {@code onReceivedMessages}. Default 11. */
  public GatewayBuilder maxBatchSize(int maxBatchSize) {
    this.maxBatchSize = maxBatchSize;
    return this;
  }

  /**
   * Callbacks (other than deliveries) queued per connection above which reading from its socket is
   * paused until the queue drains to half. Default 1024.
   */
  public GatewayBuilder maxQueuedCallbacks(int maxQueuedCallbacks) {
    this.maxQueuedCallbacks = maxQueuedCallbacks;
    return this;
  }

  /**
   * Deliveries queued per connection; beyond it the oldest are dropped and counted in
   * {@link GatewayStats#deliveriesDropped()}. Default 1000.
   */
  public GatewayBuilder maxQueuedDeliveries(int maxQueuedDeliveries) {
    this.maxQueuedDeliveries = maxQueuedDeliveries;
    return this;
  }

  /**
   * Per-connection inbound byte rate limit, in bytes per second; {@code 0} (the default) is
   * unlimited. Shaping, not dropping: each connection has a token bucket holding one second's
   * worth; a read that overdraws it is still delivered, then reading from that connection pauses
   * until the bucket has refilled. The bucket exists only when a limit is set. A datagram
   * listener (UDP, DTLS) drops, and counts, what a paused peer sends meanwhile.
   *
   * @throws IllegalArgumentException (from {@link #build()}) if negative
   */
  public GatewayBuilder maxInboundBytesPerSecond(long maxInboundBytesPerSecond) {
    this.maxInboundBytesPerSecond = maxInboundBytesPerSecond;
    return this;
  }

  /**
   * Per-connection inbound message rate limit, in reads (one socket read, datagram or frame) per
   * second; {@code 0} (the default) is unlimited. Shapes like
   * {@link #maxInboundBytesPerSecond(long)}: reading pauses instead of dropping. On a stream
   * (TCP, TLS) nothing is lost; a datagram listener (UDP, DTLS) cannot hold a peer back, so what
   * that peer sends while paused is dropped and counted by the listener.
   *
   * @throws IllegalArgumentException (from {@link #build()}) if negative
   */
  public GatewayBuilder maxInboundMessagesPerSecond(int maxInboundMessagesPerSecond) {
    this.maxInboundMessagesPerSecond = maxInboundMessagesPerSecond;
    return this;
  }

  /**
   * Where the gateway reports its measurements (connections, bytes, messages, drops, callback
   * latency, authentication results), e.g. {@code new MicrometerMetrics(registry)} from the
   * exproto-micrometer module. Default {@link GatewayMetrics#NONE}: nothing is
   * measured or allocated.
   */
  public GatewayBuilder metrics(GatewayMetrics metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    return this;
  }

  /**
   * Adds an event listener from the start (more can be added on the running gateway with
   * {@link Gateway#addEventListener}). Listeners run on the gateway's event thread, never on a
   * connection's.
   */
  public GatewayBuilder eventListener(GatewayEventListener listener) {
    eventListeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * How many events may wait for slow listeners before further events are dropped (and counted
   * in {@link GatewayStats#eventsDropped()}). Default 65536.
   *
   * @throws IllegalArgumentException (from {@link #build()}) if less than 1
   */
  public GatewayBuilder eventQueueCapacity(int eventQueueCapacity) {
    this.eventQueueCapacity = eventQueueCapacity;
    return this;
  }

  /**
   * Runtime management of authenticators and users, offered to management layers through
   * {@link Gateway#authenticationAdmin()}; an authentication module provides it. Default
   * {@link AuthenticationAdmin#notConfigured()}.
   */
  public GatewayBuilder authenticationAdmin(AuthenticationAdmin authenticationAdmin) {
    this.authenticationAdmin = Objects.requireNonNull(authenticationAdmin,
        "authenticationAdmin");
    return this;
  }

  /** Time and timers; for tests. Default: the system clock and one daemon timer thread. */
  public GatewayBuilder scheduler(Scheduler scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    return this;
  }

  /**
   * Validates the settings and creates the gateway (not started).
   *
   * @throws IllegalArgumentException naming the setting that is wrong
   * @throws IllegalStateException if no handler or no listener was given
   */
  public Gateway build() {
    if (handlerFactory == null) {
      throw new IllegalStateException("no handler: call handler(...) with an in-process handler"
          + " or a gRPC handler binding");
    }
    if (listeners.isEmpty()) {
      throw new IllegalStateException("no listener: add at least one with listener(...)");
    }
    Set<String> names = new HashSet<>();
    for (TransportListener l : listeners) {
      if (!names.add(l.name())) {
        throw new IllegalArgumentException("listener name '" + l.name() + "' is used twice;"
            + " give each listener its own name");
      }
    }
    requirePositive("idleTimeout", idleTimeout);
    requirePositive("callbackTimeout", callbackTimeout);
    requirePositive("authTimeout", authTimeout);
    if (closeFlushTimeout.isNegative()) {
      throw new IllegalArgumentException("closeFlushTimeout must not be negative, was "
          + closeFlushTimeout);
    }
    if (maxQueuedBytes == -1) {
      maxQueuedBytes = Math.max(1, Runtime.getRuntime().maxMemory() / 4);
    } else if (maxQueuedBytes < 1) {
      throw new IllegalArgumentException("maxQueuedBytes must be positive, was " + maxQueuedBytes);
    }
    if (drainTimeout.isNegative()) {
      throw new IllegalArgumentException("drainTimeout must not be negative, was " + drainTimeout);
    }
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("maxBatchSize must be at least 1, was " + maxBatchSize);
    }
    if (maxQueuedCallbacks < 2) {
      throw new IllegalArgumentException("maxQueuedCallbacks must be at least 2, was "
          + maxQueuedCallbacks);
    }
    if (maxQueuedDeliveries < 1) {
      throw new IllegalArgumentException("maxQueuedDeliveries must be at least 1, was "
          + maxQueuedDeliveries);
    }
    if (maxInboundBytesPerSecond < 0) {
      throw new IllegalArgumentException("maxInboundBytesPerSecond must be 0 (unlimited) or"
          + " positive, was " + maxInboundBytesPerSecond);
    }
    if (maxInboundMessagesPerSecond < 0) {
      throw new IllegalArgumentException("maxInboundMessagesPerSecond must be 0 (unlimited) or"
          + " positive, was " + maxInboundMessagesPerSecond);
    }
    if (eventQueueCapacity < 1) {
      throw new IllegalArgumentException("eventQueueCapacity must be at least 1, was "
          + eventQueueCapacity);
    }
    if (nodeName.isEmpty()) {
      throw new IllegalArgumentException("nodeName must not be empty");
    }
    if (broker == null) {
      broker = new InMemoryBroker();
    }
    if (scheduler == null) {
      scheduler = SystemScheduler.shared();
    }
    return GatewayFactory.create(settings());
  }

  private static void requirePositive(String name, Duration d) {
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive, was " + d);
    }
  }

  /** A frozen copy of the validated settings, for the engine. */
  private GatewaySettings settings() {
    return new GatewaySettings(nodeName, handlerFactory, broker, authenticator, authorizer,
        List.copyOf(listeners), mountpoint, idleTimeout, callbackTimeout, closeFlushTimeout,
        maxBatchSize, maxQueuedCallbacks, maxQueuedDeliveries, maxInboundBytesPerSecond,
        maxInboundMessagesPerSecond, scheduler, metrics, List.copyOf(eventListeners),
        eventQueueCapacity, authenticationAdmin, authTimeout, drainTimeout, maxQueuedBytes);
  }
}
