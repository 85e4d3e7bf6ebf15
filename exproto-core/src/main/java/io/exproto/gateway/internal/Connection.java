package io.exproto.gateway.internal;

import io.exproto.auth.AuthResult;
import io.exproto.auth.Authorizer.Action;
import io.exproto.auth.ClientIdentity;
import io.exproto.auth.Credentials;
import io.exproto.broker.BrokerMessage;
import io.exproto.broker.BrokerSession;
import io.exproto.broker.SessionRequest;
import io.exproto.broker.Subscriber;
import io.exproto.broker.Topics;
import io.exproto.gateway.ClientView;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
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
      inFlightStage = null;
      inFlightAcks = null;
      inFlightSeq++;
      dropped++;
      cancelAbandoned(abandoned);
    }
    if (dropped > 0) {
      log.warn("conn {}: dropped {} callbacks not delivered within the close-flush timeout",
          conn, dropped);
    }
    requestPump();
  }

  private void finish() {
    state = State.CLOSED;
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
    boolean paused = backpressurePaused || ratePaused;
    if (paused != linkReadPaused && (state == State.OPEN || paused)) {
      linkReadPaused = paused;
      link.setReadPaused(paused);
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
    }
  }

  @Override
  public void sessionEnded(String reason) {
    closeLater(reason);
  }

  private void enqueueDelivery(BrokerMessage m, int qos, Runnable ack) {
    if (state != State.OPEN) {
      // Not acknowledged: the broker delivers it again to the client's next session.
      gw.stats.deliveriesDropped.increment();
      return;
    }
    queue.addMessage(new Message(gw.nodeName, m.id(), qos, m.from(), mountpoint.unmount(m.topic()),
        m.payload(), m.timestamp()), ack);
    if (queue.messages() > gw.settings.maxQueuedDeliveries()) {
      queue.dropOldestMessage();
      gw.stats.deliveriesDropped.increment();
    }
    pump();
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
    if (backpressurePaused && queue.callbacks() <= gw.settings.maxQueuedCallbacks() / 2) {
      backpressurePaused = false;
      applyReadPause();
    }
  }

  private void dispatch(Entry e) {
    inFlight = true;
    inFlightKind = e.kind;
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
          stage = h.onReceivedMessages(conn, List.copyOf(e.messages()));
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
    inFlightStage = null;
    ArrayList<Runnable> acks = inFlightAcks;
    inFlightAcks = null;
    Kind kind = inFlightKind;
    if (acks != null && err == null) {
      acks.forEach(Runnable::run); // the handler took the batch: the broker may forget it
    }
    if (kind == Kind.SOCKET_CLOSED) {
      if (err != null) {
        gw.stats.callbackFailures.increment();
        log.debug("conn {}: on_socket_closed failed: {}", conn, err.toString());
      }
      finish();
      return;
    }
    if (err != null) {
      gw.stats.callbackFailures.increment();
      String token = failureToken(err);
      if (state != State.OPEN) {
        // Already closing (the device left, say): the handler's adapter calls for this connection
        // now fail, so its callback often does too. Expected, and the close reason is set; a
        // stack trace per departing device would drown the log.
        log.debug("conn {}: {} failed while closing: {}", conn, kind.callbackName, err.toString());
      } else {
        // Names the handler and the cause; rate-limited, since a dead handler fails every device.
        gw.callbackFailureLog.failed(conn, kind.callbackName, token, handlerSlot.handler, err);
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
      log.debug("conn {}: cancelling an abandoned callback: {}", conn, e.toString());
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
      log.debug("conn {}: executor rejected a task: {}", conn, rejected.toString());
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
      log.warn("conn {}: adapter operation failed", conn, e);
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
    try {
      decision = gw.settings.authenticator().authenticate(creds);
    } catch (RuntimeException e) {
      decision = CompletableFuture.failedStage(e);
    }
    return thenCompose(decision, (result, err) -> {
      authenticating = false;
      if (state != State.OPEN) {
        return CompletableFuture.completedStage(GatewayAdapter.notAlive(conn));
      }
      if (err != null || result == null) {
        log.warn("conn {}: authenticator failed for client {}", conn, cid, err);
        return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, "Authentication failed: "
            + (err == null ? "authenticator returned no result" : err.getMessage()));
      }
      if (!result.allowed()) {
        return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, result.reason());
      }
      if (gw.isBannedClient(cid)) {
        return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, BANNED_CLIENT);
      }
      return openSession(cid, info, password, result);
    });
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
      Connection previous = gw.client(cid);
      if (previous != null && previous != this) {
        previous.releaseSessionForTakeover();
      }
      session = opened;
      authenticated = true;
      username = info.username();
      connectedAtMillis = gw.scheduler.currentTimeMillis();
      mountpoint = Mountpoint.resolve(gw.settings.mountpoint(), cid, username);
      identity = new ClientIdentity(cid, username, link.remoteAddress(), link.listenerName());
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

  CompletionStage<AdapterResult> publish(String topic, int qos, byte[] payload) {
    CompletionStage<AdapterResult> denied = checkPubSub(topic, qos, false);
    if (denied != null) {
      return denied;
    }
    if (!gw.settings.authorizer().authorize(identity, Action.PUBLISH, topic)) {
      return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, "Authorization deny");
    }
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
    return GatewayImpl.published(session.publish(m));
  }

  CompletionStage<AdapterResult> subscribe(String filter, int qos) {
    CompletionStage<AdapterResult> denied = checkPubSub(filter, qos, true);
    if (denied != null) {
      return denied;
    }
    if (!gw.settings.authorizer().authorize(identity, Action.SUBSCRIBE, filter)) {
      return GatewayAdapter.fail(ResultCode.PERMISSION_DENY, "Authorization deny");
    }
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
    return then(session.unsubscribe(mounted), (v, e) -> e == null ? AdapterResult.SUCCESS
        : AdapterResult.of(ResultCode.UNKNOWN, "broker failed to unsubscribe: "
            + GatewayImpl.unwrap(e).getMessage()));
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

  ClientView view() {
    return new ClientView(clientId, username, conn, link.remoteAddress(), link.listenerName(),
        connectedAtMillis);
  }
}
