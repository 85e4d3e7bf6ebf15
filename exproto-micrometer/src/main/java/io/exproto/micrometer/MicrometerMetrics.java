package io.exproto.micrometer;

import io.exproto.gateway.Gateway;
import io.exproto.metrics.GatewayMetrics;
import io.exproto.metrics.HandlerCallback;
import io.exproto.metrics.ListenerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's metrics as Micrometer meters. Give it to the builder:
 *
 * <pre>{@code
 * MeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * Gateway gw = Gateway.builder()....metrics(new MicrometerMetrics(registry)).build();
 * }</pre>
 *
 * <p>Meters (Micrometer names; Prometheus shows {@code exproto.bytes.received} as
 * {@code exproto_bytes_received_bytes_total}). Every per-connection meter has the tags
 * {@code listener} (name) and {@code type} (tcp, ssl, udp, dtls); there are no per-client tags.
 * <ul>
 *   <li>{@code exproto.connections} gauge: open connections
 *   <li>{@code exproto.connections.accepted} counter
 *   <li>{@code exproto.connections.closed} counter, tag {@code reason} ({@code tcp_closed},
 *       {@code kicked}, {@code discarded}, {@code idle_timeout}, ...)
 *   <li>{@code exproto.bytes.received}, {@code exproto.bytes.sent} counters (bytes)
 *   <li>{@code exproto.packets.received}, {@code exproto.packets.sent} counters: socket reads
 *       (datagrams, frames) and writes
 *   <li>{@code exproto.messages.published} counter: device Publishes the broker accepted
 *   <li>{@code exproto.messages.delivered} counter: messages handed to the handler
 *   <li>{@code exproto.messages.dropped} counter, tag {@code reason} ({@code queue_full},
 *       {@code connection_closed})
 *   <li>{@code exproto.callback.latency} timer, tag {@code callback}
 *       ({@code on_received_bytes}, ...), with the 0.5, 0.95 and 0.99 percentiles
 *   <li>{@code exproto.callback.failures} counter, tags {@code callback} and {@code cause}
 *       ({@code deadline_exceeded}, {@code unavailable}, {@code internal}, ...)
 *   <li>{@code exproto.authentications} counter, tag {@code result} ({@code success},
 *       {@code failure})
 * </ul>
 * Gateway-wide, from {@link Gateway#stats()}: {@code exproto.clients} gauge (authenticated
 * clients), {@code exproto.connections.banned}, {@code exproto.events.dropped} function counters.
 *
 * <p>Meters of a listener are created when the listener starts; a listener that is replaced or
 * re-added under the same name continues the same meters. Thread-safe.
 */
public final class MicrometerMetrics implements GatewayMetrics {
  private final MeterRegistry registry;
  private final Tags commonTags;
  private final ConcurrentHashMap<String, Listener> listeners = new ConcurrentHashMap<>();

  /** Meters in {@code registry}, without extra tags. */
  public MicrometerMetrics(MeterRegistry registry) {
    this(registry, Tags.empty());
  }

