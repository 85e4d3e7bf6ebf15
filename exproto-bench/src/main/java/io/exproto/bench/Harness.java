package io.exproto.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code all} command: starts the anchors and the gateway scenarios in child JVMs one after
 * the other, drives them with the {@link LoadGenerator} (in this JVM, or in child JVMs for the
 * hold scenario), runs the JMH microbenchmarks, prints the tables and writes BENCHMARKS.md. A
 * scenario that fails is noted in the report and the run goes on.
 */
final class Harness {
  private static final Duration READY = Duration.ofSeconds(60);
  private static final List<String> SERVER_JVM = List.of("-Xms256m");
  private static final Duration ONE_SECOND = Duration.ofSeconds(1);
  /** A warm-up round this much faster than the one before means the JIT is not done. */
  private static final double STILL_WARMING = 0.05;
  /** The role of this JVM while it runs the load generator. */
  private static final String LOAD = "load generator";

  private final Duration jitWarmup;
  private final int jitRounds;
  private final Duration warmup;
  private final Duration measure;
  private final List<Integer> connections;
  private final int holdConnections;
  private final int holdTlsConnections;
  private final int holdProcesses;
  private final int churnWorkers;
  private final boolean jmh;
  private final Path out;
  private final List<String> only;
  private final Results results = new Results();
  private final boolean straceAvailable = SyscallCount.available();

  Harness(BenchArgs a) {
    jitWarmup = a.duration("jit-warmup", Duration.ofSeconds(60));
    jitRounds = a.integer("jit-rounds", 4);
    if (jitRounds < 1) {
      throw new IllegalArgumentException("--jit-rounds must be at least 1, was " + jitRounds);
    }
    warmup = a.duration("warmup", Duration.ofSeconds(3));
    measure = a.duration("measure", Duration.ofSeconds(8));
    connections = a.integers("connections", List.of(1, 100, 1000));
    holdConnections = a.integer("hold", 15_000);
    holdTlsConnections = a.integer("hold-tls", 5_000);
    holdProcesses = a.integer("hold-processes", 3);
    churnWorkers = a.integer("churn-workers", 50);
    jmh = Boolean.parseBoolean(a.string("jmh", "true"));
    out = Path.of(a.string("out", defaultOut().toString()));
    only = a.has("only") ? List.of(a.string("only", "").split(",")) : List.of();
  }

