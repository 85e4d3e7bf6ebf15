package io.exproto.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ReportTest {
  private static LoadResult result(String label, int conns, long ops, long latencyNanos) {
    Histogram h = new Histogram(60_000_000_000L, 3);
    for (int i = 0; i < 1000; i++) {
      h.recordValue(latencyNanos);
    }
    return new LoadResult(label, conns, ops, 1.0, h, 500, 0);
  }

  @Test
  void formatsNumbers() {
    assertThat(Report.micros(Double.NaN)).isEqualTo("n/a");
    assertThat(Report.micros(4.26)).isEqualTo("4.3");
    assertThat(Report.micros(12_345.4)).isEqualTo("12,345");
    assertThat(Report.grouped(1_234_567)).isEqualTo("1,234,567");
    assertThat(Report.ratio(0.62, 0.5, true)).isEqualTo("0.62× — met");
    assertThat(Report.ratio(0.4, 0.5, true)).isEqualTo("0.40× — NOT met");
    assertThat(Report.mib(3 * 1024 * 1024)).isEqualTo("3.0 MiB");
  }

  @Test
  void resultLatencyPercentilesAreMicroseconds() {
    LoadResult r = result("echo", 2, 1000, 50_000);
    assertThat(r.perSecond()).isEqualTo(1000.0);
    assertThat(r.micros(99)).isBetween(49.9, 50.1);
    assertThat(r.toLine()).startsWith("RESULT echo 2 1000 1.000");
  }

  @Test
  void markdownHasTablesAndRatiosAgainstTargets() {
    Results results = new Results();
    results.echo(Results.NETTY, result("echo", 1000, 100_000, 10_000));
    results.echo(Results.INPROC, result("echo", 1000, 60_000, 20_000));
    results.echo(Results.GRPC, result("grpc", 1000, 200_000, 5_000));
    results.echo(Results.UNARY, result("echo", 1000, 40_000, 30_000));
    results.hold = new Results.Hold("tcp", 15_000, 15_000, 15_000, 10L << 20, (10L << 20)
        + 15_000L * 1500, 5000, 3, 0);
    results.holdTls.add(new Results.Hold("ssl (TLS 1.3)", 5_000, 5_000, 4_999, 10L << 20,
        (10L << 20) + 4_999L * 8000, 900, 3, 1));
    results.jmh.add(new Results.Jmh("TopicMatchBenchmark.publish", "kind=exact", 1e6, 1e4,
        "ops/s"));
    results.notes.add("a note");

    String md = Report.markdown(results, "- cores: 2\n");

    assertThat(md).contains("# Benchmarks", "- cores: 2", "## Targets")
        .contains("| in-process echo @1,000 conns ≥ 0.5× raw Netty echo | 60,000 vs 100,000"
            + " msgs/s | 0.60× — met |")
        .contains("| gRPC unary echo @1,000 conns ≥ 0.9× (bare unary calls/s ÷ 4) | 40,000"
            + " msgs/s vs 50,000 | 0.80× — NOT met |")
        // 1 / (1/100,000 + 4/200,000) = 33,333; ÷ 50,000 = 0.67; 40,000 ÷ 33,333 = 1.20.
        .contains("| (model) gRPC unary echo with a zero-cost gateway, 1 ÷ (1/netty + 4/grpc) |"
            + " 33,333 msgs/s | 0.67× of bare ÷ 4; the gateway reaches 1.20× of this |")
        .contains("1,500 B/conn — met")
        .contains("| tcp | 15,000 | 15,000 | 15,000 | 10.0 MiB | 31.5 MiB | 1,500 B | 5,000 | 0 |")
        .contains("| ssl (TLS 1.3) | 5,000 | 5,000 | 4,999 | 10.0 MiB | 48.1 MiB | 8,000 B | 900"
            + " | 1 |")
        .contains("200,000 calls/s (÷4 = 50,000)")
        .contains("| TopicMatchBenchmark.publish | kind=exact | 1,000,000 | 10,000 | ops/s |")
        .contains("- a note");
    assertThat(Report.p99Table(results)).contains("| scenario | 1,000 |")
        .contains("| " + Results.NETTY + " | 10 |");
  }

  @Test
  void cpuSectionGivesMicrosPerMessageAndWhatTheGatewayAdds() {
    Results results = cpuResults();

    String section = Report.cpuSection(results);

    assertThat(section).contains("### CPU per message at 1,000 connections")
        .contains("| " + Results.GRPC + " | 200,000 | gRPC client 8.0 · gRPC server 7.0 | 15.0 |")
        .contains("| " + Results.UNARY + " | 20,000 | load generator 10.0 · gateway 55.0 ·"
            + " handler 35.0 | 100.0 |")
        // 8 + 4 × 15 = 68; 100 - 68 = 32.
        .contains("one raw Netty echo and four bare gRPC calls use 8.0 + 4 × 15.0 = 68.0 µs,"
            + " so the gateway and the handler together add 32.0 µs per echo")
        // The handler's four halves against the bare ones: 35 / (2 × 8 + 2 × 7).
        .contains("and used 35.0 µs, 1.17× the four bare halves (30.0 µs)")
        // 60,000,000 bytes and 30,000 switches over 20,000 echoes; unknown figures say so.
        .contains("| " + Results.UNARY + " | gateway | 55.0 | 3,000 | 1.50 |")
        .contains("| " + Results.NETTY + " | echo server | 4.0 | n/a | n/a |");
    assertThat(Report.cpuSection(new Results())).isEmpty();
  }

  @Test
  void grpcPathTargetsCompareTheGatewayWithItsParts() {
    Results results = cpuResults();
    LoadResult netty = result(Results.NETTY, 1000, 100_000, 1);
    LoadResult grpc = result(Results.GRPC, 1000, 200_000, 1);
    LoadResult unary = result(Results.UNARY, 1000, 20_000, 1);
    results.echo(Results.STREAMING, result(Results.STREAMING, 1000, 30_000, 1));

    String rows = Report.grpcPathTargets(results, netty, unary, grpc,
        Report.zeroCostCeiling(netty, grpc));

    // parts: echo server 4 + 2 × 8 + 2 × 7 = 34 µs; the gateway 55 µs = 1.62×.
    assertThat(rows).contains("| 55.0 µs vs 34.0 µs | 1.62× — NOT met |")
        // ceiling 1 / (1/100,000 + 4/200,000) = 33,333; 20,000 / 33,333 = 0.60.
        .contains("| 20,000 vs 33,333 msgs/s | 0.60× — NOT met |")
        .contains("| 30,000 vs 20,000 msgs/s | 1.50× — met |")
        .contains("p99 of gRPC unary echo @1,000");
  }

  @Test
  void theP99TargetNeedsARate() {
    // bare p99 10 ms: 3× is 30 ms, so 1,000 connections need 33,333 echoes/s; at 20,000/s the
    // mean is 50 ms.
    LoadResult grpc = result(Results.GRPC, 1000, 100_000, 10_000_000);
    LoadResult unary = result(Results.UNARY, 1000, 20_000, 75_000_000);

    assertThat(Report.p99Bound(unary, grpc, 25_000))
        .containsPattern("needs at least 33,3\\d\\d echoes per second at 1,000 connections,"
            + " 1.33× the zero-cost ceiling")
        .contains("This run's unary p99 is 1.50× its mean (50,000 µs)");
    assertThat(Report.p99Bound(null, grpc, 25_000)).isEmpty();
  }

  private static CpuMeter.Use use(long cpuNanos, long switches, long allocated) {
    return new CpuMeter.Use(cpuNanos, switches, allocated);
  }

  /**
   * 1 s windows: 100,000 raw echoes, 200,000 bare calls, 20,000 gRPC echoes, with the CPU,
   * context switches and allocation of each process.
   */
  private static Results cpuResults() {
    Results results = new Results();
    java.util.Map<String, CpuMeter.Use> netty = new java.util.LinkedHashMap<>();
    netty.put("load generator", use(400_000_000L, -1, -1));
    netty.put("echo server", use(400_000_000L, -1, -1));
    results.cpu.add(new Results.Cpu(Results.NETTY, result("echo", 1000, 100_000, 1), netty));
    java.util.Map<String, CpuMeter.Use> grpc = new java.util.LinkedHashMap<>();
    grpc.put("gRPC client", use(1_600_000_000L, 1000, 1000));
    grpc.put("gRPC server", use(1_400_000_000L, 1000, 1000));
    results.cpu.add(new Results.Cpu(Results.GRPC, result("grpc", 1000, 200_000, 1), grpc));
    java.util.Map<String, CpuMeter.Use> unary = new java.util.LinkedHashMap<>();
    unary.put("load generator", use(200_000_000L, 0, 0));
    unary.put("gateway", use(1_100_000_000L, 30_000, 60_000_000));
    unary.put("handler", use(700_000_000L, 0, 0));
    results.cpu.add(new Results.Cpu(Results.UNARY, result("echo", 1000, 20_000, 1), unary));
    return results;
  }
}
