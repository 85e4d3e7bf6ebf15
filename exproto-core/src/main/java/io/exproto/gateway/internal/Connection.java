package io.exproto.gateway.internal;

import io.exproto.auth.AuthResult;
import io.exproto.auth.Authorizer.Action;
import io.exproto.auth.Authorizer.Decision;
import io.exproto.auth.ClientIdentity;
import io.exproto.auth.Credentials;
import io.exproto.broker.BrokerMessage;
import io.exproto.broker.BrokerSession;
import io.exproto.broker.SessionRequest;
import io.exproto.broker.Subscriber;
import io.exproto.broker.Topics;
import io.exproto.events.GatewayEvent;
import io.exproto.gateway.ClientView;
import io.exproto.management.ClientDetails;
import io.exproto.management.ClientQuery;
import io.exproto.management.SubscriptionView;
import io.exproto.metrics.HandlerCallback;
import io.exproto.metrics.ListenerMetrics;
import io.exproto.gateway.Scheduler.Cancellable;
import io.exproto.gateway.internal.CallbackQueue.Entry;
import io.exproto.gateway.internal.CallbackQueue.Kind;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.CallbackFailedException;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.ResultCode;
import io.exproto.handler.SocketType;
import io.exproto.handler.TimerType;
import io.exproto.transport.Link;
import io.exproto.transport.LinkExecutor;
import io.exproto.transport.LinkListener;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device connection: an actor confined to its link's executor. It owns the callback queue,
 * the timers and the client state; every field is read and written on that executor only, except
 * the identity fields published through the client registry after authentication.
 */
final class Connection implements LinkListener, Subscriber {
  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  private enum State { OPEN, CLOSING, CLOSED }

  private static final String BANNED_CLIENT = "client id is banned";

  private final GatewayImpl gw;
  final String conn;
  final Link link;
  final HandlerSlot handlerSlot;
  /** The listener that accepted this connection; removing it closes this connection. */
  final GatewayImpl.ListenerEntry listener;
  /** The peer's IP address, read once on the executor; matched by address bans from any thread. */
  final InetAddress peerAddress;
  private final LinkExecutor exec;
  private final CallbackQueue queue;

  private State state = State.OPEN;
  private String closeReason;

  // Callback dispatch: at most one in flight.
  private boolean inFlight;
  private Kind inFlightKind;
  // The stage of the callback in flight, cancelled if the connection gives up on it.
  private CompletionStage<Void> inFlightStage;
  // The broker acknowledgements of the delivery batch in flight, run when the handler took it.
  private ArrayList<Runnable> inFlightAcks;
  private long inFlightSeq;
  private long inFlightSinceNanos;
  private boolean pumping;
  private boolean pumpPosted;
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
  private long inFlightBytes;
  private InboundRateLimiter rateLimiter; // null: no limit configured
  private Cancellable rateResumeTimer;
  private Cancellable callbackWatchdog;

  // Timers.
  private long lastInboundNanos;
  private long keepaliveLimitNanos; // 0: no keepalive
  private long keepaliveStartNanos;
  private Cancellable idleTimer;
  private Cancellable keepaliveTimer;
  private Cancellable expiryTimer;
  private Cancellable flushTimer;

  // Client state; the identity fields are written once, before publication in the registry.
  private boolean authenticating;
  private boolean authenticated;
  volatile String clientId;
  private String username;
  private long connectedAtMillis;
  private Mountpoint mountpoint = Mountpoint.NONE;
  private ClientIdentity identity;
  private Map<String, Integer> subscriptions; // mounted filter -> qos
  /**
   * The client's broker session, from a successful Authenticate until close. Volatile: a newer
   * connection taking over the client id closes it from its own executor (see authenticate).
   */
  private volatile BrokerSession session;
  private String protoName = "";
  private String protoVer = "";

  // Counters for management and metrics; on the executor only.
  private final ListenerMetrics metrics;
  private final long createdAtMillis;
  private int keepaliveSeconds;
  private long recvOct;
  private long recvCnt;
  private long sendOct;
  private long sendCnt;
  private long recvMsg;
  private long sendMsg;
  private long deliveriesDropped;
  // The last authorization decision still pending; the next check waits for it so that a
  // connection's Publish/Subscribe calls keep their order. Null when none is pending.
  private CompletableFuture<Decision> authzTail;

