package io.exproto.gateway.internal;

import io.exproto.events.GatewayEvent;
import io.exproto.gateway.internal.CallbackQueue.Entry;
import io.exproto.gateway.internal.CallbackQueue.Kind;
import io.exproto.handler.CallbackFailedException;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import io.exproto.metrics.HandlerCallback;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a connection's queued callbacks to its handler, one in flight at a time: the pump, the
 * callback deadline (a lazy watchdog), abandoning a callback the connection no longer waits for,
 * and what a failed callback costs (the connection, with {@code {error,{<callback>,<reason>}}}).
 * Stateless: the in-flight state lives in the connection, so that an idle connection carries no
 * object for it; every method runs on the connection's executor.
 */
final class CallbackDispatch {
  // The connection's logger: what an operator filters on for a connection's story.
  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  private static final HandlerCallback[] CALLBACKS = new HandlerCallback[Kind.values().length];

  static {
    CALLBACKS[Kind.SOCKET_CREATED.ordinal()] = HandlerCallback.ON_SOCKET_CREATED;
    CALLBACKS[Kind.RECEIVED_BYTES.ordinal()] = HandlerCallback.ON_RECEIVED_BYTES;
    CALLBACKS[Kind.TIMER_TIMEOUT.ordinal()] = HandlerCallback.ON_TIMER_TIMEOUT;
    CALLBACKS[Kind.RECEIVED_MESSAGES.ordinal()] = HandlerCallback.ON_RECEIVED_MESSAGES;
    CALLBACKS[Kind.SOCKET_CLOSED.ordinal()] = HandlerCallback.ON_SOCKET_CLOSED;
  }

  private CallbackDispatch() {}

  /** Pumps later, in a task of its own (used from adapter operations, never nested). */
  static void requestPump(Connection c) {
    if (!c.pumpPosted) {
      c.pumpPosted = true;
      try {
        c.exec.execute(() -> {
          c.pumpPosted = false;
          pump(c);
        });
      } catch (RuntimeException rejected) {
        // The executor is gone (transport shut down): nothing can run any more.
        c.pumpPosted = false;
        if (c.state != Connection.State.CLOSED) {
          c.finish();
        }
      }
    }
  }

  /** Dispatches queued callbacks until one is in flight or the queue is empty. */
  static void pump(Connection c) {
    if (c.pumping) {
      return;
    }
    c.pumping = true;
    try {
      while (!c.inFlight && c.state != Connection.State.CLOSED) {
        Entry e = c.queue.poll();
        if (e == null) {
          break;
        }
        dispatch(c, e);
      }
    } finally {
      c.pumping = false;
    }
    c.callbacksTaken();
  }

  private static void dispatch(Connection c, Entry e) {
    c.inFlight = true;
    c.inFlightKind = e.kind;
    c.inFlightBytes = CallbackQueue.sizeOf(e);
    long seq = ++c.inFlightSeq;
    c.inFlightSinceNanos = c.gw.scheduler.nanoTime();
    CompletionStage<Void> stage;
    ConnectionHandler h = c.handlerSlot.handler;
    String conn = c.conn;
    try {
      switch (e.kind) {
        case SOCKET_CREATED -> stage = h.onSocketCreated(conn, (ConnInfo) e.arg);
        case RECEIVED_BYTES -> stage = h.onReceivedBytes(conn, (byte[]) e.arg);
        case TIMER_TIMEOUT -> stage = h.onTimerTimeout(conn, (TimerType) e.arg);
        case RECEIVED_MESSAGES -> {
          c.inFlightAcks = e.acks;
          List<Message> batch = List.copyOf(e.messages());
          delivered(c, batch);
          stage = h.onReceivedMessages(conn, batch);
        }
        case SOCKET_CLOSED -> stage = h.onSocketClosed(conn, (String) e.arg);
        default -> throw new IllegalStateException(e.kind.name());
      }
      if (stage == null) {
        throw new NullPointerException("handler returned null from " + e.kind.callbackName);
      }
    } catch (Throwable t) {
      callbackDone(c, seq, t);
      return;
    }
    c.inFlightStage = stage;
    stage.whenComplete((v, err) -> {
      if (c.exec.inExecutorThread()) {
        callbackDone(c, seq, err);
      } else {
        c.runOnExecutor(() -> callbackDone(c, seq, err));
      }
    });
    // A callback that completed synchronously needs no deadline. The watchdog is lazy: armed once,
    // it re-arms itself only while callbacks keep running, so busy connections do not schedule a
    // timer per callback.
    if (c.inFlight && seq == c.inFlightSeq && c.callbackWatchdog == null) {
      c.callbackWatchdog = c.schedule(CallbackDispatch::onCallbackWatchdog,
          c.gw.settings.callbackTimeout().toNanos());
    }
  }