  /** BENCHMARKS.md at the repository root: the folder holding exproto-bench, else here. */
  static Path defaultOut() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("exproto-bench")) && Files.exists(p.resolve("pom.xml"))) {
        return p.resolve("BENCHMARKS.md");
      }
    }
    return dir.resolve("BENCHMARKS.md");
  }

  int runAll() throws IOException {
    long t0 = System.nanoTime();
    results.command = "mvn -B -q -pl exproto-bench -am package -DskipTests\n"
        + "java -jar exproto-bench/target/exproto-bench.jar all";
    results.settings = String.format(Locale.ROOT, "Settings of this run: each server JVM first"
        + " gets %s of load at the largest connection count, in %d rounds of fresh connections"
        + " and up to as many more while a round is still 5%% faster than the one before (JIT"
        + " warm-up, not reported), then"
        + " each point has a warm-up of %s and is measured for %s; echo at %s connections;"
        + " hold %,d TCP and %,d TLS connections (once a TLS provider) over %d load processes;"
        + " churn with %d workers. The load generator (2 event-loop threads, epoll) runs in the harness JVM except for hold;"
        + " servers, gateways and handlers each run in their own child JVM (same java binary"
        + " and class path).", secs(jitWarmup), jitRounds, secs(warmup), secs(measure), connections,
        holdConnections, holdTlsConnections, holdProcesses, churnWorkers);
    step("netty", "raw Netty echo anchor", this::nettyAnchor);
    step("grpc", "bare gRPC unary anchor", this::grpcAnchor);
    step("inproc", "in-process echo", () -> gatewayEcho("inproc", Results.INPROC, false));
    step("unary", "gRPC unary echo and churn", () -> gatewayEcho("unary", Results.UNARY, true));
    step("streaming", "gRPC streaming echo",
        () -> gatewayEcho("streaming", Results.STREAMING, false));
    step("hold", "idle TCP connections held", () -> results.hold = hold(null, holdConnections));
    if (holdTlsConnections > 0) {
      for (String provider : List.of("JDK", "OPENSSL")) {
        step("hold-tls", "idle TLS connections held, " + provider + " provider",
            () -> results.holdTls.add(hold(provider, holdTlsConnections)));
      }
    }
    step("mqtt", "MQTT bridge (Mosquitto)", () -> results.mqtt = MqttBench.run(mqttArgs()));
    if (jmh && selected("jmh")) {
      step("jmh", "JMH", () -> results.jmh.addAll(JmhRunner.run()));
    } else {
      results.notes.add("JMH microbenchmarks skipped (" + (jmh ? "--only" : "--jmh false") + ").");
    }
    if (!straceAvailable) {
      results.notes.add("System calls not counted: strace is not installed (Debian package"
          + " strace).");
    }
    results.notes.add("The callback queue (io.exproto.gateway.internal.CallbackQueue) is"
        + " package-private; it is measured through a public path instead: an in-memory"
        + " gateway (testkit InMemoryListener + EchoHandler) echoing one message per operation"
        + " (GatewayEchoBenchmark), which includes the queue, the connection actor and the"
        + " listener's hop.");
    results.totalSeconds = (System.nanoTime() - t0) / 1e9;
    String md = Report.markdown(results, Report.machine());
    // The sections other commands wrote (soak, auth, ops) stay.
    md += Sections.othersNotIn(out, md);
    Files.writeString(out, md, StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(Report.echoTable(results));
    System.out.println(md.substring(md.indexOf("## Targets"), md.indexOf("## Echo")));
    System.out.println("wrote " + out);
    return 0;
  }

  /** The MQTT scenarios with this run's warm-up, window and echo connection counts. */
  private BenchArgs mqttArgs() {
    return BenchArgs.parse(new String[] {"--warmup", warmup.toMillis() + "ms", "--measure",
        measure.toMillis() + "ms",
        "--connections", connections.toString().replaceAll("[\\[\\] ]", "")});
  }

  private interface Step {
    void run() throws Exception;
  }

  private boolean selected(String key) {
    return only.isEmpty() || only.contains(key);
  }

  /** Runs one part, unless {@code --only} leaves it out; a failure is noted and the run goes on. */
  private void step(String key, String name, Step s) {
    if (!selected(key)) {
      return;
    }
    long t0 = System.nanoTime();
    System.out.println("== " + name);
    try {
      s.run();
    } catch (Exception | Error e) {
      e.printStackTrace();
      results.notes.add(name + " failed: " + e);
    }
    System.out.printf(Locale.ROOT, "   (%.0f s)%n", (System.nanoTime() - t0) / 1e9);
  }

  private void nettyAnchor() throws Exception {
    try (Child server = Child.start("netty-echo", SERVER_JVM, "netty-echo")) {
      int port = Integer.parseInt(server.expect("READY", READY).split(" ")[1]);
      jitWarmup(round -> LoadGenerator.echo(config(port, maxConnections()).withTimes(round,
          ONE_SECOND)));
      Map<String, CpuMeter.Probe> processes = processes(LOAD, "echo server", server);
      for (int c : connections) {
        point(Results.NETTY, c, processes, cpu -> LoadGenerator.echo(config(port, c), cpu));
      }
      countSyscalls(Results.NETTY, "echo server", server, w -> LoadGenerator.echo(
          config(port, maxConnections()), w));
    }
  }

  private void grpcAnchor() throws Exception {
    try (Child server = Child.start("grpc-ping", SERVER_JVM, "grpc-ping")) {
      int port = Integer.parseInt(server.expect("READY", READY).split(" ")[1]);
      jitWarmup(round -> GrpcPing.run("127.0.0.1", port, maxConnections(), 64, round,
          ONE_SECOND));
      Map<String, CpuMeter.Probe> processes = processes("gRPC client", "gRPC server", server);
      for (int c : connections) {
        point(Results.GRPC, c, processes,
            cpu -> GrpcPing.run("127.0.0.1", port, c, 64, warmup, measure, cpu));
      }
    }
  }

  private void gatewayEcho(String kind, String scenario, boolean churn) throws Exception {
    Child handler = null;
    Child gateway = null;
    try {
      if (kind.equals("inproc")) {
        gateway = Child.start("gateway-" + kind, SERVER_JVM, "gateway", "--handler", "inproc");
      } else {
        handler = Child.start("handler-" + kind, SERVER_JVM, "handler", "--mode", kind);
        int handlerPort = Integer.parseInt(handler.expect("READY", READY).split(" ")[1]);
        gateway = Child.start("gateway-" + kind, SERVER_JVM, "gateway", "--handler", kind,
            "--handler-address", "http://127.0.0.1:" + handlerPort);
      }
      String ready = gateway.expect("READY", READY);
      int tcp = Integer.parseInt(ready.split(" ")[1].substring("tcp=".length()));
      int adapter = Integer.parseInt(ready.split(" ")[2].substring("adapter=".length()));
      if (handler != null) {
        handler.ask("adapter 127.0.0.1:" + adapter, "OK", READY);
      }
      jitWarmup(round -> LoadGenerator.echo(config(tcp, maxConnections()).withTimes(round,
          ONE_SECOND)));
      awaitGatewayConnections(gateway, 0, Duration.ofSeconds(20));
      Map<String, CpuMeter.Probe> processes = processes(LOAD, "gateway", gateway);
      if (handler != null) {
        processes.put("handler", CpuMeter.Probe.of(handler));
      }
      for (int c : connections) {
        point(scenario, c, processes, cpu -> LoadGenerator.echo(config(tcp, c), cpu));
        awaitGatewayConnections(gateway, 0, Duration.ofSeconds(20));
      }
      countSyscalls(scenario, "gateway", gateway, w -> LoadGenerator.echo(config(tcp,
          maxConnections()), w));
      awaitGatewayConnections(gateway, 0, Duration.ofSeconds(20));
      profileGateway(scenario, gateway, tcp);
      awaitGatewayConnections(gateway, 0, Duration.ofSeconds(20));
      if (churn) {
        LoadResult r = LoadGenerator.churn(config(tcp, churnWorkers));
        LoadResult labelled = new LoadResult(scenario, r.connections(), r.operations(),
            r.seconds(), r.latency(), r.connectPerSecond(), r.errors());
        results.churn.add(labelled);
        System.out.println("   churn " + labelled);
      }
    } finally {
      if (gateway != null) {
        gateway.close();
      }
      if (handler != null) {
        handler.close();
      }
    }
  }

  /**
   * Opens {@code count} idle connections to a new gateway JVM (to its ssl listener on the given
   * TLS provider, or with null to its tcp listener) from several load processes and measures the
   * gateway's heap before and with them.
   */
  private Results.Hold hold(String tlsProvider, int count) throws Exception {
    boolean tls = tlsProvider != null;
    List<String> gatewayArgs = new ArrayList<>(List.of("gateway", "--handler", "inproc"));
    if (tls) {
      gatewayArgs.addAll(List.of("--ssl", tlsProvider));
    }
    try (Child gateway = Child.start("gateway-hold" + (tls ? "-" + tlsProvider : ""), List.of(),
        gatewayArgs.toArray(String[]::new))) {
      String[] ready = gateway.expect("READY", READY).split(" ");
      int port = Integer.parseInt(ready[tls ? 3 : 1].substring((tls ? "ssl=" : "tcp=").length()));
      long baseline = Long.parseLong(gateway.ask("heap", "HEAP", READY).split(" ")[1]);
      List<Child> loads = new ArrayList<>();
      try {
        int per = (count + holdProcesses - 1) / holdProcesses;
        int left = count;
        for (int i = 0; i < holdProcesses && left > 0; i++) {
          int n = Math.min(per, left);
          left -= n;
          loads.add(Child.start("load-" + (tls ? tlsProvider + "-" : "") + i, List.of(), "load",
              "--mode",
              "hold", "--port", String.valueOf(port), "--connections", String.valueOf(n),
              "--sources", "50", "--threads", "1", "--pending-connects", tls ? "32" : "128",
              "--tls", String.valueOf(tls)));
        }
        int open = 0;
        long errors = 0;
        double cps = 0;
        for (Child l : loads) {
          String[] held = l.expect("HELD", Duration.ofSeconds(180)).split(" ");
          open += Integer.parseInt(held[1]);
          errors += Long.parseLong(held[2]);
          cps += Double.parseDouble(held[3]);
        }
        int gatewayConns = awaitGatewayConnections(gateway, open, Duration.ofSeconds(30));
        String[] heap = gateway.ask("heap", "HEAP", READY).split(" ");
        Results.Hold hold = new Results.Hold(tls ? "ssl, " + ready[4].substring("provider="
            .length()) + " (TLS 1.3, EC P-256)" : "tcp", count,
            open, Integer.parseInt(heap[2]), baseline, Long.parseLong(heap[1]), cps, loads.size(),
            errors);
        System.out.printf(Locale.ROOT, "   hold %s: %d open, gateway %d, %.0f B/conn%n",
            hold.socket(), open, gatewayConns, hold.bytesPerConnection());
        return hold;
      } finally {
        for (Child l : loads) {
          l.close();
        }
      }
    }
  }

  private interface RoundLoad {
    LoadResult run(Duration measure) throws Exception;
  }

  private interface MeteredLoad {
    LoadResult run(Window window) throws Exception;
  }

  /**
   * One more window at the largest connection count with the gateway's CPU sampled (see {@link
   * CpuProfile}); where it cannot be, a note says why.
   */
  private void profileGateway(String scenario, Child gateway, int tcp) throws Exception {
    CpuProfile profile = new CpuProfile(gateway);
    LoadResult r;
    try {
      r = LoadGenerator.echo(config(tcp, maxConnections()), profile);
    } catch (IllegalStateException e) {
      results.notes.add(scenario + ": no CPU profile (" + e.getMessage() + ").");
      return;
    }
    results.profiles.add(new Results.Profile(scenario, "gateway", r.operations(),
        profile.samples(), profile.cpuNanosUsed(), profile.parts(), profile.libraries()));
    System.out.println("   profiled the gateway: " + profile.samples() + " samples over "
        + r.operations() + " messages");
  }

  /**
   * One more window at the largest connection count with {@code child}'s system calls counted
   * (see {@link SyscallCount}); skipped, with a note, where strace cannot run.
   */
  private void countSyscalls(String scenario, String role, Child child, MeteredLoad load)
      throws Exception {
    if (!straceAvailable) {
      return;
    }
    SyscallCount count = new SyscallCount(child.handle().pid());
    LoadResult r = load.run(count);
    results.syscalls.add(new Results.Syscalls(scenario, role, r.operations(), count.calls()));
    System.out.println("   syscalls of the " + role + " per message: "
        + Report.syscallLine(results.syscalls.get(results.syscalls.size() - 1)));
  }

  /** This JVM in role {@code here}, then {@code child} in {@code role}: report order. */
  private static Map<String, CpuMeter.Probe> processes(String here, String role, Child child) {
    Map<String, CpuMeter.Probe> m = new LinkedHashMap<>();
    m.put(here, CpuMeter.Probe.self());
    m.put(role, CpuMeter.Probe.of(child));
    return m;
  }

  /**
   * Runs and records one echo point; at the largest connection count also the CPU time each of
   * {@code processes} used in its measured window.
   */
  private void point(String scenario, int conns, Map<String, CpuMeter.Probe> processes,
      MeteredLoad load) throws Exception {
    if (conns != maxConnections()) {
      record(scenario, load.run(CpuMeter.NONE));
      return;
    }
    CpuMeter cpu = new CpuMeter(processes);
    LoadResult r = load.run(cpu);
    record(scenario, r);
    Results.Cpu used = new Results.Cpu(scenario, r, cpu.used());
    results.cpu.add(used);
    System.out.println("   cpu µs/msg: " + Report.cpuLine(used));
  }

  /**
   * Runs {@code load} in rounds of {@code --jit-warmup} / {@code --jit-rounds}, each with fresh
   * connections, and throws the results away: {@code --jit-rounds} rounds, then more (up to twice
   * as many) while a round is still more than 5% faster than the one before.
   * C2 is still compiling after many seconds of load on a 2-core machine (measured: the bare gRPC
   * anchor gave 11.7k calls/s after an 8 s warm-up and 34.9k after 40 s; the gateway with a unary
   * handler 2.6k echoes/s after 30 s and 6.7k after 90 s, its C2 thread taking a quarter of the
   * machine until then), so each server JVM first gets this warm-up at the largest connection
   * count; each point then has its own shorter {@code --warmup}. Rounds, because code compiled
   * while one set of connections was held for the whole warm-up had never seen a connection
   * close: the first close deoptimised the hot methods (event loop, HTTP/2 frames, callback
   * dispatch) and the points after it were measured while C2 compiled them again (measured on the
   * gateway with a unary handler: its compiler threads took 19% of its CPU in the 10 s after one
   * 60 s warm-up, 1-3% after four 15 s rounds).
   */
  private void jitWarmup(RoundLoad load) throws Exception {
    if (jitWarmup.isZero()) {
      return;
    }
    Duration round = jitWarmup.dividedBy(jitRounds);
    double previous = 0;
    for (int i = 1; i <= 2 * jitRounds; i++) {
      LoadResult r = load.run(round);
      System.out.println("   (JIT warm-up round " + i + ": " + r + ")");
      boolean stillWarming = r.perSecond() > previous * (1 + STILL_WARMING);
      previous = r.perSecond();
      if (i >= jitRounds && !stillWarming) {
        return;
      }
    }
  }

  private int maxConnections() {
    return connections.stream().mapToInt(Integer::intValue).max().orElse(1);
  }

  /** Polls the gateway until it reports {@code expected} connections; returns the last count. */
  private static int awaitGatewayConnections(Child gateway, int expected, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    int n;
    do {
      n = Integer.parseInt(gateway.ask("stats", "STATS", READY).split(" ")[1]);
      if (n == expected) {
        return n;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    return n;
  }

  private LoadGenerator.Config config(int port, int conns) {
    return LoadGenerator.Config.of(new InetSocketAddress("127.0.0.1", port), conns)
        .withTimes(warmup, measure);
  }

  private void record(String scenario, LoadResult r) {
    results.echo(scenario, r);
    System.out.println("   " + scenario + ": " + r);
  }

  private static String secs(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
