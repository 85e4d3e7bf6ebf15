package io.exproto.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CPU time (user and system, all threads) that each process of a scenario spends during a
 * measured window: {@link #start()} and {@link #stop()} read {@link ProcessHandle.Info}'s total
 * at the window's edges (on Linux from /proc, in clock ticks). Not thread-safe.
 */
final class CpuMeter {
  /** Measures nothing. */
  static final CpuMeter NONE = new CpuMeter(Map.of());

  private final Map<String, ProcessHandle> processes;
  private final Map<String, Long> started = new LinkedHashMap<>();
  private final Map<String, Long> used = new LinkedHashMap<>();

  /** @param processes each process by its role in the scenario, in report order */
  CpuMeter(Map<String, ProcessHandle> processes) {
    this.processes = new LinkedHashMap<>(processes);
  }

  /** The window opens. */
  void start() {
    used.clear();
    processes.forEach((role, p) -> started.put(role, cpuNanos(p)));
  }

  /** The window closes. */
  void stop() {
    processes.forEach((role, p) -> {
      long before = started.getOrDefault(role, -1L);
      long after = cpuNanos(p);
      if (before >= 0 && after >= before) {
        used.put(role, after - before);
      }
    });
  }

  /**
   * CPU nanoseconds each role used in the last window, in report order; a role whose time the
   * platform does not tell is left out; empty before the first window.
   */
  Map<String, Long> used() {
    return new LinkedHashMap<>(used);
  }

  private static long cpuNanos(ProcessHandle p) {
    return p.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
  }
}