  private static void callbackDone(Connection c, long seq, Throwable err) {
    if (!c.inFlight || seq != c.inFlightSeq) {
      return; // abandoned, or already failed by the watchdog
    }
    c.inFlight = false;
    c.inFlightBytes = 0;
    c.inFlightStage = null;
    ArrayList<Runnable> acks = c.inFlightAcks;
    c.inFlightAcks = null;
    Kind kind = c.inFlightKind;
    if (acks != null && err == null) {
      acks.forEach(Runnable::run); // the handler took the batch: the broker may forget it
    }
    c.metrics.callbackCompleted(CALLBACKS[kind.ordinal()], c.gw.scheduler.nanoTime()
        - c.inFlightSinceNanos);
    if (kind == Kind.SOCKET_CLOSED) {
      if (err != null) {
        c.gw.stats.callbackFailures.increment();
        c.metrics.callbackFailed(HandlerCallback.ON_SOCKET_CLOSED, failureToken(err));
        log.debug("{}: on_socket_closed failed: {}", c.who(), err.toString());
      }
      c.finish();
      return;
    }
    if (err != null) {
      c.gw.stats.callbackFailures.increment();
      String token = failureToken(err);
      c.metrics.callbackFailed(CALLBACKS[kind.ordinal()], token);
      if (c.state != Connection.State.OPEN) {
        // Already closing (the device left, say): the handler's adapter calls for this connection
        // now fail, so its callback often does too. Expected, and the close reason is set; a
        // stack trace per departing device would drown the log.
        log.debug("{}: {} failed while closing: {}", c.who(), kind.callbackName,
            err.toString());
      } else {
        // Names the handler and the cause; rate-limited, since a dead handler fails every device.
        c.gw.callbackFailureLog.failed(c.who(), kind.callbackName, token, c.handlerSlot.handler,
            err);
      }
      c.close("{error,{" + kind.callbackName + "," + token + "}}", true);
    }
    if (!c.pumping) {
      pump(c);
    }
  }

  /**
   * Gives up on the callback in flight, unless it is onSocketClosed: that one must not wait on a
   * slow callback past the close-flush window. True if one was abandoned.
   */
  static boolean abandonInFlight(Connection c) {
    if (!c.inFlight || c.inFlightKind == Kind.SOCKET_CLOSED) {
      return false;
    }
    CompletionStage<Void> abandoned = c.inFlightStage;
    c.inFlight = false;
    c.inFlightBytes = 0;
    c.inFlightStage = null;
    c.inFlightAcks = null;
    c.inFlightSeq++;
    cancelAbandoned(c, abandoned);
    return true;
  }

  private static String failureToken(Throwable err) {
    Throwable t = Stages.unwrap(err);
    return t instanceof CallbackFailedException cfe ? cfe.reason() : "internal";
  }

  private static void onCallbackWatchdog(Connection c) {
    c.callbackWatchdog = null;
    if (!c.inFlight) {
      return;
    }
    long limit = c.gw.settings.callbackTimeout().toNanos();
    long elapsed = c.gw.scheduler.nanoTime() - c.inFlightSinceNanos;
    if (elapsed >= limit) {
      // Cancel before failing: the failure closes the connection, and the handler must learn the
      // answer is no longer awaited before it sees OnSocketClosed. The sequence moves first so the
      // stage's own completion by this cancel is stale and cannot be taken for the failure.
      CompletionStage<Void> overdue = c.inFlightStage;
      c.inFlightSeq++;
      cancelAbandoned(c, overdue);
      callbackDone(c, c.inFlightSeq, new CallbackFailedException("deadline_exceeded", null));
    } else {
      c.callbackWatchdog = c.schedule(CallbackDispatch::onCallbackWatchdog, limit - elapsed);
    }
  }

  /**
   * Tells the handler its callback's answer is no longer awaited, by cancelling the stage it
   * returned (ConnectionHandler's contract), so that it can release what the callback holds (a
   * gRPC call, say). Stages that cannot be cancelled are left alone.
   */
  private static void cancelAbandoned(Connection c, CompletionStage<Void> stage) {
    if (stage == null) {
      return;
    }
    try {
      stage.toCompletableFuture().cancel(false);
    } catch (RuntimeException e) {
      // toCompletableFuture is optional (UnsupportedOperationException), and a dependent of the
      // stage may throw: the connection has moved on either way.
      log.debug("{}: cancelling an abandoned callback: {}", c.who(), e.toString());
    }
  }

  private static void delivered(Connection c, List<Message> batch) {
    c.sendMsg += batch.size();
    c.metrics.delivered(batch.size());
    GatewayImpl gw = c.gw;
    if (gw.events.wants(GatewayEvent.Type.DELIVERED)) {
      for (Message m : batch) {
        gw.events.emit(c.event(GatewayEvent.Type.DELIVERED, m.topic(), m.qos(), null));
      }
    }
  }
}
