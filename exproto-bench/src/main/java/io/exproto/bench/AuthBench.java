package io.exproto.bench;

import com.sun.net.httpserver.HttpServer;
import io.exproto.auth.Authenticator;
import io.exproto.auth.Authorizer;
import io.exproto.authn.AuthenticationChain;
import io.exproto.authn.BuiltInDatabase;
import io.exproto.authn.ConfigReader;
import io.exproto.authn.HttpAuthenticator;
import io.exproto.authn.PasswordHashing;
import io.exproto.authz.AclFile;
import io.exproto.authz.AuthorizationService;
import io.exproto.gateway.Gateway;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.transport.netty.TcpListener;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@code auth} command: what authentication and authorization cost, in one JVM.
 * <ul>
 *   <li>connect-authenticate-close cycles a second over real TCP (an in-process handler calls
 *       Authenticate on the device's first bytes and answers the result code), with allow-all,
 *       built_in_database (sha256 and pbkdf2 4096 iterations) and http against a local JDK
 *       HttpServer answering 204;
 *   <li>Publish calls a second through the adapter of one authenticated connection per worker,
 *       with no authorization and with a 100-rule ACL file and the cache on.
 * </ul>
 * Options: {@code --workers 16} {@code --warmup 3s} {@code --measure 8s}; with {@code --out FILE}
 * it also (re)writes that file's "Authentication and authorization" section.
 */
final class AuthBench {
  private final int workers;
  private final Duration warmup;
  private final Duration measure;
  private final String out;
  private final String command;
  private final Sections report = new Sections();

  AuthBench(BenchArgs a, String command) {
    this.out = a.string("out", null);
    this.command = command;
    this.workers = a.integer("workers", 16);
    this.warmup = a.duration("warmup", Duration.ofSeconds(3));
    this.measure = a.duration("measure", Duration.ofSeconds(8));
  }

  void run() throws Exception {
    Path dir = Files.createTempDirectory("exproto-authbench");
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
    http.setExecutor(Executors.newFixedThreadPool(4));
    http.createContext("/auth", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    http.start();
    try {
      report.line("connect-authenticate-close cycles/s (%d workers)", workers);
      cycles("allow-all", Authenticator.allowAll());
      cycles("built_in_database sha256", builtIn(dir.resolve("sha.db"),
          PasswordHashing.defaults()));
      cycles("built_in_database pbkdf2(sha256, 4096)", builtIn(dir.resolve("pbkdf2.db"),
          PasswordHashing.pbkdf2("sha256", 4096, 32)));
      cycles("http (local service, 204)", new AuthenticationChain(List.of(
          HttpAuthenticator.fromConfig(new ConfigReader(Map.of("mechanism", "password_based",
              "backend", "http", "url", "http://127.0.0.1:" + http.getAddress().getPort()
                  + "/auth", "pool_size", 16), "authentication")))));
      report.line("Publish calls/s through the adapter (%d connections)", workers);
      publishes("no authorization", Authorizer.allowAll());
      publishes("100-rule ACL + cache", AuthorizationService.builder()
          .source(AclFile.of(hundredRules(), "bench-acl")).noMatch(false).build());
      publishes("100-rule ACL, no cache", AuthorizationService.builder()
          .source(AclFile.of(hundredRules(), "bench-acl")).noMatch(false)
          .cache(false, 1, Duration.ofMinutes(1)).build());
    } finally {
      http.stop(0);
    }
    if (out != null) {
      Sections.write(Path.of(out), "## Authentication and authorization", report.section(
          "## Authentication and authorization", "`" + command + "` (one JVM: devices over"
          + " loopback TCP, an in-process handler; the http authenticator calls a JDK HttpServer"
          + " in the same JVM answering 204):"));
      System.out.println("wrote the Authentication and authorization section of " + out);
    }
  }

  private static Authenticator builtIn(Path file, PasswordHashing h) throws Exception {
    BuiltInDatabase db = BuiltInDatabase.builder().databaseFile(file).passwordHashing(h).build();
    db.addUser("bench", "bench-password", false);
    return new AuthenticationChain(List.of(db));
  }

  /** 99 rules that do not match the bench topics, then the one that does. */
  static String hundredRules() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 99; i++) {
      b.append("{deny, {username, \"user-").append(i).append("\"}, publish, [\"site/")
          .append(i).append("/#\"]}.\n");
    }
    b.append("{allow, all, publish, [\"bench/${clientid}/#\"]}.\n");
    return b.toString();
  }

  private void cycles(String name, Authenticator authenticator) throws Exception {
    TcpListener listener = TcpListener.builder().name("bench").bind("127.0.0.1", 0)
        .maxConnRate(Integer.MAX_VALUE).build();
    Gateway gw = Gateway.builder().listener(listener).authenticator(authenticator)
        .handler(adapter -> new AuthOnFirstBytes(adapter)).build().start();
    int port = gw.listenerAddresses().get("bench").getPort();
    try {
      runWorkers(port, warmup);
      double rate = runWorkers(port, measure);
      report.line("  %-42s %10.0f cycles/s", name, rate);
    } finally {
      gw.close();
      if (authenticator instanceof AutoCloseable c) {
        c.close();
      }
    }
  }

  private double runWorkers(int port, Duration time) throws Exception {
    LongAdder cycles = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    byte[] auth = "AUTH\n".getBytes(StandardCharsets.US_ASCII);
    List<CompletableFuture<Void>> fs = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      fs.add(CompletableFuture.runAsync(() -> {
        byte[] buf = new byte[64];
        while (!stop.get()) {
          try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            s.setSoLinger(true, 0); // no TIME_WAIT pile-up over many cycles
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(auth);
            int n = in.read(buf);
            if (n > 0 && buf[0] == 'S') {
              cycles.increment();
            }
          } catch (Exception e) {
            // counted as a missing cycle
          }
        }
      }, pool));
    }
    long t0 = System.nanoTime();
    Thread.sleep(time.toMillis());
    stop.set(true);
    long count = cycles.sum();
    double secs = (System.nanoTime() - t0) / 1e9;
    CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
    pool.shutdown();
    return count / secs;
  }

  /** Authenticates on the first bytes and writes S (success) or D (denied). */
  private static final class AuthOnFirstBytes implements ConnectionHandler {
    private final ConnectionAdapter adapter;

    AuthOnFirstBytes(ConnectionAdapter adapter) {
      this.adapter = adapter;
    }

    @Override
    public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
      // A client id per connection: one shared id would make every cycle a takeover.
      return adapter.authenticate(conn, ClientInfo.of(conn, "bench"), "bench-password")
          .thenCompose(r ->
          adapter.send(conn, new byte[] {(byte) (r.isSuccess() ? 'S' : 'D')}))
          .thenApply(r -> null);
    }
  }

  private void publishes(String name, Authorizer authorizer) throws Exception {
    LinkedBlockingQueue<String> created = new LinkedBlockingQueue<>();
    TcpListener listener = TcpListener.builder().name("bench").bind("127.0.0.1", 0).build();
    Gateway gw = Gateway.builder().listener(listener).authorizer(authorizer)
        .handler(new ConnectionHandler() {
          @Override
          public CompletionStage<Void> onSocketCreated(String conn, ConnInfo info) {
            created.add(conn);
            return CompletableFuture.completedStage(null);
          }

          @Override
          public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
            return CompletableFuture.completedStage(null);
          }
        }).build().start();
    int port = gw.listenerAddresses().get("bench").getPort();
    List<Socket> sockets = new ArrayList<>();
    try {
      ConnectionAdapter adapter = gw.adapter();
      List<String> conns = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        Socket s = new Socket("127.0.0.1", port);
        sockets.add(s);
        s.getOutputStream().write(1); // not idle
        String conn = created.poll(10, TimeUnit.SECONDS);
        if (conn == null) {
          throw new IllegalStateException("connection " + i + " was not accepted");
        }
        AdapterResult r = adapter.authenticate(conn, ClientInfo.of("c" + i, "bench"), "")
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
        if (!r.isSuccess()) {
          throw new IllegalStateException("authenticate: " + r);
        }
        conns.add(conn);
      }
      double rate = 0;
      for (Duration d : new Duration[] {warmup, measure}) {
        rate = publishLoop(adapter, conns, d);
      }
      report.line("  %-42s %10.0f publishes/s", name, rate);
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
      gw.close();
    }
  }

  private static double publishLoop(ConnectionAdapter adapter, List<String> conns, Duration time)
      throws Exception {
    LongAdder ok = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    byte[] payload = new byte[64];
    for (int i = 0; i < conns.size(); i++) {
      String conn = conns.get(i);
      String topic = "bench/c" + i + "/t";
      Thread t = new Thread(() -> {
        while (!stop.get()) {
          try {
            AdapterResult r = adapter.publish(conn, topic, 0, payload).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
            if (r.isSuccess()) {
              ok.increment();
            }
          } catch (Exception e) {
            return;
          }
        }
      });
      threads.add(t);
      t.start();
    }
    long t0 = System.nanoTime();
    Thread.sleep(time.toMillis());
    stop.set(true);
    long count = ok.sum();
    double secs = (System.nanoTime() - t0) / 1e9;
    for (Thread t : threads) {
      t.join(10_000);
    }
    return count / secs;
  }
}
