package io.exproto.gateway.internal;

import io.exproto.auth.Authorizer.Decision;
import io.exproto.auth.ClientIdentity;
import io.exproto.broker.BrokerMessage;
import io.exproto.broker.BrokerSession;
import io.exproto.broker.Subscriber;
import io.exproto.events.GatewayEvent;
import io.exproto.gateway.ClientView;
import io.exproto.management.ClientDetails;
import io.exproto.management.ClientQuery;
import io.exproto.metrics.ListenerMetrics;
import io.exproto.gateway.Scheduler.Cancellable;
import io.exproto.gateway.internal.CallbackQueue.Kind;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.Message;
import io.exproto.handler.SocketType;
import io.exproto.transport.Link;
import io.exproto.transport.LinkExecutor;
import io.exproto.transport.LinkListener;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device connection: an actor confined to its link's executor. It owns the callback queue,
 * the timers and the client state; every field is read and written on that executor only, except
 * the identity fields published through the client registry after authentication.
 *
 * <p>This class holds the state, the lifecycle (open, closing, closed), the link's events with
 * the read pauses they cause, and the broker's deliveries. The work on that state is done by
 * stateless collaborators that take the connection as their first argument, so that an idle
 * connection costs no object per concern: {@link CallbackDispatch} (the handler callbacks),
 * {@link ConnectionTimers}, {@link ClientAuthentication}, {@link PubSubOperations} with
 * {@link AuthorizationGate}, and the adapter's plumbing in {@link GatewayAdapter}. They read and
 * write its package-private fields on its executor only.
 */
final class Connection implements LinkListener, Subscriber {
  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  /** OPEN until close; CLOSING while the last callbacks flush; CLOSED after onSocketClosed. */
  enum State { OPEN, CLOSING, CLOSED }

  final GatewayImpl gw;
  final String conn;
  final Link link;
  final HandlerSlot handlerSlot;
  /** The listener that accepted this connection; removing it closes this connection. */
  final ListenerEntry listener;
  /** The peer's IP address, read once on the executor; matched by address bans from any thread. */
  final InetAddress peerAddress;
  final LinkExecutor exec;
  final CallbackQueue queue;

  State state = State.OPEN;
  private String closeReason;

  // Callback dispatch (CallbackDispatch): at most one in flight.
  boolean inFlight;
  Kind inFlightKind;
  // The stage of the callback in flight, cancelled if the connection gives up on it.
  CompletionStage<Void> inFlightStage;
  // The broker acknowledgements of the delivery batch in flight, run when the handler took it.
  ArrayList<Runnable> inFlightAcks;
  long inFlightSeq;
  long inFlightSinceNanos;
  boolean pumping;
  boolean pumpPosted;
  // Reading is paused while either reason holds: a full callback queue (backpressure) or an
  // overdrawn inbound rate budget; linkReadPaused is what the link was last told.
  private boolean backpressurePaused;
  private boolean ratePaused;
  private boolean linkReadPaused;
  // The gateway-wide memory bound (QueuedBytes) is over; and this queue's bytes it counts.
  private boolean memoryPaused;
  private long reportedBytes;
  /**
   * The bytes of the callback in flight: the handler holds them until it completes, so they count
   * toward the memory bound until then (2,000 stuck callbacks of 64 KiB reads are 128 MiB).
   */
  long inFlightBytes;
  private InboundRateLimiter rateLimiter; // null: no limit configured
  private Cancellable rateResumeTimer;
  Cancellable callbackWatchdog;

  // Timers (ConnectionTimers).
  long lastInboundNanos;
  long keepaliveStartNanos;
  Cancellable idleTimer;
  Cancellable keepaliveTimer;
  Cancellable expiryTimer;
  private Cancellable flushTimer;

  // Client state, written by ClientAuthentication and PubSubOperations on the executor; the
  // identity fields are written once, before publication in the registry.
  boolean authenticating;
  boolean authenticated;
  volatile String clientId;
  String username;
  long connectedAtMillis;
  Mountpoint mountpoint = Mountpoint.NONE;
  ClientIdentity identity;
  Map<String, Integer> subscriptions; // mounted filter -> qos
  /**
   * The client's broker session, from a successful Authenticate until close. Volatile: a newer
   * connection taking over the client id closes it from its own executor (see
   * ClientAuthentication).
   */
  volatile BrokerSession session;
  String protoName = "";
  String protoVer = "";

