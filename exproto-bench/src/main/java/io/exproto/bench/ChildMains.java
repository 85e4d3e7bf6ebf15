package io.exproto.bench;

import io.exproto.gateway.Gateway;
import io.exproto.gateway.GatewayBuilder;
import io.exproto.grpc.GrpcAdapterServer;
import io.exproto.grpc.GrpcHandler;
import io.exproto.grpc.HandlerService;
import io.exproto.micrometer.MicrometerMetrics;
import io.exproto.server.EchoHandler;
import io.exproto.testkit.TestCertificates;
import io.exproto.tls.TlsSettings;
import io.exproto.transport.netty.NettyTransport;
import io.exproto.transport.netty.TcpListener;
import io.exproto.transport.netty.TlsProvider;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The programs the harness runs in child JVMs. Each prints {@code READY ...} on stdout once
 * serving, then reads commands from stdin, one a line, answering on stdout; {@code quit} (or the
 * end of stdin) stops it. Every child answers {@code alloc} with {@code ALLOC bytes}, the heap
 * bytes its JVM allocated so far (see {@link CpuMeter}), and takes {@code profile-start} and
 * {@code profile-stop PATH} (see {@link CpuProfile}).
 */
final class ChildMains {
  private ChildMains() {}

  /**
   * What an operated gateway carries: Micrometer meters in a Prometheus registry, scraped every
   * 5 s as a Prometheus server would, and an event listener taking every event type.
   */
  private static void observe(GatewayBuilder b, boolean metrics, boolean events) {
    if (!metrics) {
      b.eventListener(e -> { });
      return;
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    LongAdder counted = new LongAdder();
    b.metrics(new MicrometerMetrics(registry));
    if (events) {
      b.eventListener(e -> counted.increment());
    }
    Thread scraper = new Thread(() -> {
      while (true) {
        try {
          Thread.sleep(5_000);
        } catch (InterruptedException e) {
          return;
        }
        registry.scrape();
      }
    }, "prometheus-scrape");
    scraper.setDaemon(true);
    scraper.start();
  }

  /**
   * {@code gateway --handler inproc|unary|streaming [--handler-address http://H:P]
   * [--ssl AUTO|JDK|OPENSSL]}: a gateway on 127.0.0.1 (port 0) with its adapter server; with
   * {@code --ssl}, also an ssl listener on that {@link TlsProvider} (TLS 1.3 and 1.2, an EC
   * P-256 certificate made at start in a temporary directory). {@code READY tcp=P adapter=P
   * [ssl=P provider=JDK|OPENSSL]}. Commands:
   * {@code stats} answers {@code STATS connections}; {@code heap} runs full GCs and answers
   * {@code HEAP usedBytes connections}; and those every child takes.
   */
  static void gateway(BenchArgs args) throws Exception {
    String kind = args.string("handler", "inproc");
    NettyTransport transport = args.has("workers")
        ? NettyTransport.create(args.integer("workers", 1)) : NettyTransport.create();
    GatewayBuilder b = Gateway.builder()
        // The accept rate is what the hold and churn scenarios measure: lift the 1,000/s default.
        .listener(TcpListener.builder().name("tcp").bind("127.0.0.1", 0).backlog(4096)
            .maxConnRate(1_000_000).transport(transport).build())
        // Idle connections are the point of the hold scenario; never time them out here.
        .idleTimeout(Duration.ofHours(1));
    TcpListener ssl = null;
    if (args.has("ssl")) {
      Path dir = Files.createTempDirectory("exproto-bench-pki");
      TestCertificates pki = TestCertificates.create(dir);
      TlsSettings tls = TlsSettings.server()
          .certificate(pki.server.certificate(), pki.server.privateKey()).build();
      ssl = TcpListener.builder().name("ssl").bind("127.0.0.1", 0).backlog(4096)
          .maxConnRate(1_000_000).transport(transport).tls(tls)
          .tlsProvider(TlsProvider.valueOf(args.string("ssl", "AUTO"))).build();
      b.listener(ssl);
    }
    String observe = args.string("observe", "false");
    if (!observe.equals("false")) {
      observe(b, !observe.equals("events"), !observe.equals("metrics"));
    }
    GrpcHandler grpc = null;
    switch (kind) {
      case "inproc" -> b.handler(EchoHandler::new);
      // As the standalone gateway: the handler channel and the adapter server share the
      // transport's threads.
      case "unary" -> grpc = GrpcHandler.builder().address(args.string("handler-address", null))
          .eventLoopGroup(transport.workerGroup(), transport.socketChannelType()).build();
      case "streaming" -> grpc = GrpcHandler.builder()
          .address(args.string("handler-address", null))
          .service(HandlerService.CONNECTION_HANDLER)
          .eventLoopGroup(transport.workerGroup(), transport.socketChannelType()).build();
      default -> throw new IllegalArgumentException("--handler must be inproc, unary or"
          + " streaming, was " + kind);
    }
    if (grpc != null) {
      b.handler(grpc);
    }
    Gateway gateway = b.build().start();
    GrpcAdapterServer adapter = GrpcAdapterServer.builder(gateway.adapter())
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .eventLoopGroups(transport.acceptorGroup(), transport.workerGroup(),
            transport.serverChannelType())
        .build().start();
    System.out.println("READY tcp=" + gateway.listenerAddresses().get("tcp").getPort()
        + " adapter=" + adapter.port()
        + (ssl != null ? " ssl=" + gateway.listenerAddresses().get("ssl").getPort()
            + " provider=" + ssl.tlsProvider() : ""));
    System.out.flush();
    serveUntilQuit(cmd -> switch (cmd) {
      case "stats" -> "STATS " + gateway.stats().connections();
      case "heap" -> {
        try {
          yield "HEAP " + heapAfterGc() + " " + gateway.stats().connections();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          yield "ERROR interrupted";
        }
      }
      default -> null;
    });
    gateway.shutdownNow();
    adapter.shutdownNow();
    transport.close();
    Runtime.getRuntime().halt(0);
  }

  /** Heap used after explicit full GCs, settled. */
  static long heapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      TimeUnit.MILLISECONDS.sleep(200);
      used = Math.min(used,
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /**
   * {@code handler --mode unary|streaming}: the bench echo handler on 127.0.0.1 (port 0).
   * {@code READY port}. Command {@code adapter HOST:PORT} points it at the gateway
   * (answers {@code OK}).
   */
  static void handler(BenchArgs args) throws Exception {
    boolean streaming = args.string("mode", "unary").equals("streaming");
    // The server and the adapter calls share one set of event loops (see EchoFlow).
    NettyTransport loops = NettyTransport.create();
    EchoFlow flow = new EchoFlow(streaming, loops.workerGroup(), loops.socketChannelType());
    NettyServerBuilder sb = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .bossEventLoopGroup(loops.acceptorGroup()).workerEventLoopGroup(loops.workerGroup())
        .channelType(loops.serverChannelType()).directExecutor();
    sb.addService(streaming ? new BenchStreamingEchoHandler(flow) : new BenchEchoHandler(flow));
    Server server = sb.build().start();
    System.out.println("READY " + server.getPort());
    System.out.flush();
    serveUntilQuit(line -> {
      if (line.startsWith("adapter ")) {
        flow.adapter(line.substring("adapter ".length()).trim());
        return "OK";
      }
      return null;
    });
    server.shutdownNow();
    flow.close();
    Runtime.getRuntime().halt(0);
  }

  /** {@code netty-echo}: the raw Netty echo anchor. {@code READY port}. */
  static void nettyEcho(BenchArgs args) throws Exception {
    NettyEchoServer server = NettyEchoServer.start(new InetSocketAddress("127.0.0.1", 0));
    System.out.println("READY " + server.port());
    System.out.flush();
    serveUntilQuit(line -> null);
    server.close();
    Runtime.getRuntime().halt(0);
  }

  /** {@code grpc-ping}: the bare gRPC unary anchor's server. {@code READY port}. */
  static void grpcPing(BenchArgs args) throws Exception {
    Server server = GrpcPing.startServer(0);
    System.out.println("READY " + server.getPort());
    System.out.flush();
    serveUntilQuit(line -> null);
    server.shutdownNow();
    Runtime.getRuntime().halt(0);
  }

  /**
   * {@code load --mode hold|echo|churn --port P [--host H] [--connections N] ...}: the load
   * generator as a child. Hold answers {@code HELD open errors connectPerSecond} once connected
   * and keeps the connections until {@code quit}; echo and churn print a {@code RESULT} line.
   */
  static void load(BenchArgs args) throws Exception {
    LoadGenerator.Config config = BenchMain.loadConfig(args);
    switch (args.string("mode", "echo")) {
      case "hold" -> {
        try (LoadGenerator.Held held = LoadGenerator.hold(config)) {
          System.out.printf(Locale.ROOT, "HELD %d %d %.1f%n", held.open(),
              held.errors(), held.connectPerSecond());
          System.out.flush();
          serveUntilQuit(line -> line.equals("stats")
              ? "HELD " + held.open() + " " + held.errors() : null);
        }
      }
      case "churn" -> System.out.println(LoadGenerator.churn(config).toLine());
      default -> System.out.println(LoadGenerator.echo(config).toLine());
    }
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }

  private static void serveUntilQuit(Function<String, String> commands) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
        StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String cmd = line.trim();
      if (cmd.equals("quit")) {
        return;
      }
      String answer;
      if (cmd.equals("alloc")) {
        answer = "ALLOC " + CpuMeter.allocatedBytesHere();
      } else if (cmd.equals("profile-start") || cmd.startsWith("profile-stop ")) {
        answer = CpuProfile.command(cmd);
      } else {
        answer = commands.apply(cmd);
      }
      System.out.println(answer != null ? answer : "ERROR unknown command " + cmd);
      System.out.flush();
    }
  }
}
