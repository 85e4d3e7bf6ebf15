package io.exproto.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Everything one {@code all} run measured, for {@link Report}. Not thread-safe. */
final class Results {
  static final String NETTY = "raw Netty echo (anchor)";
  static final String GRPC = "bare gRPC unary calls (anchor)";
  static final String INPROC = "gateway, in-process EchoHandler";
  static final String UNARY = "gateway, gRPC unary handler (BenchEchoHandler)";
  static final String STREAMING = "gateway, gRPC streaming handler";

  /**
   * One hold scenario.
   *
   * @param socket what the connections speak ({@code tcp}, or {@code ssl} and its settings)
   * @param requested connections the load processes were asked to open
   * @param loadOpen connections the load processes reported open
   * @param gatewayConnections the gateway's own count
   * @param heapBaseline gateway heap after GC before connecting (bytes)
   * @param heapHeld gateway heap after GC with the connections open (bytes)
   * @param connectPerSecond sum over load processes of their connect rates
   * @param loadProcesses load processes used
   * @param errors connect failures and unexpected closes
   */
  record Hold(String socket, int requested, int loadOpen, int gatewayConnections, long heapBaseline,
      long heapHeld, double connectPerSecond, int loadProcesses, long errors) {
    double bytesPerConnection() {
      return gatewayConnections > 0 ? (heapHeld - heapBaseline) / (double) gatewayConnections
          : Double.NaN;
    }
  }

  /**
   * The CPU time each process of a scenario used in one measured echo window.
   *
   * @param scenario the echo scenario
   * @param result that window's result (messages, or calls for the gRPC anchor)
   * @param use what each process used, by its role, in report order
   */
  record Cpu(String scenario, LoadResult result, Map<String, CpuMeter.Use> use) {
    /** The roles, in report order. */
    Set<String> roles() {
      return use.keySet();
    }

    /** CPU microseconds per message for {@code role}, NaN when unknown. */
    double microsPerMessage(String role) {
      CpuMeter.Use u = use.get(role);
      return u == null || u.cpuNanos() < 0 ? Double.NaN : perMessage(u.cpuNanos() / 1000.0);
    }

    /** Context switches per message for {@code role}, NaN when unknown. */
    double switchesPerMessage(String role) {
      CpuMeter.Use u = use.get(role);
      return u == null || u.contextSwitches() < 0 ? Double.NaN : perMessage(u.contextSwitches());
    }

    /** Heap bytes allocated per message for {@code role}, NaN when unknown. */
    double allocatedPerMessage(String role) {
      CpuMeter.Use u = use.get(role);
      return u == null || u.allocatedBytes() < 0 ? Double.NaN : perMessage(u.allocatedBytes());
    }

    private double perMessage(double amount) {
      return result.operations() == 0 ? Double.NaN : amount / result.operations();
    }

    /** CPU nanoseconds of every process together. */
    long totalNanos() {
      return use.values().stream().mapToLong(u -> Math.max(0, u.cpuNanos())).sum();
    }

    /** The sum over every process. */
    double totalMicrosPerMessage() {
      return result.operations() == 0 ? Double.NaN : totalNanos() / 1000.0 / result.operations();
    }
  }

  /**
   * A process's system calls over one window counted with strace.
   *
   * @param messages the messages completed in that window
   * @param calls calls by system call name
   */
  record Syscalls(String scenario, String role, long messages, Map<String, Long> calls) {
    /** Calls per message of the named system calls together; NaN without messages. */
    double perMessage(Collection<String> names) {
      long n = 0;
      for (String name : names) {
        n += calls.getOrDefault(name, 0L);
      }
      return messages == 0 ? Double.NaN : (double) n / messages;
    }

    /** Calls per message of every system call; NaN without messages. */
    double totalPerMessage() {
      return perMessage(calls.keySet());
    }
  }

  /**
   * Where a process's CPU went over one window (see {@link CpuProfile}).
   *
   * @param messages the messages completed in that window
   * @param cpuNanos the process's CPU time over it, or -1
   * @param parts samples by part of the work (overlapping)
   * @param libraries samples by library (each sample once)
   */
  record Profile(String scenario, String role, long messages, long samples, long cpuNanos,
      Map<String, Long> parts, Map<String, Long> libraries) {
    /** The process's CPU µs per message over the window; NaN if unknown. */
    double microsPerMessage() {
      return messages == 0 || cpuNanos < 0 ? Double.NaN : cpuNanos / 1000.0 / messages;
    }

    /** CPU µs per message spent in {@code key} (its share of the samples); NaN if unknown. */
    double microsPerMessage(Map<String, Long> counts, String key) {
      return share(counts, key) * microsPerMessage();
    }

    /** The share of the samples in {@code key} of {@code counts}; NaN without samples. */
    double share(Map<String, Long> counts, String key) {
      return samples == 0 ? Double.NaN : counts.getOrDefault(key, 0L) / (double) samples;
    }
  }

  /** One JMH result. */
  record Jmh(String benchmark, String params, double score, double error, String unit) {}

  final Map<String, Map<Integer, LoadResult>> echo = new LinkedHashMap<>();
  final List<LoadResult> churn = new ArrayList<>();
  final List<Jmh> jmh = new ArrayList<>();
  /** CPU per message at the largest connection count, one a scenario, in run order. */
  final List<Cpu> cpu = new ArrayList<>();
  /** System calls per message at the largest connection count, one a scenario. */
  final List<Syscalls> syscalls = new ArrayList<>();
  /** Where the gateway's CPU goes at the largest connection count, one a scenario. */
  final List<Profile> profiles = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  /** The MQTT bridge section (MqttBench), or null when not run. */
  String mqtt;
  /** The plain TCP hold, which the 2 KB target is about. */
  Hold hold;
  /** The same over TLS, one a provider, reported beside it (no target). */
  final List<Hold> holdTls = new ArrayList<>();
  String command = "";
  String settings = "";
  double totalSeconds;

  void echo(String scenario, LoadResult r) {
    echo.computeIfAbsent(scenario, k -> new TreeMap<>()).put(r.connections(), r);
  }

  LoadResult echo(String scenario, int connections) {
    Map<Integer, LoadResult> m = echo.get(scenario);
    return m == null ? null : m.get(connections);
  }
}
