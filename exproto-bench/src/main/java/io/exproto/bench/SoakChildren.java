package io.exproto.bench;

import io.exproto.gateway.Gateway;
import io.exproto.gateway.GatewayBuilder;
import io.exproto.gateway.GatewayStats;
import io.exproto.grpc.GrpcAdapterServer;
import io.exproto.grpc.GrpcHandler;
import io.exproto.transport.netty.NettyTransport;
import io.exproto.transport.netty.TcpListener;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The child JVMs of the soak: a gateway ({@code soak-gateway}) and the gRPC echo handler
 * ({@code soak-handler}). Both count the leaks Netty's detector reports (run them with
 * {@code -Dio.netty.leakDetection.level=paranoid}) and answer {@code sample} with their
 * {@link ProcessSample}.
 */
final class SoakChildren {
  private SoakChildren() {}

  /**
   * {@code soak-gateway --handler inproc|unary [--handler-address http://H:P]
   * [--idle-timeout 3s]}: {@code READY tcp=P adapter=P}. Commands: {@code sample} answers
   * {@code SAMPLE heap rss fds threads direct connections accepted dropped failures leaks
   * created closed unknown} (the last three from the in-process handler, else -1);
   * {@code kick CLIENTID} answers {@code KICKED true|false}.
   */
  static void gateway(BenchArgs args) throws Exception {
    LeakCounter.install();
    String kind = args.string("handler", "inproc");
    NettyTransport transport = NettyTransport.create();
    GatewayBuilder b = Gateway.builder()
        .listener(TcpListener.builder().name("tcp").bind("127.0.0.1", 0).backlog(4096)
            .maxConnRate(1_000_000).transport(transport).build())
        .idleTimeout(args.duration("idle-timeout", Duration.ofSeconds(3)))
        .callbackTimeout(Duration.ofSeconds(10))
        .closeFlushTimeout(Duration.ofSeconds(5));
    SoakHandler[] inproc = new SoakHandler[1];
    if (kind.equals("inproc")) {
      b.handler(adapter -> inproc[0] = new SoakHandler(adapter));
    } else {
      b.handler(GrpcHandler.builder().address(args.string("handler-address", null))
          .eventLoopGroup(transport.workerGroup(), transport.socketChannelType()).build());
    }
    Gateway gateway = b.build().start();
    GrpcAdapterServer adapter = GrpcAdapterServer.builder(gateway.adapter())
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .eventLoopGroups(transport.acceptorGroup(), transport.workerGroup(),
            transport.serverChannelType())
        .build().start();
    System.out.println("READY tcp=" + gateway.listenerAddresses().get("tcp").getPort()
        + " adapter=" + adapter.port());
    System.out.flush();
    serve(line -> {
      if (line.equals("sample")) {
        ProcessSample p = ProcessSample.now();
        GatewayStats s = gateway.stats();
        SoakHandler h = inproc[0];
        return "SAMPLE " + p.toLine() + " " + s.connections() + " " + s.connectionsAccepted()
            + " " + s.deliveriesDropped() + " " + s.callbackFailures() + " "
            + LeakCounter.leaks() + " "
            + (h == null ? "-1 -1 -1" : h.created.get() + " " + h.closed.get() + " "
                + h.unknown.get());
      }
      if (line.startsWith("kick ")) {
        return "KICKED " + gateway.kick(line.substring(5).trim());
      }
      return null;
    });
    gateway.shutdownNow();
    adapter.shutdownNow();
    transport.close();
    Runtime.getRuntime().halt(0);
  }

  /**
   * {@code soak-handler --port P}: the unary bench echo handler ({@link EchoFlow}) on
   * 127.0.0.1:P (retrying the bind for up to 30 s: a restarted handler takes its predecessor's
   * port). {@code READY port}. Commands: {@code adapter HOST:PORT} ({@code OK}), {@code sample}
   * ({@code SAMPLE heap rss fds threads direct leaks created closed}).
   */
  static void handler(BenchArgs args) throws Exception {
    LeakCounter.install();
    NettyTransport loops = NettyTransport.create();
    EchoFlow flow = new EchoFlow(false, loops.workerGroup(), loops.socketChannelType());
    int port = args.integer("port", 0);
    Server server = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (server == null) {
      try {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .bossEventLoopGroup(loops.acceptorGroup()).workerEventLoopGroup(loops.workerGroup())
            .channelType(loops.serverChannelType()).directExecutor()
            .addService(new BenchEchoHandler(flow)).build().start();
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.onSpinWait();
      }
    }
    System.out.println("READY " + server.getPort());
    System.out.flush();
    serve(line -> {
      if (line.startsWith("adapter ")) {
        flow.adapter(line.substring("adapter ".length()).trim());
        return "OK";
      }
      if (line.equals("sample")) {
        return "SAMPLE " + ProcessSample.now().toLine() + " " + LeakCounter.leaks() + " "
            + flow.created() + " " + flow.closed();
      }
      return null;
    });
    server.shutdownNow();
    flow.close();
    Runtime.getRuntime().halt(0);
  }

  private interface Command {
    String apply(String line) throws Exception;
  }

  private static void serve(Command commands) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
        StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String cmd = line.trim();
      if (cmd.equals("quit")) {
        return;
      }
      String answer = commands.apply(cmd);
      System.out.println(answer != null ? answer : "ERROR unknown command " + cmd);
      System.out.flush();
    }
  }
}
