package io.exproto.bench;

import io.exproto.gateway.Gateway;
import io.exproto.handler.ClientInfo;
import io.exproto.management.ClientDetails;
import io.exproto.management.ClientQuery;
import io.exproto.management.Page;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionHandler;
import io.exproto.testkit.InMemoryListener;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The cost of operating a gateway: (1) in-process echo at a connection count with and without
 * Micrometer meters in a Prometheus registry (scraped every 5 s) and an event listener taking
 * every event, alternating the two setups to spread machine noise; (2) listing many clients page
 * by page through {@link Gateway#listClients}, the call the HTTP API's client list makes. Prints
 * its figures; with {@code --out FILE} it also (re)writes that file's "Operating the gateway"
 * section.
 */
final class OpsBench {
  private static final Duration READY = Duration.ofSeconds(60);

  private OpsBench() {}

  static int run(BenchArgs a, String command) throws Exception {
    Sections report = new Sections();
    int connections = a.integer("connections", 1000);
    int rounds = a.integer("rounds", 2);
    Duration jit = a.duration("jit-warmup", Duration.ofSeconds(15));
    Duration warmup = a.duration("warmup", Duration.ofSeconds(3));
    Duration measure = a.duration("measure", Duration.ofSeconds(8));
    // false: neither; metrics: Micrometer only; true: Micrometer and an event listener.
    String[] setups = a.string("setups", "false,metrics,true").split(",");
    double[][] rates = new double[setups.length][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int s = 0; s < setups.length; s++) {
        double rate = echo(setups[s], connections, jit, warmup, measure);
        rates[s][r] = rate;
        report.line("echo %d connections, %s: %.0f msg/s", connections,
            label(setups[s]), rate);
      }
    }
    double base = Arrays.stream(rates[0]).average().orElse(0);
    for (int s = 0; s < setups.length; s++) {
      double mean = Arrays.stream(rates[s]).average().orElse(0);
      report.line("echo mean, %s: %.0f msg/s (%.3f of %s)",
          label(setups[s]), mean, mean / base, label(setups[0]));
    }
    listing(a.integer("clients", 10_000), a.integer("limit", 100), report);
    String out = a.string("out", null);
    if (out != null) {
      Sections.write(Path.of(out), "## Operating the gateway", report.section(
          "## Operating the gateway", "`" + command + "` (echo: the gateway and the load"
          + " generator in processes of their own; listing: the Java management API in one JVM):"));
      System.out.println("wrote the Operating the gateway section of " + out);
    }
    return 0;
  }

  private static String label(String setup) {
    return switch (setup) {
      case "false" -> "plain";
      case "metrics" -> "Prometheus meters";
      case "events" -> "event listener";
      default -> "Prometheus meters + event listener";
    };
  }

  private static double echo(String observe, int connections, Duration jit, Duration warmup,
      Duration measure) throws Exception {
    try (Child gateway = Child.start("gateway-ops-" + observe, List.of("-Xms256m"), "gateway",
        "--handler", "inproc", "--observe", observe)) {
      String ready = gateway.expect("READY", READY);
      int tcp = Integer.parseInt(ready.split(" ")[1].substring("tcp=".length()));
      InetSocketAddress target = new InetSocketAddress("127.0.0.1", tcp);
      LoadGenerator.echo(LoadGenerator.Config.of(target, connections).withTimes(jit,
          Duration.ofSeconds(1)));
      awaitNoConnections(gateway);
      LoadResult r = LoadGenerator.echo(LoadGenerator.Config.of(target, connections)
          .withTimes(warmup, measure));
      return r.perSecond();
    }
  }

  private static void awaitNoConnections(Child gateway) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (Integer.parseInt(gateway.ask("stats", "STATS", READY).split(" ")[1]) == 0) {
        return;
      }
      Thread.sleep(100);
    }
  }

  /** Authenticates {@code clients} in-memory devices, then lists them page by page. */
  private static void listing(int clients, int limit, Sections report) throws Exception {
    InMemoryListener listener = InMemoryListener.create("default");
    // Each device authenticates as soon as it connects.
    Gateway gw = Gateway.builder().listener(listener).idleTimeout(Duration.ofHours(1))
        .handler(adapter -> new ConnectionHandler() {
          @Override
          public CompletionStage<Void> onSocketCreated(String conn, ConnInfo info) {
            return adapter.authenticate(conn, ClientInfo.of("client-" + conn, "user"), "")
                .thenApply(r -> null);
          }

          @Override
          public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
            return CompletableFuture.completedFuture(null);
          }
        }).build().start();
    try {
      for (int i = 0; i < clients; i++) {
        listener.connect();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (gw.stats().clients() < clients && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      int pages = (gw.stats().clients() + limit - 1) / limit;
      for (int warm = 0; warm < 3; warm++) { // JIT warm-up: three full passes
        for (int page = 1; page <= pages; page++) {
          gw.listClients(ClientQuery.ALL, page, limit).toCompletableFuture().get();
        }
      }
      double[] ms = new double[pages];
      long seen = 0;
      for (int page = 1; page <= pages; page++) {
        long t0 = System.nanoTime();
        Page<ClientDetails> p = gw.listClients(ClientQuery.ALL, page, limit)
            .toCompletableFuture().get();
        ms[page - 1] = (System.nanoTime() - t0) / 1e6;
        seen += p.data().size();
      }
      Arrays.sort(ms);
      report.line("listing %d clients, %d pages of %d: mean %.2f ms,"
          + " median %.2f ms, max %.2f ms per page (%d listed)", gw.stats().clients(), pages,
          limit, Arrays.stream(ms).average().orElse(0), ms[ms.length / 2], ms[ms.length - 1],
          seen);
    } finally {
      gw.shutdownNow();
      listener.stop();
    }
  }
}
