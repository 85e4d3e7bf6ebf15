package io.exproto.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks of {@code io.exproto.bench.jmh}: 1 fork, {@value #WARMUP_ITERATIONS}
 * warm-up and {@value #MEASUREMENT_ITERATIONS} measured iterations of 1 s (2 + 3 left C2 still
 * compiling on a 2-core machine: errors larger than the scores).
 */
final class JmhRunner {
  static final int WARMUP_ITERATIONS = 6;
  static final int MEASUREMENT_ITERATIONS = 5;

  private JmhRunner() {}

  static List<Results.Jmh> run() throws RunnerException {
    Options opts = new OptionsBuilder()
        .include("io\\.exproto\\.bench\\.jmh\\..*")
        .forks(1)
        .warmupIterations(WARMUP_ITERATIONS).warmupTime(TimeValue.seconds(1))
        .measurementIterations(MEASUREMENT_ITERATIONS).measurementTime(TimeValue.seconds(1))
        .timeUnit(TimeUnit.SECONDS)
        .jvmArgsAppend("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
        .build();
    Collection<RunResult> runs = new Runner(opts).run();
    List<Results.Jmh> out = new ArrayList<>();
    for (RunResult r : runs) {
      String name = r.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
      String params = r.getParams().getParamsKeys().stream()
          .map(k -> k + "=" + r.getParams().getParam(k)).collect(Collectors.joining(", "));
      out.add(new Results.Jmh(name, params.isEmpty() ? "—" : params,
          r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError(),
          r.getPrimaryResult().getScoreUnit()));
    }
    return out;
  }

}
