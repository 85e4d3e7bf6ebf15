package io.exproto.broker.mqtt.internal;

import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.MqttClientStateException;
import com.hivemq.client.mqtt.exceptions.MqttSessionExpiredException;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientReconnector;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import io.exproto.broker.BrokerMessage;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT connection to the external broker, over the HiveMQ client's asynchronous API (never
 * blocking), with the bridge's reconnect policy: after a connection that was up is lost, it
 * reconnects with exponential backoff and jitter; an outage shorter than the reconnect window
 * goes unnoticed by devices; past it, {@link Events#onEnded} tells the owner
 * {@code broker_unavailable}. The broker ending the session (taken over, administrative action)
 * ends the link with {@code discarded} or {@code kicked} and stops reconnecting.
 *
 * <p>Publishes that must wait for the broker are bounded in number ({@code maxPendingPublishes}
 * per connection: beyond it a publish fails at once) and in time ({@code publishTimeout}); a qos 0
 * publish while the connection is down fails at once. Thread-safe.
 */
public abstract class MqttLink {
  private static final Logger log = LoggerFactory.getLogger(MqttLink.class);

  /** What the link reports to its owner. Called on HiveMQ's threads; must not block. */
  public interface Events {
    /**
     * A message for the session (session mode; pool links deliver through the subscription's own
     * callback instead).
     */
    default void onMessage(Incoming message) {
      if (message.ack() != null) {
        message.ack().run(); // nobody wants it: acknowledge so that flow control never stalls
      }
    }

    /** The link ended for good: {@code discarded}, {@code kicked} or {@code broker_unavailable}. */
    void onEnded(String reason);

    /** For pool links, which never end: the outage has lasted past the reconnect window. */
    default void onOutagePastWindow() {}
  }

  /** A message from the broker; {@code ack} is null at qos 0 and runs at most once. */
  public record Incoming(String topic, int qos, byte[] payload, String from, Runnable ack) {}

  protected final BridgeConfig cfg;
  protected final String clientId;
  protected final Events events;
  /** Pool links reconnect forever (devices come and go); session links end past the window. */
  private final boolean endPastWindow;
  private final AtomicInteger pending = new AtomicInteger();
  /** Publishes waiting for the broker to come back (bounded by {@link #pending}). */
  private final ConcurrentLinkedQueue<Parked> parked = new ConcurrentLinkedQueue<>();
  /** Operations waiting for the broker, failed at once when the link closes or ends. */
  private final Set<CompletableFuture<Void>> waiting = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  private volatile boolean up;
  private volatile boolean everUp;
  private volatile boolean ended;
  private volatile long downSinceNanos;
  private volatile boolean outageReported;
  private volatile long upSinceNanos;
  /**
   * Another connection of the bridge to the same broker (session links: the bridge's own), or
   * null. When the broker closes this connection without a reason (MQTT 3.1.1, or a broker such
   * as Mosquitto 2.0 that closes a taken-over session without DISCONNECT 0x8E) while the witness
   * stays connected, the broker is up and chose to drop this session: taken over, not an outage.
   */
  private volatile MqttLink witness;
  /** How long after a reasonless close the witness is asked: a crash drops it too by then. */
  static final long TAKEOVER_CHECK_MILLIS = 400;

  protected MqttLink(BridgeConfig cfg, String clientId, Events events, boolean endPastWindow) {
    this.cfg = cfg;
    this.clientId = clientId;
    this.events = events;
    this.endPastWindow = endPastWindow;
  }

  public String clientId() {
    return clientId;
  }

  /** True while the connection is up. */
  public boolean isUp() {
    return up;
  }

  /** Sets the witness of reasonless closes (see the field); before connecting. */
  public void witness(MqttLink other) {
    this.witness = other;
  }

  /** True if the connection is up and has been since before {@code nanos}. */
  boolean upSince(long nanos) {
    return up && upSinceNanos - nanos < 0;
  }

  /** True once {@link #close()} ran or the link ended. */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Connects. Fails with {@link io.exproto.broker.BrokerRefusedException} when the broker's
   * CONNACK refused (its reason in the message) and {@link BrokerUnavailableException} when the
   * broker could not be reached; the link is then closed.
   */
  public final CompletionStage<Void> connect() {
    CompletableFuture<Void> out = new CompletableFuture<>();
    doConnect().whenComplete((v, e) -> {
      if (e == null) {
        out.complete(null);
      } else {
        close();
        out.completeExceptionally(Refusals.connectFailure(cfg, e));
      }
    });
    return out;
  }

  /**
   * Completes when every operation waiting for the broker now (publishes and subscriptions) has
   * completed, acknowledged or failed: each one's failure goes to its own caller, not here.
   */
  public final CompletionStage<Void> flush() {
    CompletableFuture<?>[] now = waiting.toArray(new CompletableFuture<?>[0]);
    return CompletableFuture.allOf(now).handle((v, e) -> null);
  }

  /** Publishes; completes when the broker acknowledged as the qos requires. */
  public final CompletionStage<Void> publish(BrokerMessage m) {
    if (closed) {
      return CompletableFuture.failedFuture(new BrokerUnavailableException(
          "the MQTT session with the broker at " + cfg.url() + " is closed"));
    }
    if (!up && m.qos() == 0) {
      return CompletableFuture.failedFuture(new BrokerUnavailableException(
          "the MQTT broker at " + cfg.url() + " is unreachable (reconnecting); a qos 0 publish"
          + " is not kept"));
    }
    if (pending.incrementAndGet() > cfg.maxPendingPublishes()) {
      pending.decrementAndGet();
      return CompletableFuture.failedFuture(new BrokerUnavailableException(
          cfg.maxPendingPublishes() + " publishes are already waiting for the MQTT broker at "
          + cfg.url() + (up ? "" : " (unreachable, reconnecting)")));
    }
    CompletableFuture<Void> out = new CompletableFuture<>();
    out.whenComplete((v, e) -> pending.decrementAndGet()); // answered, timed out or ended
    send(m, out);
    return bounded(out, "publish");
  }

  /**
   * Sends {@code m} and answers {@code out}; while the broker is away, parks it until the
   * connection is back (the client library fails a publish it cannot send at once, and with a
   * session expiry of 0 also those in flight when the connection dropped). {@link #bounded} limits
   * how long {@code out} waits.
   */
  private void send(BrokerMessage m, CompletableFuture<Void> out) {
    if (!up) {
      park(m, out);
      return;
    }
    CompletionStage<Void> sent;
    try {
      sent = doPublish(m);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((v, e) -> {
      if (e == null) {
        out.complete(null);
      } else if (!closed && !ended && lostTheConnection(e)) {
        park(m, out);
      } else {
        out.completeExceptionally(Refusals.operationFailure(cfg, "publish", e));
      }
    });
  }

  private static boolean lostTheConnection(Throwable e) {
    Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return t instanceof MqttClientStateException
        || t instanceof MqttSessionExpiredException
        || t instanceof ConnectionClosedException;
  }

  private void park(BrokerMessage m, CompletableFuture<Void> out) {
    parked.add(new Parked(m, out));
    if (up) {
      sendParked(); // the connection came back meanwhile
    }
  }

  /** Sends what was parked while the broker was away; on (re)connection. */
  private void sendParked() {
    for (Parked p; up && !closed && (p = parked.poll()) != null; ) {
      if (!p.out().isDone()) { // else timed out or ended: its caller has had its answer
        send(p.message(), p.out());
      }
    }
  }

  private record Parked(BrokerMessage message, CompletableFuture<Void> out) {}

  /**
   * Fails {@code op} if the broker has not answered within the publish timeout, or at once when
   * the link closes or ends (HiveMQ keeps operations of a client that will not reconnect).
   */
  private CompletionStage<Void> bounded(CompletableFuture<Void> op, String what) {
    waiting.add(op);
    op.whenComplete((v, e) -> waiting.remove(op));
    if (closed) {
      failWaiting();
    }
    return op.orTimeout(cfg.publishTimeout().toNanos(), TimeUnit.NANOSECONDS)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(
            e instanceof TimeoutException
                ? new BrokerUnavailableException("the MQTT broker at " + cfg.url()
                    + " did not answer the " + what + " within " + cfg.publishTimeout()
                    + (up ? "" : " (unreachable, reconnecting)"))
                : e));
  }

  /**
   * Subscribes. {@code callback} receives the messages of this subscription (pool links); null
   * means the link's global {@link Events#onMessage} (session links).
   */
  public final CompletionStage<Void> subscribe(String filter, int qos,
      Consumer<Incoming> callback) {
    if (closed) {
      return CompletableFuture.failedFuture(new BrokerUnavailableException(
          "the MQTT session with the broker at " + cfg.url() + " is closed"));
    }
    CompletableFuture<Void> out = new CompletableFuture<>();
    doSubscribe(filter, qos, callback).whenComplete((v, e) -> {
      if (e == null) {
        out.complete(null);
      } else {
        out.completeExceptionally(Refusals.operationFailure(cfg, "subscription", e));
      }
    });
    return bounded(out, "subscription");
  }

  public final CompletionStage<Void> unsubscribe(String filter) {
    if (closed) {
      return CompletableFuture.failedFuture(new BrokerUnavailableException(
          "the MQTT session with the broker at " + cfg.url() + " is closed"));
    }
    CompletableFuture<Void> out = new CompletableFuture<>();
    doUnsubscribe(filter).whenComplete((v, e) -> {
      if (e == null) {
        out.complete(null);
      } else {
        out.completeExceptionally(Refusals.operationFailure(cfg, "unsubscribe", e));
      }
    });
    return bounded(out, "unsubscribe");
  }

  private void failWaiting() {
    failWaiting(new BrokerUnavailableException("the MQTT session with the broker at "
        + cfg.url() + " ended before the broker answered"));
  }

  private void failWaiting(RuntimeException failure) {
    for (CompletableFuture<Void> op : waiting) {
      op.completeExceptionally(failure);
    }
  }

  /** Disconnects (a normal DISCONNECT when up) and never reconnects. Idempotent, non-blocking. */
  public final void close() {
    if (closed) {
      return;
    }
    closed = true;
    up = false;
    failWaiting();
    parked.clear();
    if (!everUp) {
      releaseFlows(); // never connected: nothing to say goodbye to
      return;
    }
    try {
      doDisconnect().whenComplete((v, e) -> {
        if (e != null) {
          log.debug("{}: disconnect: {}", clientId, e.toString());
        }
        releaseFlows();
      });
    } catch (RuntimeException e) {
      log.debug("{}: disconnect: {}", clientId, e.toString());
    }
  }

  // ---------------------------------------------------------------- for the version subclasses

  /** Connects; the credentials are the client's own (given at creation), so reconnects use them. */
  protected abstract CompletionStage<Void> doConnect();

  protected abstract CompletionStage<Void> doPublish(BrokerMessage m);

  protected abstract CompletionStage<Void> doSubscribe(String filter, int qos,
      Consumer<Incoming> callback);

  protected abstract CompletionStage<Void> doUnsubscribe(String filter);

  protected abstract CompletionStage<Void> doDisconnect();

  /** Ends the client's message flows (they hold its event loop). */
  protected abstract void releaseFlows();

  /** The connected listener. */
  protected final void connected() {
    if (closed) {
      // A reconnect that was already under way when the link closed: undo it, or the connection
      // would stay open with nobody to use or close it.
      doDisconnect();
      return;
    }
    if (downSinceNanos != 0) {
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - downSinceNanos);
      if (endPastWindow) {
        log.debug("{}: reconnected to {} after {} ms", clientId, cfg.url(), ms);
      } else {
        log.info("bridge connection {} reconnected to {} after {} ms", clientId, cfg.url(), ms);
      }
    }
    downSinceNanos = 0;
    outageReported = false;
    everUp = true;
    upSinceNanos = System.nanoTime();
    up = true;
    sendParked();
  }

  /**
   * The disconnected listener: decides whether and when to reconnect.
   *
   * @param serverReason the reason code of the broker's DISCONNECT (MQTT 5), or -1
   */
  protected final void disconnected(MqttClientDisconnectedContext ctx, int serverReason) {
    up = false;
    if (closed || ended || ctx.getSource() == MqttDisconnectSource.USER || !everUp) {
      // Our own close, or a first connect that failed: connect() reports that one.
      ctx.getReconnector().reconnect(false);
      return;
    }
    if (ctx.getSource() != MqttDisconnectSource.SERVER) {
      serverReason = -1; // the client's own DISCONNECT reasons (protocol errors) end nothing
    }
    if (serverReason == 0x8E) { // SESSION_TAKEN_OVER
      end(ctx.getReconnector(), "discarded");
      return;
    }
    if (serverReason == 0x98 || serverReason == 0x87) { // ADMINISTRATIVE_ACTION, NOT_AUTHORIZED
      // A broker may refuse an operation by ending the session (HiveMQ does so for a publish
      // whose authorization did not finish in time): what waited is refused, with its reason.
      end(ctx.getReconnector(), "kicked", Refusals.sessionEnded(ctx.getCause()));
      return;
    }
    long now = System.nanoTime();
    MqttLink w = witness;
    if (w != null && serverReason == -1 && downSinceNanos == 0
        && ctx.getSource() == MqttDisconnectSource.SERVER) {
      // Closed without a reason: wait a moment, then ask the witness whether the broker is up.
      // The reconnect waits for the answer, so a taken-over session never takes itself back.
      downSinceNanos = now;
      var reconnector = ctx.getReconnector();
      CompletableFuture<Void> settled = new CompletableFuture<>();
      CompletableFuture.delayedExecutor(TAKEOVER_CHECK_MILLIS, TimeUnit.MILLISECONDS)
          .execute(() -> settled.complete(null));
      reconnector.reconnectWhen(settled, (v, e) -> {
        if (!closed && w.upSince(now)) {
          end(reconnector, "discarded");
        }
      });
      log.debug("{}: closed by the broker without a reason; checking whether it is up",
          clientId);
      return;
    }
    long since = downSinceNanos;
    if (since == 0) {
      since = now;
      downSinceNanos = now;
      if (endPastWindow) {
        log.debug("{}: lost the broker at {}: {}", clientId, cfg.url(), describe(ctx.getCause()));
      } else {
        log.warn("bridge connection {} lost the broker at {}: {}; reconnecting for up to {}",
            clientId, cfg.url(), describe(ctx.getCause()), cfg.reconnectWindow());
      }
    }
    long window = cfg.reconnectWindow().toNanos();
    long elapsed = now - since;
    if (elapsed >= window) {
      if (endPastWindow) {
        end(ctx.getReconnector(), "broker_unavailable");
        return;
      }
      if (!outageReported) {
        outageReported = true;
        log.warn("the broker at {} is still unreachable after {}; closing the bridged devices,"
            + " reconnecting on", cfg.url(), cfg.reconnectWindow());
        events.onOutagePastWindow();
      }
    }
    int attempt = ctx.getReconnector().getAttempts();
    long base = TimeUnit.MILLISECONDS.toNanos(100) << Math.min(attempt, 10);
    long delay = Math.min(base, cfg.reconnectMaxDelay().toNanos());
    delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1); // jitter: no herd
    if (endPastWindow) {
      delay = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(delay, window - elapsed));
    }
    log.debug("{}: reconnect attempt {} in {} ms ({})", clientId, attempt + 1,
        TimeUnit.NANOSECONDS.toMillis(delay), describe(ctx.getCause()));
    ctx.getReconnector().reconnect(true).delay(delay, TimeUnit.NANOSECONDS);
  }

  private void end(MqttClientReconnector reconnector, String reason) {
    end(reconnector, reason, null);
  }

  /** Ends the link; what waits for the broker fails with {@code failure} (null: unavailable). */
  private void end(MqttClientReconnector reconnector, String reason, RuntimeException failure) {
    reconnector.reconnect(false);
    ended = true;
    closed = true;
    if (failure != null) {
      failWaiting(failure);
    } else {
      failWaiting();
    }
    parked.clear();
    releaseFlows();
    log.debug("{}: the broker ended the session: {} ({})", clientId, reason,
        "reason " + reason);
    events.onEnded(reason);
  }

  static String describe(Throwable t) {
    if (t == null) {
      return "closed";
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
