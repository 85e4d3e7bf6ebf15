package io.exproto.gateway.internal;

import io.exproto.gateway.internal.CallbackQueue.Kind;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ResultCode;
import io.exproto.handler.TimerType;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A connection's timers: the idle timeout until the peer speaks (or the handler starts a
 * keepalive), the handler's keepalive, and the expiry of the client's authentication. Stateless:
 * the timers live in the connection; every method runs on the connection's executor. The
 * callback deadline is {@link CallbackDispatch}'s, the close-flush window the connection's.
 */
final class ConnectionTimers {
  private ConnectionTimers() {}

  /**
   * Arms the idle timer with the gateway's idle timeout of this moment (a later change applies to
   * later connections only).
   */
  static void armIdle(Connection c) {
    c.idleTimer = c.schedule(ConnectionTimers::onIdleTimeout, c.gw.idleTimeout().toNanos());
  }

  private static void onIdleTimeout(Connection c) {
    c.idleTimer = null;
    if (c.isOpen()) {
      c.close("idle_timeout", false);
    }
  }

  /**
   * The adapter's StartTimer: a keepalive of {@code interval} seconds replaces the idle timer.
   * After 1.5 intervals without inbound bytes the handler gets onTimerTimeout(KEEPALIVE) and the
   * connection closes with {@code keepalive_timeout}.
   */
  static CompletionStage<AdapterResult> startTimer(Connection c, TimerType type, int interval) {
    if (type != TimerType.KEEPALIVE) {
      return GatewayAdapter.fail(ResultCode.PARAMS_TYPE_ERROR,
          "unknown timer type; only KEEPALIVE is supported");
    }
    if (interval == 0) {
      return GatewayAdapter.fail(ResultCode.PARAMS_TYPE_ERROR,
          "keepalive interval must be at least 1 second, was 0");
    }
    Connection.cancel(c.idleTimer);
    c.idleTimer = null;
    Connection.cancel(c.keepaliveTimer);
    c.keepaliveSeconds = interval;
    c.keepaliveStartNanos = c.gw.scheduler.nanoTime();
    c.keepaliveTimer = c.schedule(ConnectionTimers::onKeepaliveCheck, keepaliveLimitNanos(c));
    return GatewayAdapter.SUCCESS;
  }

  private static void onKeepaliveCheck(Connection c) {
    c.keepaliveTimer = null;
    if (!c.isOpen() || c.keepaliveSeconds == 0) {
      return;
    }
    long limit = keepaliveLimitNanos(c);
    long since = Math.max(c.lastInboundNanos, c.keepaliveStartNanos);
    long silent = c.gw.scheduler.nanoTime() - since;
    if (silent >= limit) {
      c.queue.add(Kind.TIMER_TIMEOUT, TimerType.KEEPALIVE);
      c.close("keepalive_timeout", false);
    } else {
      c.keepaliveTimer = c.schedule(ConnectionTimers::onKeepaliveCheck,
          limit - silent);
    }
  }

  /**
   * 1.5 keepalive intervals: derived from {@code keepaliveSeconds} rather than stored, one field
   * less on every connection.
   */
  private static long keepaliveLimitNanos(Connection c) {
    // The interval is a uint32 on the wire, kept in an int.
    return TimeUnit.MILLISECONDS.toNanos(Integer.toUnsignedLong(c.keepaliveSeconds) * 1500);
  }

  /** Closes the connection with {@code expired} at {@code expiresAt} (at once if past). */
  static void armExpiry(Connection c, Instant expiresAt) {
    long delayMs = expiresAt.toEpochMilli() - c.gw.scheduler.currentTimeMillis();
    c.expiryTimer = c.schedule(ConnectionTimers::onExpiry,
        TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMs)));
  }

  private static void onExpiry(Connection c) {
    c.expiryTimer = null;
    c.close("expired", false);
  }
}
