package io.exproto.gateway.internal;

import io.exproto.handler.CallbackFailedException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the callback failures that close connections, naming the handler and the cause, at most
 * one line per kind of failure (callback, reason, handler) in each {@link #WINDOW}: a dead
 * handler with 10,000 devices gives one line every 10 s, with the count of those not logged, not
 * 10,000 lines. Thread-safe.
 */
final class CallbackFailureLog {
  /** One line per kind of failure in this long. */
  static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  CallbackFailureLog(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** What one kind of failure did in the current window. */
  private static final class Window {
    final long start;
    long count;
    final long notLoggedBefore;

    Window(long start, long notLoggedBefore) {
      this.start = start;
      this.notLoggedBefore = notLoggedBefore;
    }
  }

  /**
   * A callback failed and its connection closes.
   *
   * @param who the connection as log lines name it ({@code conn X}, with {@code clientid Y} once
   *     authenticated)
   * @param handler the handler that failed (its {@code toString()} names it, e.g. its address)
   * @param token the close reason's token ({@code unavailable}, {@code internal}, ...)
   * @return true if it was logged, false if counted only
   */
  boolean failed(String who, String callback, String token, Object handler, Throwable err) {
    String handlerName = String.valueOf(handler);
    String key = callback + '\u0000' + token + '\u0000' + handlerName;
    long now = nanoTime.getAsLong();
    long[] logThis = {-1}; // the count not logged in the previous window, if this one is logged
    windows.compute(key, (k, w) -> {
      if (w == null || now - w.start >= WINDOW_NANOS) {
        Window fresh = new Window(now, w == null ? 0 : w.count - 1);
        fresh.count = 1;
        logThis[0] = fresh.notLoggedBefore;
        return fresh;
      }
      w.count++;
      return w;
    });
    if (logThis[0] < 0) {
      return false;
    }
    String notLogged = logThis[0] > 0
        ? " (" + logThis[0] + " more like it in the previous 10 s not logged)" : "";
    if (token.equals("internal")) {
      log.warn("{}: {} failed on handler {}: {}; closing the connection{}", who, callback,
          handlerName, cause(err), notLogged, err);
    } else {
      log.warn("{}: {} failed ({}) on handler {}: {}; closing the connection; further"
          + " failures like it are logged once per 10 s{}", who, callback, token, handlerName,
          cause(err), notLogged);
    }
    return true;
  }

  /** The failure and, if different, its root cause, in one line. */
  static String cause(Throwable err) {
    Throwable t = err;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    Throwable shown = t;
    if (t instanceof CallbackFailedException && t.getCause() != null) {
      shown = t.getCause();
    }
    Throwable root = shown;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = shown.toString();
    if (root != shown && root.getMessage() != null && !text.contains(root.getMessage())) {
      text += " (caused by " + root + ")";
    }
    return text;
  }
}
