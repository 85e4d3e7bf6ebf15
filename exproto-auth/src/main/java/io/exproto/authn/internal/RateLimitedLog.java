package io.exproto.authn.internal;

import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Logs a warning once per cause per minute, so a dead backend does not flood the log while every
 * device retries. Thread-safe.
 */
public final class RateLimitedLog {
  private static final long INTERVAL_NANOS = 60_000_000_000L;
  private final Logger log;
  private final ConcurrentHashMap<String, Long> last = new ConcurrentHashMap<>();

  public RateLimitedLog(Logger log) {
    this.log = log;
  }

  /** Logs {@code message} at WARN unless the same {@code cause} was logged within a minute. */
  public void warn(String cause, String message) {
    long now = System.nanoTime();
    Long prev = last.get(cause);
    if (prev != null && now - prev < INTERVAL_NANOS) {
      return;
    }
    if (last.size() > 1000) {
      last.clear(); // bounded: causes are few in practice; forget them all rather than grow
    }
    last.put(cause, now);
    log.warn("{}", message);
  }
}
