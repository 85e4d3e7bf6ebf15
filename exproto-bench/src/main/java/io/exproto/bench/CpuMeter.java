package io.exproto.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What each process of a scenario spends during a measured window: CPU time (user and system,
 * all threads; {@link ProcessHandle.Info}'s total, on Linux from /proc in clock ticks), context
 * switches (voluntary and not, summed over the threads alive at the window's edges, from
 * /proc/PID/task; a thread that sleeps in epoll and is woken by another thread's hand-off counts
 * one) and heap bytes allocated (the JVM's own count: this JVM's directly, a child's through its
 * {@code alloc} command). {@link #start()} and {@link #stop()} read them at the window's edges.
 * Not thread-safe.
 */
final class CpuMeter implements Window {
  /** Measures nothing. */
  static final CpuMeter NONE = new CpuMeter(Map.of());

  /** A process to measure: this JVM when {@code child} is null. */
  record Probe(ProcessHandle handle, Child child) {
    static Probe self() {
      return new Probe(ProcessHandle.current(), null);
    }

    static Probe of(Child child) {
      return new Probe(child.handle(), child);
    }

    long[] read() {
      return new long[] {cpuNanos(handle), contextSwitches(handle.pid()), allocatedBytes(this)};
    }
  }

  /** One process's use over the window; a figure is -1 when it could not be read. */
  record Use(long cpuNanos, long contextSwitches, long allocatedBytes) {}

  private final Map<String, Probe> processes;
  private final Map<String, long[]> started = new LinkedHashMap<>();
  private final Map<String, Use> used = new LinkedHashMap<>();

  /** @param processes each process by its role in the scenario, in report order */
  CpuMeter(Map<String, Probe> processes) {
    this.processes = new LinkedHashMap<>(processes);
  }

  @Override
  public void start() {
    used.clear();
    processes.forEach((role, p) -> started.put(role, p.read()));
  }

  @Override
  public void stop() {
    processes.forEach((role, p) -> {
      long[] before = started.get(role);
      long[] after = p.read();
      if (before != null) {
        used.put(role, new Use(delta(before[0], after[0]), delta(before[1], after[1]),
            delta(before[2], after[2])));
      }
    });
  }

  /** Each process's use over the last window, in report order. */
  Map<String, Use> used() {
    return new LinkedHashMap<>(used);
  }

  private static long delta(long before, long after) {
    return before >= 0 && after >= before ? after - before : -1;
  }

  /** A process's CPU time so far (user and system, every thread), or -1 where unknown. */
  static long cpuNanos(ProcessHandle p) {
    return p.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
  }

  /** Voluntary and involuntary context switches of the process's live threads; -1 if unknown. */
  static long contextSwitches(long pid) {
    long sum = 0;
    try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          for (String line : Files.readAllLines(t.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")
                || line.startsWith("nonvoluntary_ctxt_switches:")) {
              sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (IOException | RuntimeException gone) {
          // the thread ended meanwhile
        }
      }
      return sum;
    } catch (IOException | RuntimeException e) {
      return -1; // not Linux
    }
  }

  /** Heap bytes this JVM allocated since it started; -1 where the JVM cannot tell. */
  static long allocatedBytesHere() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
        && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
      return t.getTotalThreadAllocatedBytes();
    }
    return -1;
  }

  private static long allocatedBytes(Probe p) {
    if (p.child() == null) {
      return allocatedBytesHere();
    }
    try {
      return Long.parseLong(p.child().ask("alloc", "ALLOC", Duration.ofSeconds(10))
          .split(" ")[1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
