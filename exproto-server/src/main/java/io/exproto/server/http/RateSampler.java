package io.exproto.server.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Message and byte rates for {@code /api/v5/monitor_current}: the change of the metrics' totals
 * between two samples at least a second apart. Thread-safe.
 */
final class RateSampler {
  private final ServerAdmin admin;
  private long lastNanos;
  private Map<String, Double> lastTotals;
  private Map<String, Object> lastRates = new LinkedHashMap<>();

  RateSampler(ServerAdmin admin) {
    this.admin = admin;
  }

  synchronized Map<String, Object> sample() {
    long now = System.nanoTime();
    Map<String, Double> totals = admin.totals();
    if (lastTotals == null) {
      lastTotals = totals;
      lastNanos = now;
      for (String k : totals.keySet()) {
        lastRates.put(k + "_rate", 0.0);
      }
    } else if (now - lastNanos >= 1_000_000_000L) {
      double seconds = (now - lastNanos) / 1e9;
      Map<String, Object> rates = new LinkedHashMap<>();
      for (Map.Entry<String, Double> e : totals.entrySet()) {
        double before = lastTotals.getOrDefault(e.getKey(), 0.0);
        rates.put(e.getKey() + "_rate", Math.max(0, (e.getValue() - before) / seconds));
      }
      lastRates = rates;
      lastTotals = totals;
      lastNanos = now;
    }
    Map<String, Object> out = new LinkedHashMap<>(lastRates);
    out.putAll(totals);
    return out;
  }
}