  Connection(GatewayImpl gw, String conn, Link link, HandlerSlot handlerSlot,
      GatewayImpl.ListenerEntry listener, InetAddress peerAddress) {
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
    idleTimer = schedule(this::onIdleTimeout, gw.idleTimeout().toNanos());
    memoryBoundChanged();
    pump();
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
    gw.unregister(this);
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
      flushTimer = schedule(this::onFlushTimeout, flush);
    }
    requestPump();
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
    if (inFlight && inFlightKind != Kind.SOCKET_CLOSED) {
      // Abandon the slow callback: onSocketClosed must not wait on it past the flush window.
      CompletionStage<Void> abandoned = inFlightStage;
      inFlight = false;
      inFlightBytes = 0;
      inFlightStage = null;
      inFlightAcks = null;
      inFlightSeq++;
      dropped++;
      cancelAbandoned(abandoned);
    }
    if (dropped > 0) {
      log.warn("{}: dropped {} callbacks not delivered within the close-flush timeout", who(),
          dropped);
    }
    requestPump();
  }

  private void finish() {
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
          rateResumeTimer = schedule(this::onRateResume, wait);
        }
      }
    }
    applyReadPause();
    pump();
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
      rateResumeTimer = schedule(this::onRateResume, wait);
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
    pump();
  }

  private void dropped(String reason, String topic, int qos) {
    gw.stats.deliveriesDropped.increment();
    deliveriesDropped++;
    metrics.dropped(reason, 1);
    if (gw.events.wants(GatewayEvent.Type.DROPPED)) {
      gw.events.emit(event(GatewayEvent.Type.DROPPED, topic, qos, reason));
    }
  }

  // ---------------------------------------------------------------- callback dispatch

  /** Pumps later, in a task of its own (used from adapter operations, never nested). */
  private void requestPump() {
    if (!pumpPosted) {
      pumpPosted = true;
      try {
        exec.execute(() -> {
          pumpPosted = false;
          pump();
        });
      } catch (RuntimeException rejected) {
        // The executor is gone (transport shut down): nothing can run any more.
        pumpPosted = false;
        if (state != State.CLOSED) {
          finish();
        }
      }
    }
  }

  private void pump() {
    if (pumping) {
      return;
    }
    pumping = true;
    try {
      while (!inFlight && state != State.CLOSED) {
        Entry e = queue.poll();
        if (e == null) {
          break;
        }
        dispatch(e);
      }
    } finally {
      pumping = false;
    }
    syncQueuedBytes();
    if (backpressurePaused && queue.callbacks() <= gw.settings.maxQueuedCallbacks() / 2) {
      backpressurePaused = false;
      applyReadPause();
    }
  }

  private void dispatch(Entry e) {
    inFlight = true;
    inFlightKind = e.kind;
    inFlightBytes = CallbackQueue.sizeOf(e);
    long seq = ++inFlightSeq;
    inFlightSinceNanos = gw.scheduler.nanoTime();
    CompletionStage<Void> stage;
    ConnectionHandler h = handlerSlot.handler;
    try {
      switch (e.kind) {
        case SOCKET_CREATED -> stage = h.onSocketCreated(conn, (ConnInfo) e.arg);
        case RECEIVED_BYTES -> stage = h.onReceivedBytes(conn, (byte[]) e.arg);
        case TIMER_TIMEOUT -> stage = h.onTimerTimeout(conn, (TimerType) e.arg);
        case RECEIVED_MESSAGES -> {
          inFlightAcks = e.acks;
          List<Message> batch = List.copyOf(e.messages());
          delivered(batch);
          stage = h.onReceivedMessages(conn, batch);
        }
        case SOCKET_CLOSED -> stage = h.onSocketClosed(conn, (String) e.arg);
        default -> throw new IllegalStateException(e.kind.name());
      }
      if (stage == null) {
        throw new NullPointerException("handler returned null from " + e.kind.callbackName);
      }
    } catch (Throwable t) {
      callbackDone(seq, t);
      return;
    }
    inFlightStage = stage;
    stage.whenComplete((v, err) -> {
      if (exec.inExecutorThread()) {
        callbackDone(seq, err);
      } else {
        runOnExecutor(() -> callbackDone(seq, err));
      }
    });
    // A callback that completed synchronously needs no deadline. The watchdog is lazy: armed once,
    // it re-arms itself only while callbacks keep running, so busy connections do not schedule a
    // timer per callback.
    if (inFlight && seq == inFlightSeq && callbackWatchdog == null) {
      callbackWatchdog = schedule(this::onCallbackWatchdog, gw.settings.callbackTimeout().toNanos());
    }
  }

  private void callbackDone(long seq, Throwable err) {
    if (!inFlight || seq != inFlightSeq) {
      return; // abandoned, or already failed by the watchdog
    }
    inFlight = false;
    inFlightBytes = 0;
    inFlightStage = null;
    ArrayList<Runnable> acks = inFlightAcks;
    inFlightAcks = null;
    Kind kind = inFlightKind;
    if (acks != null && err == null) {
      acks.forEach(Runnable::run); // the handler took the batch: the broker may forget it
    }
    metrics.callbackCompleted(CALLBACKS[kind.ordinal()], gw.scheduler.nanoTime()
        - inFlightSinceNanos);
    if (kind == Kind.SOCKET_CLOSED) {
      if (err != null) {
        gw.stats.callbackFailures.increment();
        metrics.callbackFailed(HandlerCallback.ON_SOCKET_CLOSED, failureToken(err));
        log.debug("{}: on_socket_closed failed: {}", who(), err.toString());
      }
      finish();
      return;
    }
    if (err != null) {
      gw.stats.callbackFailures.increment();
      String token = failureToken(err);
      metrics.callbackFailed(CALLBACKS[kind.ordinal()], token);
      if (state != State.OPEN) {
        // Already closing (the device left, say): the handler's adapter calls for this connection
        // now fail, so its callback often does too. Expected, and the close reason is set; a
        // stack trace per departing device would drown the log.
        log.debug("{}: {} failed while closing: {}", who(), kind.callbackName,
            err.toString());
      } else {
        // Names the handler and the cause; rate-limited, since a dead handler fails every device.
        gw.callbackFailureLog.failed(who(), kind.callbackName, token, handlerSlot.handler, err);
      }
      close("{error,{" + kind.callbackName + "," + token + "}}", true);
    }
    if (!pumping) {
      pump();
    }
  }

  private static String failureToken(Throwable err) {
    Throwable t = err;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t instanceof CallbackFailedException cfe ? cfe.reason() : "internal";
  }

  private void onCallbackWatchdog() {
    callbackWatchdog = null;
    if (!inFlight) {
      return;
    }
    long limit = gw.settings.callbackTimeout().toNanos();
    long elapsed = gw.scheduler.nanoTime() - inFlightSinceNanos;
    if (elapsed >= limit) {
      // Cancel before failing: the failure closes the connection, and the handler must learn the
      // answer is no longer awaited before it sees OnSocketClosed. The sequence moves first so the
      // stage's own completion by this cancel is stale and cannot be taken for the failure.
      CompletionStage<Void> overdue = inFlightStage;
      inFlightSeq++;
      cancelAbandoned(overdue);
      callbackDone(inFlightSeq, new CallbackFailedException("deadline_exceeded", null));
    } else {
      callbackWatchdog = schedule(this::onCallbackWatchdog, limit - elapsed);
    }
  }

  /**
   * Tells the handler its callback's answer is no longer awaited, by cancelling the stage it
   * returned (ConnectionHandler's contract), so that it can release what the callback holds (a
   * gRPC call, say). Stages that cannot be cancelled are left alone.
   */
  private void cancelAbandoned(CompletionStage<Void> stage) {
    if (stage == null) {
      return;
    }
    try {
      stage.toCompletableFuture().cancel(false);
    } catch (RuntimeException e) {
      // toCompletableFuture is optional (UnsupportedOperationException), and a dependent of the
      // stage may throw: the connection has moved on either way.
      log.debug("{}: cancelling an abandoned callback: {}", who(), e.toString());
    }
  }

  // ---------------------------------------------------------------- timers

  private Cancellable schedule(Runnable onExecutor, long delayNanos) {
    return gw.scheduler.schedule(() -> runOnExecutor(onExecutor), delayNanos, TimeUnit.NANOSECONDS);
  }

  private static void cancel(Cancellable c) {
    if (c != null) {
      c.cancel();
    }
  }

  private void runOnExecutor(Runnable r) {
    try {
      exec.execute(r);
    } catch (RuntimeException rejected) {
      log.debug("{}: executor rejected a task: {}", who(), rejected.toString());
    }
  }

  private void onIdleTimeout() {
    idleTimer = null;
    if (state == State.OPEN) {
      close("idle_timeout", false);
    }
  }

  private void onKeepaliveCheck() {
    keepaliveTimer = null;
    if (state != State.OPEN || keepaliveLimitNanos == 0) {
      return;
    }
    long since = Math.max(lastInboundNanos, keepaliveStartNanos);
    long silent = gw.scheduler.nanoTime() - since;
    if (silent >= keepaliveLimitNanos) {
      queue.add(Kind.TIMER_TIMEOUT, TimerType.KEEPALIVE);
      close("keepalive_timeout", false);
    } else {
      keepaliveTimer = schedule(this::onKeepaliveCheck, keepaliveLimitNanos - silent);
    }
  }

  // ---------------------------------------------------------------- adapter operations

  /**
   * Runs an adapter operation on the executor: at once when already there, else as a task. The
   * connection must be open when the operation runs.
   */
  CompletionStage<AdapterResult> call(java.util.function.Function<Connection,
      CompletionStage<AdapterResult>> op) {
    if (exec.inExecutorThread()) {
      return runOp(op);
    }
    CompletableFuture<AdapterResult> out = new CompletableFuture<>();
    try {
      exec.execute(() -> runOp(op).whenComplete((r, e) ->
          out.complete(e != null ? unknown(e) : r)));
    } catch (RuntimeException rejected) {
      out.complete(GatewayAdapter.notAlive(conn));
    }
    return out;
  }

  private CompletionStage<AdapterResult> runOp(
      java.util.function.Function<Connection, CompletionStage<AdapterResult>> op) {
    if (state != State.OPEN) {
      return CompletableFuture.completedStage(GatewayAdapter.notAlive(conn));
    }
    try {
      return op.apply(this);
    } catch (RuntimeException e) {
      log.warn("{}: adapter operation failed", who(), e);
      return CompletableFuture.completedStage(unknown(e));
    }
  }

  private static AdapterResult unknown(Throwable e) {
    return AdapterResult.of(ResultCode.UNKNOWN, "internal error: " + e);
  }

  /** Continues {@code stage} on the executor (inline when it completes there). */
  private <T> CompletionStage<AdapterResult> then(CompletionStage<T> stage,
      BiFunction<T, Throwable, AdapterResult> fn) {
    return thenCompose(stage, (v, e) -> CompletableFuture.completedStage(fn.apply(v, e)));
  }

  /** Continues {@code stage} on the executor (inline when it completes there) with a stage. */
  private <T> CompletionStage<AdapterResult> thenCompose(CompletionStage<T> stage,
      BiFunction<T, Throwable, CompletionStage<AdapterResult>> fn) {
    CompletableFuture<AdapterResult> out = new CompletableFuture<>();
    stage.whenComplete((v, e) -> {
      Runnable r = () -> {
        try {
          fn.apply(v, e).whenComplete((result, ex) -> out.complete(ex != null ? unknown(ex)
              : result));
        } catch (RuntimeException ex) {
          out.complete(unknown(ex));
        }
      };
      if (exec.inExecutorThread()) {
        r.run();
      } else {
        try {
          exec.execute(r);
        } catch (RuntimeException rejected) {
          out.complete(GatewayAdapter.notAlive(conn));
        }
      }
    });
    return out;
  }

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

  CompletionStage<AdapterResult> startTimer(TimerType type, int interval) {
    if (type != TimerType.KEEPALIVE) {
      return GatewayAdapter.fail(ResultCode.PARAMS_TYPE_ERROR,
          "unknown timer type; only KEEPALIVE is supported");
    }
    if (interval == 0) {
      return GatewayAdapter.fail(ResultCode.PARAMS_TYPE_ERROR,
          "keepalive interval must be at least 1 second, was 0");
    }
    cancel(idleTimer);
    idleTimer = null;
    cancel(keepaliveTimer);
    keepaliveLimitNanos = TimeUnit.MILLISECONDS.toNanos(Integer.toUnsignedLong(interval) * 1500);
    keepaliveSeconds = interval;
    keepaliveStartNanos = gw.scheduler.nanoTime();
    keepaliveTimer = schedule(this::onKeepaliveCheck, keepaliveLimitNanos);
    return GatewayAdapter.SUCCESS;
  }

  CompletionStage<AdapterResult> authenticate(ClientInfo info, String password) {
    if (info == null) {
      return GatewayAdapter.fail(ResultCode.REQUIRED_PARAMS_MISSED,
          "clientinfo is required to authenticate");
    }
    if (authenticated || authenticating) {
      return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, "Duplicated authenticate command");
    }
    String cid = info.clientId().isEmpty() ? Ids.newClientId() : info.clientId();
    if (gw.isBannedClient(cid)) {
      return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, BANNED_CLIENT);
    }
    authenticating = true;
    String protoName = info.protoName().isEmpty() ? "exproto" : info.protoName();
    Credentials creds = new Credentials(cid, info.username(), password, link.remoteAddress(),
        link.peerCertificate(), link.listenerName(), protoName);
    CompletionStage<AuthResult> decision;
    if (!listener.listener.authenticationEnabled()) {
      decision = CompletableFuture.completedStage(AuthResult.allow()); // enable_authn = false
    } else {
      try {
        decision = withAuthTimeout(gw.settings.authenticator().authenticate(creds));
      } catch (RuntimeException e) {
        decision = CompletableFuture.failedStage(e);
      }
    }
    return observeAuthentication(cid, info, thenCompose(decision, (result, err) -> {
      authenticating = false;
      if (state != State.OPEN) {
        return CompletableFuture.completedStage(GatewayAdapter.notAlive(conn));
      }
      if (err != null || result == null) {
        Throwable cause = unwrap(err);
        if (cause instanceof TimeoutException) {
          log.warn("conn {}: no authentication decision for client {} within {}; denied", conn,
              cid, gw.settings.authTimeout());
        } else {
          log.warn("conn {}: authenticator failed for client {}", conn, cid, cause);
        }
        return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, "Authentication failed: "
            + (cause == null ? "authenticator returned no result" : cause.getMessage()));
      }
      if (!result.allowed()) {
        return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, result.reason());
      }
      if (gw.isBannedClient(cid)) {
        return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, BANNED_CLIENT);
      }
      return openSession(cid, info, password, result);
    }));
  }

  /**
   * The second half of Authenticate: opens the client's broker session (a bridge presents the
   * credentials to the external broker, whose refusal denies the client), then makes the client
   * visible. On the executor.
   */
  private CompletionStage<AdapterResult> openSession(String cid, ClientInfo info, String password,
      AuthResult result) {
    authenticating = true;
    CompletionStage<BrokerSession> opening;
    try {
      opening = gw.broker.openSession(new SessionRequest(cid, info.username(),
          password == null ? "" : password), this);
    } catch (RuntimeException e) {
      opening = CompletableFuture.failedStage(e);
    }
    return then(opening, (opened, err) -> {
      authenticating = false;
      if (state != State.OPEN) {
        if (opened != null) {
          opened.close();
        }
        return GatewayAdapter.notAlive(conn);
      }
      if (err != null || opened == null) {
        Throwable cause = GatewayImpl.unwrap(err);
        if (cause instanceof io.exproto.broker.BrokerRefusedException) {
          return AdapterResult.of(ResultCode.PERMISSION_DENY, cause.getMessage());
        }
        log.warn("conn {}: the broker could not open a session for client {}: {}", conn, cid,
            cause == null ? "no session" : cause.toString());
        return AdapterResult.of(ResultCode.UNKNOWN, "the broker could not open a session: "
            + (cause == null ? "no session" : cause.getMessage()));
      }
      // A connection this gateway holds for the same client id loses its broker session at once,
      // from here, so that nothing it does later (a reconnect, its close on its own executor) can
      // act on the client id at the broker; registerClient then discards the connection itself.
      // Only now: a refused attempt must not cost the live device its session.
      Connection previous = gw.registeredClient(cid);
      if (previous != null && previous != this) {
        previous.releaseSessionForTakeover();
      }
      session = opened;
      authenticated = true;
      username = info.username();
      connectedAtMillis = gw.scheduler.currentTimeMillis();
      mountpoint = Mountpoint.resolve(gw.settings.mountpoint(), cid, username);
      identity = new ClientIdentity(cid, username, link.remoteAddress(), link.listenerName(),
          link.peerCertificate(), result.superuser());
      clientId = cid;
      gw.registerClient(this);
      if (gw.isBannedClient(cid)) {
        // Banned while the authenticator was deciding, after the sweep of live clients.
        close("banned", false);
        return AdapterResult.of(ResultCode.PERMISSION_DENY, BANNED_CLIENT);
      }
      if (result.expiresAt() != null) {
        long delayMs = result.expiresAt().toEpochMilli() - gw.scheduler.currentTimeMillis();
        expiryTimer = schedule(() -> {
          expiryTimer = null;
          close("expired", false);
        }, TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMs)));
      }
      return AdapterResult.SUCCESS;
    });
  }

  /** Reports the authenticator's decision (metrics, events); on the executor. */
  private CompletionStage<AdapterResult> observeAuthentication(String cid, ClientInfo info,
      CompletionStage<AdapterResult> result) {
    return result.thenApply(r -> {
      if (r.code() == ResultCode.CONN_PROCESS_NOT_ALIVE) {
        return r;
      }
      boolean ok = r.code() == ResultCode.SUCCESS;
      metrics.authentication(ok);
      if (ok) {
        protoName = info.protoName().isEmpty() ? "exproto" : info.protoName();
        protoVer = info.protoVer();
      }
      GatewayEvent.Type type = ok ? GatewayEvent.Type.AUTHENTICATED
          : GatewayEvent.Type.AUTHENTICATION_FAILED;
      if (gw.events.wants(type)) {
        gw.events.emit(new GatewayEvent(type, gw.scheduler.currentTimeMillis(), conn, cid,
            info.username(), link.listenerName(), link.remoteAddress(), null, -1,
            ok ? null : r.message()));
      }
      return r;
    });
  }

  CompletionStage<AdapterResult> publish(String topic, int qos, byte[] payload) {
    CompletionStage<AdapterResult> denied = checkPubSub(topic, qos, false);
    if (denied != null) {
      return denied;
    }
    return authorized(Action.PUBLISH, topic, () -> publishAuthorized(topic, qos, payload));
  }

  private CompletionStage<AdapterResult> publishAuthorized(String topic, int qos,
      byte[] payload) {
    String mounted = mountpoint.mountName(topic);
    if (!mountpoint.isEmpty()) {
      String why = Topics.validateName(mounted);
      if (why != null) {
        return GatewayAdapter.fail(ResultCode.PARAMS_TYPE_ERROR, "topic '" + mounted
            + "' (with mountpoint '" + mountpoint.prefix() + "') is invalid: " + why);
      }
    }
    BrokerMessage m = new BrokerMessage(Ids.newMessageId(), clientId, mounted, qos,
        payload == null ? new byte[0] : payload, gw.scheduler.currentTimeMillis());
    return then(GatewayImpl.published(session.publish(m)), (r, e) -> {
      if (e != null) {
        return unknown(e);
      }
      if (r.code() == ResultCode.SUCCESS) {
        recvMsg++;
        metrics.published();
        if (gw.events.wants(GatewayEvent.Type.PUBLISHED)) {
          gw.events.emit(event(GatewayEvent.Type.PUBLISHED, topic, qos, null));
        }
      }
      return r;
    });
  }

  CompletionStage<AdapterResult> subscribe(String filter, int qos) {
    CompletionStage<AdapterResult> denied = checkPubSub(filter, qos, true);
    if (denied != null) {
      return denied;
    }
    return authorized(Action.SUBSCRIBE, filter, () -> subscribeMounted(filter, qos));
  }

  private CompletionStage<AdapterResult> subscribeMounted(String filter, int qos) {
    String mounted = mountpoint.mountFilter(filter);
    if (!mountpoint.isEmpty()) {
      String why = Topics.validateFilter(mounted);
      if (why != null) {
        return GatewayAdapter.fail(ResultCode.PARAMS_TYPE_ERROR, "topic filter '" + mounted
            + "' (with mountpoint '" + mountpoint.prefix() + "') is invalid: " + why);
      }
    }
    if (subscriptions == null) {
      subscriptions = new HashMap<>(4);
    }
    subscriptions.put(mounted, qos);
    return then(session.subscribe(mounted, qos), (v, e) -> {
      if (e != null) {
        if (subscriptions != null) {
          subscriptions.remove(mounted);
        }
        Throwable cause = GatewayImpl.unwrap(e);
        return AdapterResult.of(cause instanceof io.exproto.broker.BrokerRefusedException
            ? ResultCode.PERMISSION_DENY : ResultCode.UNKNOWN,
            "broker refused the subscription: " + cause.getMessage());
      }
      if (gw.events.wants(GatewayEvent.Type.SUBSCRIBED)) {
        gw.events.emit(event(GatewayEvent.Type.SUBSCRIBED, filter, qos, null));
      }
      return AdapterResult.SUCCESS;
    });
  }

  CompletionStage<AdapterResult> unsubscribe(String filter) {
    if (!authenticated) {
      return notAuthenticated();
    }
    String why = filter == null ? "topic filter must not be empty" : Topics.validateFilter(filter);
    if (why != null) {
      return GatewayAdapter.fail(ResultCode.PARAMS_TYPE_ERROR, "invalid topic filter '" + filter
          + "': " + why);
    }
    String mounted = mountpoint.mountFilter(filter);
    if (subscriptions == null || subscriptions.remove(mounted) == null) {
      return GatewayAdapter.SUCCESS;
    }
    return then(session.unsubscribe(mounted), (v, e) -> {
      if (e != null) {
        return AdapterResult.of(ResultCode.UNKNOWN, "broker failed to unsubscribe: "
            + GatewayImpl.unwrap(e).getMessage());
      }
      if (gw.events.wants(GatewayEvent.Type.UNSUBSCRIBED)) {
        gw.events.emit(event(GatewayEvent.Type.UNSUBSCRIBED, filter, -1, null));
      }
      return AdapterResult.SUCCESS;
    });
  }

  // ---------------------------------------------------------------- authorization

  /**
   * Runs {@code op} on the executor once the authorizer allowed {@code action} on {@code topic}
   * (at once for superusers and decisions already made). A denial answers PERMISSION_DENY; a
   * DISCONNECT decision also closes the connection with {@code {shutdown,not_authorized}}; a failed
   * or late decision counts as a denial and is logged.
   */
  private CompletionStage<AdapterResult> authorized(Action action, String topic,
      Supplier<CompletionStage<AdapterResult>> op) {
    if (identity.superuser()) {
      return op.get();
    }
    CompletableFuture<Decision> previous = authzTail;
    if (previous == null || previous.isDone()) {
      CompletionStage<Decision> stage = askAuthorizer(action, topic);
      CompletableFuture<Decision> f = doneOrNull(stage);
      if (f != null && !f.isCompletedExceptionally()) {
        return onDecision(f.join(), null, action, topic, op); // the common, cached case
      }
      CompletableFuture<Decision> timed = withAuthTimeout(stage);
      authzTail = timed;
      return thenCompose(timed, (d, e) -> {
        if (authzTail == timed) {
          authzTail = null;
        }
        return onDecision(d, e, action, topic, op);
      });
    }
    // Wait for the pending decision so that this call cannot overtake it.
    CompletableFuture<Decision> timed = new CompletableFuture<>();
    previous.whenComplete((ignored, ignoredErr) -> {
      try {
        exec.execute(() -> withAuthTimeout(askAuthorizer(action, topic)).whenComplete((d, e) -> {
          if (e != null) {
            timed.completeExceptionally(e);
          } else {
            timed.complete(d);
          }
        }));
      } catch (RuntimeException rejected) {
        timed.completeExceptionally(rejected);
      }
    });
    authzTail = timed;
    return thenCompose(timed, (d, e) -> {
      if (authzTail == timed) {
        authzTail = null;
      }
      return onDecision(d, e, action, topic, op);
    });
  }

  private CompletionStage<Decision> askAuthorizer(Action action, String topic) {
    try {
      CompletionStage<Decision> d = gw.settings.authorizer().authorize(identity, action, topic);
      return d == null ? CompletableFuture.failedStage(
          new NullPointerException("the authorizer returned no stage")) : d;
    } catch (RuntimeException e) {
      return CompletableFuture.failedStage(e);
    }
  }

  private CompletionStage<AdapterResult> onDecision(Decision d, Throwable err, Action action,
      String topic, Supplier<CompletionStage<AdapterResult>> op) {
    if (state != State.OPEN) {
      return CompletableFuture.completedStage(GatewayAdapter.notAlive(conn));
    }
    if (err != null || d == null) {
      Throwable cause = unwrap(err);
      if (cause instanceof TimeoutException) {
        log.warn("conn {}: no authorization decision for client {} ({} '{}') within {}; denied",
            conn, clientId, action, topic, gw.settings.authTimeout());
      } else {
        log.warn("conn {}: authorizer failed for client {} ({} '{}'); denied: {}", conn, clientId,
            action, topic, cause == null ? "no decision" : cause.toString());
      }
      return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, "Authorization deny");
    }
    switch (d) {
      case ALLOW:
        return op.get();
      case DISCONNECT:
        log.info("conn {}: client {} not authorized to {} '{}'; disconnecting", conn, clientId,
            action, topic);
        close("not_authorized", false);
        return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, "Authorization deny");
      default:
        return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, "Authorization deny");
    }
  }

  /** {@code stage}, failed with a TimeoutException unless complete within the auth timeout. */
  private <T> CompletableFuture<T> withAuthTimeout(CompletionStage<T> stage) {
    CompletableFuture<T> done = doneOrNull(stage);
    if (done != null) {
      return done;
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    Duration limit = gw.settings.authTimeout();
    Cancellable timer = gw.scheduler.schedule(() -> out.completeExceptionally(
        new TimeoutException("no decision within " + limit)), limit.toNanos(),
        TimeUnit.NANOSECONDS);
    stage.whenComplete((v, e) -> {
      timer.cancel();
      if (e != null) {
        out.completeExceptionally(e);
      } else {
        out.complete(v);
      }
    });
    return out;
  }

  /** The stage as a completed future, or null if it is not (known to be) complete yet. */
  private static <T> CompletableFuture<T> doneOrNull(CompletionStage<T> stage) {
    if (stage instanceof CompletableFuture) {
      try {
        // A minimal stage (completedStage) refuses isDone() but copies itself here.
        CompletableFuture<T> f = stage.toCompletableFuture();
        return f.isDone() ? f : null;
      } catch (UnsupportedOperationException notAFullFuture) {
        return null;
      }
    }
    return null;
  }

  private static Throwable unwrap(Throwable err) {
    Throwable t = err;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private CompletionStage<AdapterResult> checkPubSub(String topic, int qos, boolean filter) {
    if (!authenticated) {
      return notAuthenticated();
    }
    CompletionStage<AdapterResult> bad = GatewayAdapter.checkQos(qos);
    if (bad != null) {
      return bad;
    }
    return GatewayAdapter.checkTopic(topic, filter);
  }

  private static CompletionStage<AdapterResult> notAuthenticated() {
    return GatewayAdapter.fail(ResultCode.PERMISSION_DENY,
        "the connection is not authenticated; call Authenticate first");
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

  // ---------------------------------------------------------------- management

  private static final HandlerCallback[] CALLBACKS = new HandlerCallback[Kind.values().length];

  static {
    CALLBACKS[Kind.SOCKET_CREATED.ordinal()] = HandlerCallback.ON_SOCKET_CREATED;
    CALLBACKS[Kind.RECEIVED_BYTES.ordinal()] = HandlerCallback.ON_RECEIVED_BYTES;
    CALLBACKS[Kind.TIMER_TIMEOUT.ordinal()] = HandlerCallback.ON_TIMER_TIMEOUT;
    CALLBACKS[Kind.RECEIVED_MESSAGES.ordinal()] = HandlerCallback.ON_RECEIVED_MESSAGES;
    CALLBACKS[Kind.SOCKET_CLOSED.ordinal()] = HandlerCallback.ON_SOCKET_CLOSED;
  }

  /** Orders clients by the time they authenticated, then by client id (management listings). */
  static final java.util.Comparator<Connection> BY_CONNECTED_AT =
      java.util.Comparator.<Connection>comparingLong(c -> c.connectedAtMillis)
          .thenComparing(c -> c.clientId);

  /** How log lines name this connection: its conn, and its client id once authenticated. */
  private String who() {
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

  private void delivered(List<Message> batch) {
    sendMsg += batch.size();
    metrics.delivered(batch.size());
    if (gw.events.wants(GatewayEvent.Type.DELIVERED)) {
      for (Message m : batch) {
        gw.events.emit(event(GatewayEvent.Type.DELIVERED, m.topic(), m.qos(), null));
      }
    }
  }

  /** True if this (registered, so authenticated) client meets the query; any thread. */
  boolean matches(ClientQuery q) {
    return q.matches(clientId, username, peerAddress, connectedAtMillis);
  }

  /** This client's details, read on the executor; null if it is no longer open. */
  CompletableFuture<ClientDetails> details() {
    CompletableFuture<ClientDetails> out = new CompletableFuture<>();
    Runnable r = () -> out.complete(state != State.OPEN || !authenticated ? null
        : new ClientDetails(clientId, username, conn, link.remoteAddress(), link.listenerName(),
            protoName, protoVer, connectedAtMillis, createdAtMillis, keepaliveSeconds,
            subscriptions == null ? 0 : subscriptions.size(), queue.messages(),
            gw.settings.maxQueuedDeliveries(), deliveriesDropped, recvOct, recvCnt, sendOct,
            sendCnt, recvMsg, sendMsg));
    try {
      exec.execute(r);
    } catch (RuntimeException rejected) {
      out.complete(null);
    }
    return out;
  }

  /** Runs {@code op} on the executor while this client is open; else fails: not found. */
  private <T> CompletionStage<T> onClient(java.util.function.Supplier<CompletionStage<T>> op) {
    CompletableFuture<T> out = new CompletableFuture<>();
    Runnable r = () -> {
      if (state != State.OPEN || !authenticated) {
        out.completeExceptionally(new io.exproto.management.ClientNotFoundException(clientId));
        return;
      }
      try {
        op.get().whenComplete((v, e) -> {
          if (e != null) {
            out.completeExceptionally(e);
          } else {
            out.complete(v);
          }
        });
      } catch (RuntimeException e) {
        out.completeExceptionally(e);
      }
    };
    try {
      exec.execute(r);
    } catch (RuntimeException rejected) {
      out.completeExceptionally(new io.exproto.management.ClientNotFoundException(clientId));
    }
    return out;
  }

  CompletionStage<List<SubscriptionView>> managementSubscriptions() {
    return onClient(() -> {
      List<SubscriptionView> out = new java.util.ArrayList<>();
      if (subscriptions != null) {
        for (Map.Entry<String, Integer> e : subscriptions.entrySet()) {
          out.add(new SubscriptionView(mountpoint.unmountFilter(e.getKey()), e.getValue()));
        }
      }
      out.sort(java.util.Comparator.comparing(SubscriptionView::topic));
      return CompletableFuture.completedStage(out);
    });
  }

  CompletionStage<SubscriptionView> managementSubscribe(String filter, int qos) {
    return onClient(() -> subscribeMounted(filter, qos).thenApply(r -> {
      if (r.code() == ResultCode.SUCCESS) {
        return new SubscriptionView(filter, qos);
      }
      if (r.code() == ResultCode.PARAMS_TYPE_ERROR) {
        throw new IllegalArgumentException(r.message());
      }
      if (r.code() == ResultCode.CONN_PROCESS_NOT_ALIVE) {
        throw new io.exproto.management.ClientNotFoundException(clientId);
      }
      throw new IllegalStateException(r.message());
    }));
  }

  CompletionStage<Boolean> managementUnsubscribe(String filter) {
    return onClient(() -> {
      String mounted = mountpoint.mountFilter(filter);
      if (subscriptions == null || !subscriptions.containsKey(mounted)) {
        return CompletableFuture.completedStage(false);
      }
      return unsubscribe(filter).thenApply(r -> {
        if (r.code() != ResultCode.SUCCESS) {
          throw new IllegalStateException(r.message());
        }
        return true;
      });
    });
  }

  ClientView view() {
    return new ClientView(clientId, username, conn, link.remoteAddress(), link.listenerName(),
        connectedAtMillis);
  }
}
