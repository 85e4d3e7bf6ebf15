package io.exproto.bench;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;

/**
 * {@code java -jar exproto-bench.jar COMMAND [--option value ...]}.
 *
 * <pre>
 * all        the whole comparison; prints the tables and (re)writes BENCHMARKS.md
 *            [--jit-warmup 60s] [--jit-rounds 4] [--warmup 3s] [--measure 8s]
 *            [--connections 1,100,1000]
 *            [--hold 15000] [--hold-tls 5000] [--hold-processes 3] [--churn-workers 50]
 *            [--jmh true] [--out PATH]
 *            [--only netty,grpc,inproc,unary,streaming,hold,hold-tls,mqtt,jmh] (a partial run; use --out)
 * ops        what operating the gateway costs: echo at --connections (1000) with and without
 *            Micrometer meters (Prometheus) and an event listener, --rounds (2) each, and
 *            listing --clients (10000) clients page by page (--limit 100) through the Java API
 *            [--jit-warmup 15s] [--warmup 3s] [--measure 8s] [--out BENCHMARKS.md]
 * load       the load generator: --mode echo|hold|churn --port P [--host 127.0.0.1]
 *            [--connections N] [--payload 64] [--warmup 3s] [--measure 8s] [--sources 8]
 *            [--threads 2] [--pending-connects 256] [--tls false]
 * mqtt       the MQTT bridge scenarios against a Mosquitto it starts (prints a markdown section)
 *            [--connections 1,100,1000] [--idle 5000] [--warmup 3s] [--measure 8s]
 * auth       authentication/authorization cost in one JVM (see AuthBench) [--out BENCHMARKS.md]
 *            [--workers 16] [--warmup 3s] [--measure 8s]
 * soak       a mixed workload sampled every minute; exits 1 unless it passes (see Soak)
 *            [--minutes 30] [--warmup 2m] [--handler-restart 3m] [--out BENCHMARKS.md]
 * gateway, handler, netty-echo, grpc-ping   child processes of 'all' (see ChildMains)
 * soak-gateway, soak-handler                child processes of 'soak' (see SoakChildren)
 * </pre>
 */
public final class BenchMain {
  private BenchMain() {}

  /** Runs a command; exits 2 on bad arguments. */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: all | ops | soak | mqtt | auth | load | gateway | handler"
          + " | netty-echo | grpc-ping"
          + " [--option value ...]");
      System.exit(2);
    }
    BenchArgs a;
    try {
      a = BenchArgs.parse(Arrays.copyOfRange(args, 1, args.length));
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
      return;
    }
    switch (args[0]) {
      case "all" -> System.exit(new Harness(a).runAll());
      case "ops" -> System.exit(OpsBench.run(a, command(args)));
      case "soak" -> System.exit(new Soak(a, command(args)).run());
      case "soak-gateway" -> SoakChildren.gateway(a);
      case "soak-handler" -> SoakChildren.handler(a);
      case "load" -> ChildMains.load(a);
      case "auth" -> new AuthBench(a, command(args)).run();
      case "gateway" -> ChildMains.gateway(a);
      case "handler" -> ChildMains.handler(a);
      case "netty-echo" -> ChildMains.nettyEcho(a);
      case "grpc-ping" -> ChildMains.grpcPing(a);
      case "mqtt" -> System.out.println(MqttBench.run(a));
      default -> {
        System.err.println("error: unknown command " + args[0]);
        System.exit(2);
      }
    }
  }

  /** The load generator configuration from {@code load} options. */
  static LoadGenerator.Config loadConfig(BenchArgs a) {
    if (!a.has("port")) {
      throw new IllegalArgumentException("--port is required");
    }
    return new LoadGenerator.Config(
        new InetSocketAddress(a.string("host", "127.0.0.1"), a.integer("port", 0)),
        a.integer("connections", 1), a.integer("payload", 64),
        a.duration("warmup", Duration.ofSeconds(3)), a.duration("measure", Duration.ofSeconds(8)),
        a.integer("sources", 8), a.integer("threads", 2), a.integer("pending-connects", 256),
        Boolean.parseBoolean(a.string("tls", "false")));
  }

  /** The command line as BENCHMARKS.md quotes it. */
  private static String command(String[] args) {
    return "java -jar exproto-bench/target/exproto-bench.jar " + String.join(" ", args);
  }
}