  /** Meters in {@code registry}, each with {@code commonTags} as well (e.g. a node name). */
  public MicrometerMetrics(MeterRegistry registry, Tags commonTags) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.commonTags = Objects.requireNonNull(commonTags, "commonTags");
  }

  /** The registry the meters are in. */
  public MeterRegistry registry() {
    return registry;
  }

  @Override
  public ListenerMetrics listener(String name, String kind) {
    return listeners.computeIfAbsent(name + "\u0000" + kind,
        k -> new Listener(commonTags.and("listener", name, "type", kind)));
  }

  @Override
  public void bindTo(Gateway gateway) {
    Gauge.builder("exproto.clients", gateway, g -> g.stats().clients())
        .description("Authenticated clients").tags(commonTags).register(registry);
    FunctionCounter.builder("exproto.connections.banned", gateway,
            g -> g.stats().connectionsBanned())
        .description("Connections refused at accept because their address is banned")
        .tags(commonTags).register(registry);
    FunctionCounter.builder("exproto.events.dropped", gateway, g -> g.stats().eventsDropped())
        .description("Events not delivered to event listeners because their queue was full")
        .tags(commonTags).register(registry);
  }

  /** The meters of one listener; counters by reason and cause are created on first use. */
  private final class Listener implements ListenerMetrics {
    private final Tags tags;
    private final AtomicInteger open;
    private final Counter accepted;
    private final Counter bytesReceived;
    private final Counter bytesSent;
    private final Counter packetsReceived;
    private final Counter packetsSent;
    private final Counter published;
    private final Counter delivered;
    private final Counter authSuccess;
    private final Counter authFailure;
    private final Timer[] latency = new Timer[HandlerCallback.values().length];
    private final ConcurrentHashMap<String, Counter> closed = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> dropped = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> failures = new ConcurrentHashMap<>();

    Listener(Tags tags) {
      this.tags = tags;
      this.open = new AtomicInteger();
      Gauge.builder("exproto.connections", open, AtomicInteger::get)
          .description("Open connections").tags(tags).register(registry);
      accepted = counter("exproto.connections.accepted", "Connections accepted", null);
      bytesReceived = counter("exproto.bytes.received", "Bytes read from devices", "bytes");
      bytesSent = counter("exproto.bytes.sent", "Bytes written to devices", "bytes");
      packetsReceived = counter("exproto.packets.received",
          "Socket reads, datagrams or frames from devices", null);
      packetsSent = counter("exproto.packets.sent", "Writes to devices", null);
      published = counter("exproto.messages.published",
          "Device Publishes accepted by the broker", null);
      delivered = counter("exproto.messages.delivered", "Messages handed to the handler", null);
      authSuccess = Counter.builder("exproto.authentications").tags(tags).tag("result", "success")
          .description("Authentication decisions").register(registry);
      authFailure = Counter.builder("exproto.authentications").tags(tags).tag("result", "failure")
          .description("Authentication decisions").register(registry);
      for (HandlerCallback c : HandlerCallback.values()) {
        latency[c.ordinal()] = Timer.builder("exproto.callback.latency")
            .description("Time from a handler callback's call to its completion")
            .tags(tags).tag("callback", c.tag())
            .publishPercentiles(0.5, 0.95, 0.99)
            .distributionStatisticExpiry(Duration.ofMinutes(1))
            .register(registry);
      }
    }

    private Counter counter(String name, String description, String unit) {
      Counter.Builder b = Counter.builder(name).description(description).tags(tags);
      if (unit != null) {
        b.baseUnit(unit);
      }
      return b.register(registry);
    }

    @Override
    public void connectionOpened() {
      open.incrementAndGet();
      accepted.increment();
    }

    @Override
    public void connectionClosed(String reason) {
      open.decrementAndGet();
      closed.computeIfAbsent(reason, r -> Counter.builder("exproto.connections.closed")
          .description("Connections closed, by reason").tags(tags).tag("reason", r)
          .register(registry)).increment();
    }

    @Override
    public void received(int bytes) {
      bytesReceived.increment(bytes);
      packetsReceived.increment();
    }

    @Override
    public void sent(int bytes) {
      bytesSent.increment(bytes);
      packetsSent.increment();
    }

    @Override
    public void published() {
      published.increment();
    }

    @Override
    public void delivered(int count) {
      delivered.increment(count);
    }

    @Override
    public void dropped(String reason, int count) {
      dropped.computeIfAbsent(reason, r -> Counter.builder("exproto.messages.dropped")
          .description("Messages for devices dropped, by reason").tags(tags).tag("reason", r)
          .register(registry)).increment(count);
    }

    @Override
    public void callbackCompleted(HandlerCallback callback, long nanos) {
      latency[callback.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void callbackFailed(HandlerCallback callback, String cause) {
      failures.computeIfAbsent(callback.tag() + "\u0000" + cause,
          k -> Counter.builder("exproto.callback.failures")
              .description("Handler callbacks that failed, by callback and cause").tags(tags)
              .tag("callback", callback.tag()).tag("cause", cause).register(registry))
          .increment();
    }

    @Override
    public void authentication(boolean allowed) {
      (allowed ? authSuccess : authFailure).increment();
    }
  }
}
