package io.exproto.bench;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What one measured run produced: operations completed in the measured window, their latency,
 * how fast the connections were opened, and errors. Latencies are in nanoseconds.
 *
 * @param label what ran
 * @param connections connections (or concurrent callers) that were open
 * @param operations operations completed in the measured window
 * @param seconds length of the measured window
 * @param latency round-trip latency of those operations (nanoseconds); may be empty
 * @param connectPerSecond connections opened per second while connecting (0 if not measured)
 * @param errors connect failures, unexpected closes and exceptions
 */
public record LoadResult(String label, int connections, long operations, double seconds,
    Histogram latency, double connectPerSecond, long errors) {

  /** Operations per second over the measured window. */
  public double perSecond() {
    return seconds > 0 ? operations / seconds : 0;
  }

  /** The latency at {@code percentile} (0..100) in microseconds, or NaN without samples. */
  public double micros(double percentile) {
    if (latency == null || latency.getTotalCount() == 0) {
      return Double.NaN;
    }
    return latency.getValueAtPercentile(percentile) / 1000.0;
  }

  /** One line to pass between processes: {@code RESULT label conns ops secs cps errors}. */
  public String toLine() {
    return String.format(Locale.ROOT, "RESULT %s %d %d %.3f %.1f %d",
        label.replace(' ', '_'), connections, operations, seconds, connectPerSecond, errors);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT,
        "%s: %d conns, %.0f ops/s, p50 %s p99 %s p999 %s, connect %.0f/s, errors %d",
        label, connections, perSecond(), Report.micros(micros(50)), Report.micros(micros(99)),
        Report.micros(micros(99.9)), connectPerSecond, errors);
  }
}