  // Counters for management and metrics; on the executor only.
  final ListenerMetrics metrics;
  private final long createdAtMillis;
  int keepaliveSeconds; // the handler's keepalive interval, a uint32; 0: no keepalive
  private long recvOct;
  private long recvCnt;
  private long sendOct;
  private long sendCnt;
  long recvMsg;
  long sendMsg;
  private long deliveriesDropped;
  // The last authorization decision still pending (AuthorizationGate); the next check waits for
  // it so that a connection's Publish/Subscribe calls keep their order. Null when none is pending.
  CompletableFuture<Decision> authzTail;

  Connection(GatewayImpl gw, String conn, Link link, HandlerSlot handlerSlot,
      ListenerEntry listener, InetAddress peerAddress) {
    this.gw = gw;
    this.conn = conn;
    this.link = link;
    this.handlerSlot = handlerSlot;
    this.listener = listener;
    this.peerAddress = peerAddress;
    this.exec = link.executor();
    this.queue = new CallbackQueue(gw.settings.maxBatchSize());
    this.metrics = listener.metrics;
    this.createdAtMillis = gw.scheduler.currentTimeMillis();
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Queues onSocketCreated and arms the idle timer with the gateway's idle timeout of this moment
   * (a later change applies to later connections only). On the executor.
   */
  void start() {
    lastInboundNanos = gw.scheduler.nanoTime();
    rateLimiter = InboundRateLimiter.create(gw.settings.maxInboundBytesPerSecond(),
        gw.settings.maxInboundMessagesPerSecond(), lastInboundNanos);
    ConnInfo info = new ConnInfo(link.socketType(), link.remoteAddress(), link.localAddress(),
        link.peerCertificate());
    queue.add(Kind.SOCKET_CREATED, info);
    ConnectionTimers.armIdle(this);
    memoryBoundChanged();
    CallbackDispatch.pump(this);
  }

  /**
   * Starts closing: the connection leaves the registries at once (adapter calls then answer
   * CONN_PROCESS_NOT_ALIVE), queued callbacks still run for at most the close-flush timeout, then
   * onSocketClosed. On the executor; harmless if already closing.
   *
   * @param reason the inner reason; the handler sees {@code {shutdown,<reason>}}
   * @param dropQueued true to drop queued callbacks (the handler has failed)
   */
  void close(String reason, boolean dropQueued) {
    if (state != State.OPEN) {
      return;
    }
    state = State.CLOSING;
    closeReason = "{shutdown," + reason + "}";
    cancel(idleTimer);
    cancel(keepaliveTimer);
    cancel(expiryTimer);
    cancel(rateResumeTimer);
    idleTimer = keepaliveTimer = expiryTimer = rateResumeTimer = null;
    gw.registry.unregister(this);
    subscriptions = null;
    BrokerSession s = session;
    if (s != null) {
      session = null;
      s.close(); // releases the session's subscriptions, or the client's broker session
    }
    link.close();
    if (dropQueued) {
      queue.clearExceptClosed();
    }
    queue.add(Kind.SOCKET_CLOSED, closeReason);
    long flush = gw.closeFlushNanos();
    if (flush <= 0) {
      onFlushTimeout();
    } else if (!queue.isEmpty() || inFlight) {
      flushTimer = schedule(Connection::onFlushTimeout, flush);
    }
    CallbackDispatch.requestPump(this);
  }

  /** Closes from any thread. */
  void closeLater(String reason) {
    runOnExecutor(() -> close(reason, false));
  }

  private void onFlushTimeout() {
    flushTimer = null;
    if (state != State.CLOSING) {
      return;
    }
    int dropped = queue.clearExceptClosed();
    if (CallbackDispatch.abandonInFlight(this)) {
      dropped++;
    }
    if (dropped > 0) {
      log.warn("{}: dropped {} callbacks not delivered within the close-flush timeout", who(),
          dropped);
    }
    CallbackDispatch.requestPump(this);
  }

  /** The last callback (onSocketClosed) is done, or can no longer run: releases what is left. */
  void finish() {
    state = State.CLOSED;
    gw.queuedBytes.add(-reportedBytes);
    reportedBytes = 0;
    cancel(callbackWatchdog);
    cancel(flushTimer);
    callbackWatchdog = flushTimer = null;
    gw.terminated(this);
  }

  // ---------------------------------------------------------------- link events

  @Override
  public void onBytes(byte[] bytes) {
    if (state != State.OPEN) {
      return;
    }
    lastInboundNanos = gw.scheduler.nanoTime();
    recvOct += bytes.length;
    recvCnt++;
    metrics.received(bytes.length);
    if (idleTimer != null && !isDatagram()) {
      // A stream peer that has spoken is no longer idle; datagram peers stay on the idle timer
      // until the handler starts a keepalive (there is no close to tell us they left).
      cancel(idleTimer);
      idleTimer = null;
    }
    // The bytes already read are always delivered; limits only pause further reads.
    queue.add(Kind.RECEIVED_BYTES, bytes);
    if (!backpressurePaused && queue.callbacks() >= gw.settings.maxQueuedCallbacks()) {
      backpressurePaused = true;
    }
    if (rateLimiter != null) {
      long wait = rateLimiter.consume(bytes.length, lastInboundNanos);
      if (wait > 0) {
        ratePaused = true;
        if (rateResumeTimer == null) {
          rateResumeTimer = schedule(Connection::onRateResume, wait);
        }
      }
    }
    applyReadPause();
    CallbackDispatch.pump(this);
    // The bound may have tripped on these bytes: pause now rather than when the gateway's
    // broadcast reaches this connection, so that no connection reads past it meanwhile.
    if (!memoryPaused && gw.queuedBytes.isOver()) {
      memoryPaused = true;
      applyReadPause();
    }
  }

  private void onRateResume() {
    rateResumeTimer = null;
    if (state != State.OPEN) {
      return;
    }
    long wait = rateLimiter.waitNanos(gw.scheduler.nanoTime());
    if (wait > 0) {
      rateResumeTimer = schedule(Connection::onRateResume, wait);
      return;
    }
    ratePaused = false;
    applyReadPause();
  }

  /** Tells the link to pause or resume reading when that changed; reads resume only when no
   * reason to pause holds any more. */
  private void applyReadPause() {
    boolean paused = backpressurePaused || ratePaused || memoryPaused;
    if (paused != linkReadPaused && (state == State.OPEN || paused)) {
      linkReadPaused = paused;
      link.setReadPaused(paused);
    }
  }

  /** Reads the memory bound's state and pauses or resumes reading to match. On the executor. */
  void memoryBoundChanged() {
    memoryPaused = gw.queuedBytes.isOver();
    applyReadPause();
  }

  /** {@link #memoryBoundChanged()} from any thread. */
  void memoryBoundChangedLater() {
    runOnExecutor(this::memoryBoundChanged);
  }

  /** Reports the change of this queue's bytes to the gateway-wide bound. On the executor. */
  private void syncQueuedBytes() {
    if (state == State.CLOSED) {
      return;
    }
    long now = queue.bytes() + inFlightBytes;
    if (now != reportedBytes) {
      long delta = now - reportedBytes;
      reportedBytes = now;
      gw.queuedBytes.add(delta);
    }
  }
  /**
   * The pump took callbacks from the queue: reports its bytes to the memory bound and resumes
   * reading once the queue has drained to half of maxQueuedCallbacks. On the executor.
   */
  void callbacksTaken() {
    syncQueuedBytes();
    if (backpressurePaused && queue.callbacks() <= gw.settings.maxQueuedCallbacks() / 2) {
      backpressurePaused = false;
      applyReadPause();
    }
  }


  @Override
  public void onClosed(String reason) {
    close(reason, false);
  }

  private boolean isDatagram() {
    SocketType t = link.socketType();
    return t == SocketType.UDP || t == SocketType.DTLS;
  }

  // ---------------------------------------------------------------- deliveries

  @Override
  public void deliver(BrokerMessage message, int qos) {
    deliver(message, qos, null);
  }

  @Override
  public void deliver(BrokerMessage message, int qos, Runnable acknowledge) {
    // Always a task of its own: a delivery never runs a handler callback nested in another.
    try {
      exec.execute(() -> enqueueDelivery(message, qos, acknowledge));
    } catch (RuntimeException rejected) {
      gw.stats.deliveriesDropped.increment();
      metrics.dropped(DROP_CLOSED, 1);
    }
  }

  @Override
  public void sessionEnded(String reason) {
    closeLater(reason);
  }

  private static final String DROP_CLOSED = "connection_closed";
  private static final String DROP_QUEUE_FULL = "queue_full";

  private void enqueueDelivery(BrokerMessage m, int qos, Runnable ack) {
    if (state != State.OPEN) {
      // Not acknowledged: the broker delivers it again to the client's next session.
      dropped(DROP_CLOSED, mountpoint.unmount(m.topic()), qos);
      return;
    }
    if (gw.queuedBytes.isOver()) {
      // Beyond the gateway-wide memory bound: dropped and counted as beyond maxQueuedDeliveries
      // (acknowledged, not redelivered).
      dropped(DROP_QUEUE_FULL, mountpoint.unmount(m.topic()), qos);
      if (ack != null) {
        ack.run();
      }
      return;
    }
    queue.addMessage(new Message(gw.nodeName, m.id(), qos, m.from(), mountpoint.unmount(m.topic()),
        m.payload(), m.timestamp()), ack);
    if (queue.messages() > gw.settings.maxQueuedDeliveries()) {
      Message oldest = queue.dropOldestMessage();
      dropped(DROP_QUEUE_FULL, oldest == null ? null : oldest.topic(),
          oldest == null ? -1 : oldest.qos());
    }
    CallbackDispatch.pump(this);
  }

  private void dropped(String reason, String topic, int qos) {
    gw.stats.deliveriesDropped.increment();
    deliveriesDropped++;
    metrics.dropped(reason, 1);
    if (gw.events.wants(GatewayEvent.Type.DROPPED)) {
      gw.events.emit(event(GatewayEvent.Type.DROPPED, topic, qos, reason));
    }
  }

  // ---------------------------------------------------------------- executor, timers

  /**
   * Runs {@code onExecutor} with this connection on the executor after {@code delayNanos}. A
   * connection holds a timer for as long as it is open (its idle timeout, or its keepalive), so
   * the task takes the connection as its argument: a method reference to it is a constant, and
   * only the hop onto the executor is allocated while the timer waits.
   */
  Cancellable schedule(Consumer<Connection> onExecutor, long delayNanos) {
    return gw.scheduler.schedule(() -> runOnExecutor(() -> onExecutor.accept(this)), delayNanos,
        TimeUnit.NANOSECONDS);
  }

  static void cancel(Cancellable c) {
    if (c != null) {
      c.cancel();
    }
  }

  /** Runs {@code r} on the executor later; dropped (and logged) if the executor is gone. */
  void runOnExecutor(Runnable r) {
    try {
      exec.execute(r);
    } catch (RuntimeException rejected) {
      log.debug("{}: executor rejected a task: {}", who(), rejected.toString());
    }
  }

  // ---------------------------------------------------------------- adapter operations

  CompletionStage<AdapterResult> send(byte[] bytes) {
    sendOct += bytes.length;
    sendCnt++;
    metrics.sent(bytes.length);
    link.write(bytes);
    return GatewayAdapter.SUCCESS;
  }

  CompletionStage<AdapterResult> closeByHandler() {
    close("normal", false);
    return GatewayAdapter.SUCCESS;
  }

  /**
   * This client id is being taken over by a newer connection of this gateway: close the broker
   * session now, from the caller's thread, so that it cannot reconnect or act at the broker after
   * the newer connection's session opens. The connection itself is closed as discarded when the
   * newer one registers. Thread-safe.
   */
  void releaseSessionForTakeover() {
    BrokerSession s = session;
    if (s != null) {
      s.close();
    }
  }

  // ---------------------------------------------------------------- views

  /** How log lines name this connection: its conn, and its client id once authenticated. */
  String who() {
    String cid = clientId;
    return cid == null ? "conn " + conn : "conn " + conn + " clientid " + cid;
  }

  /** The close reason as OnSocketClosed carries it; null while open. */
  String closeReason() {
    return closeReason;
  }

  /** An event about this connection. */
  GatewayEvent event(GatewayEvent.Type type, String topic, int qos, String reason) {
    return new GatewayEvent(type, gw.scheduler.currentTimeMillis(), conn, clientId, username,
        link.listenerName(), link.remoteAddress(), topic, qos, reason);
  }


  /** True if this (registered, so authenticated) client meets the query; any thread. */
  boolean matches(ClientQuery q) {
    return q.matches(clientId, username, peerAddress, connectedAtMillis);
  }

  /** True while open and authenticated (a client management can act on). On the executor. */
  boolean isOpenClient() {
    return state == State.OPEN && authenticated;
  }

  /** True until the connection starts closing. On the executor. */
  boolean isOpen() {
    return state == State.OPEN;
  }

  /** This client's details; null if it is no longer open. On the executor. */
  ClientDetails details() {
    return state != State.OPEN || !authenticated ? null
        : new ClientDetails(clientId, username, conn, link.remoteAddress(), link.listenerName(),
            protoName, protoVer, connectedAtMillis, createdAtMillis, keepaliveSeconds,
            subscriptions == null ? 0 : subscriptions.size(), queue.messages(),
            gw.settings.maxQueuedDeliveries(), deliveriesDropped, recvOct, recvCnt, sendOct,
            sendCnt, recvMsg, sendMsg);
  }

  ClientView view() {
    return new ClientView(clientId, username, conn, link.remoteAddress(), link.listenerName(),
        connectedAtMillis);
  }
}
