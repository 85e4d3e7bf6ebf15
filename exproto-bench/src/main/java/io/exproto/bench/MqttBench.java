package io.exproto.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.exproto.broker.Broker;
import io.exproto.broker.InMemoryBroker;
import io.exproto.broker.mqtt.MqttBridgeMode;
import io.exproto.broker.mqtt.MqttBroker;
import io.exproto.gateway.Gateway;
import io.exproto.handler.AdapterResult;
import io.exproto.handler.ClientInfo;
import io.exproto.handler.ConnInfo;
import io.exproto.handler.ConnectionAdapter;
import io.exproto.handler.ConnectionHandler;
import io.exproto.handler.Message;
import io.exproto.handler.TimerType;
import io.exproto.testkit.InMemoryListener;
import io.exproto.transport.netty.NettyTransport;
import io.exproto.transport.netty.TcpListener;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * The MQTT bridge scenarios, against a Mosquitto process started here (Debian {@code mosquitto};
 * {@code set_tcp_nodelay true}, or each round trip waits ~40 ms for Nagle):
 *
 * <ul>
 *   <li>anchor: HiveMQ clients, each publishing (qos 0) to a topic it subscribes to and waiting
 *       for the message before the next, against the same Mosquitto;
 *   <li>echo through the gateway in session mode: TCP devices (the load generator), an
 *       in-process handler that publishes each read to the device's own topic (qos 0) and sends
 *       each delivered message back;
 *   <li>heap per idle bridged device: devices (in-memory links, so only the gateway side counts)
 *       authenticated and subscribed to one filter each, in session and shared mode, with the
 *       in-memory broker as the baseline.
 * </ul>
 *
 * Everything runs in this JVM (gateway, load generator, anchor clients); Mosquitto is the only
 * other process. {@code java -jar exproto-bench.jar mqtt [--connections 1,100,1000]
 * [--idle 5000] [--warmup 3s] [--measure 8s]}.
 */
final class MqttBench {
  private MqttBench() {}

  record Row(String scenario, int connections, double perSecond, double p50, double p99) {}

  record Heap(String mode, int devices, double bytesPerDevice) {}

  /** Runs every scenario; returns the markdown section. */
  static String run(BenchArgs a) throws Exception {
    if (!Files.isExecutable(Path.of("/usr/sbin/mosquitto"))) {
      return "## MQTT bridge\n\nSkipped: Mosquitto is not installed (Debian package"
          + " `mosquitto`).\n";
    }
    List<Integer> conns = new ArrayList<>();
    for (String c : a.string("connections", "1,100,1000").split(",")) {
      conns.add(Integer.parseInt(c.trim()));
    }
    int idle = a.integer("idle", 5000);
    Duration warmup = a.duration("warmup", Duration.ofSeconds(3));
    Duration measure = a.duration("measure", Duration.ofSeconds(8));
    List<Row> rows = new ArrayList<>();
    List<Heap> heaps = new ArrayList<>();
    Path dir = Files.createTempDirectory("exproto-bench-mosquitto");
    int port = freePort();
    Files.writeString(dir.resolve("m.conf"), "listener " + port + " 127.0.0.1\n"
        + "allow_anonymous true\nset_tcp_nodelay true\npersistence false\nmax_queued_messages 10000\n"
        + "user " + System.getProperty("user.name") + "\n");
    Process mosquitto = new ProcessBuilder("/usr/sbin/mosquitto", "-c",
        dir.resolve("m.conf").toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("m.log").toFile()).start();
    try {
      awaitPort(port);
      String url = "mqtt://127.0.0.1:" + port;
      for (int n : conns) {
        rows.add(anchor(port, n, warmup, measure));
        System.out.println("   " + rows.get(rows.size() - 1));
      }
      for (int n : conns) {
        rows.add(sessionEcho(url, n, warmup, measure));
        System.out.println("   " + rows.get(rows.size() - 1));
      }
      heaps.add(idleHeap("in-memory broker (baseline)", new InMemoryBroker(), idle));
      System.out.println("   " + heaps.get(heaps.size() - 1));
      try (MqttBroker b = MqttBroker.builder().server(url).build().start()) {
        heaps.add(idleHeap("session mode", b, idle));
        System.out.println("   " + heaps.get(heaps.size() - 1));
      }
      try (MqttBroker b = MqttBroker.builder().server(url).mode(MqttBridgeMode.SHARED).build()
          .start()) {
        heaps.add(idleHeap("shared mode (pool of 8)", b, idle));
        System.out.println("   " + heaps.get(heaps.size() - 1));
      }
    } finally {
      mosquitto.destroy();
      mosquitto.waitFor(10, TimeUnit.SECONDS);
    }
    return markdown(rows, heaps, warmup, measure);
  }

  private static Row anchor(int port, int n, Duration warmup, Duration measure)
      throws Exception {
    Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
    AtomicLong done = new AtomicLong();
    List<Mqtt5AsyncClient> clients = new ArrayList<>();
    byte[] payload = new byte[64];
    List<CompletableFuture<?>> ready = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier("anchor-" + i)
          .serverHost("127.0.0.1").serverPort(port).buildAsync();
      String topic = "anchor/" + i;
      long[] sentAt = new long[1];
      c.publishes(MqttGlobalPublishFilter.ALL, p -> {
        recorder.recordValue(Math.min(System.nanoTime() - sentAt[0],
            TimeUnit.SECONDS.toNanos(60)));
        done.incrementAndGet();
        sentAt[0] = System.nanoTime();
        c.publishWith().topic(topic).qos(MqttQos.AT_MOST_ONCE).payload(payload).send();
      });
      ready.add(c.connect().thenCompose(ack -> c.subscribeWith().topicFilter(topic)
          .qos(MqttQos.AT_MOST_ONCE).send()).thenRun(() -> {
            sentAt[0] = System.nanoTime();
            c.publishWith().topic(topic).qos(MqttQos.AT_MOST_ONCE).payload(payload).send();
          }).toCompletableFuture());
      clients.add(c);
    }
    CompletableFuture.allOf(ready.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
    Row row = measure("HiveMQ client round trip via Mosquitto (anchor)", n, recorder, done,
        warmup, measure);
    List<CompletableFuture<?>> closing = new ArrayList<>();
    for (Mqtt5AsyncClient c : clients) {
      closing.add(c.disconnect());
    }
    CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]))
        .get(60, TimeUnit.SECONDS);
    return row;
  }

  private static Row measure(String label, int n, Recorder recorder, AtomicLong done,
      Duration warmup, Duration measure) throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep(warmup.toMillis()); // the clients run by themselves meanwhile
    recorder.reset();
    long before = done.get();
    long t0 = System.nanoTime();
    TimeUnit.MILLISECONDS.sleep(measure.toMillis());
    long ops = done.get() - before;
    double secs = (System.nanoTime() - t0) / 1e9;
    var h = recorder.getIntervalHistogram();
    return new Row(label, n, ops / secs, h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0);
  }

  private static Row sessionEcho(String url, int n, Duration warmup, Duration measure)
      throws Exception {
    NettyTransport transport = NettyTransport.create();
    try (MqttBroker broker = MqttBroker.builder().server(url).build().start()) {
      Gateway gw = Gateway.builder()
          .listener(TcpListener.builder().name("tcp").bind("127.0.0.1", 0).backlog(4096)
              .maxConnRate(1_000_000).transport(transport).build())
          .idleTimeout(Duration.ofHours(1))
          .broker(broker)
          .handler(BridgeEchoHandler::new)
          .build().start();
      try {
        InetSocketAddress at = gw.listenerAddresses().get("tcp");
        LoadResult r = LoadGenerator.echo(LoadGenerator.Config.of(at, n).withTimes(warmup,
            measure));
        return new Row("gateway echo, session mode, in-process handler (qos 0)", n,
            r.perSecond(), r.micros(50), r.micros(99));
      } finally {
        gw.shutdownNow();
        gw.awaitTermination(Duration.ofSeconds(30));
      }
    } finally {
      transport.close();
    }
  }

  /**
   * The in-process handler of the echo: authenticates each device (its own client id), subscribes
   * it to its own topic, publishes each read there and sends each delivered message back.
   */
  static final class BridgeEchoHandler implements ConnectionHandler {
    private static final AtomicLong ids = new AtomicLong();
    private final ConnectionAdapter adapter;
    private final ConcurrentHashMap<String, String> topics = new ConcurrentHashMap<>();

    BridgeEchoHandler(ConnectionAdapter adapter) {
      this.adapter = adapter;
    }

    @Override
    public CompletionStage<Void> onSocketCreated(String conn, ConnInfo info) {
      String cid = "bench-" + ids.incrementAndGet();
      String topic = "echo/" + cid;
      topics.put(conn, topic);
      return adapter.authenticate(conn, new ClientInfo("bench", "1", cid, "", ""), "")
          .thenCompose(r -> ok(r, "authenticate"))
          .thenCompose(v -> adapter.subscribe(conn, topic, 0))
          .thenCompose(r -> ok(r, "subscribe"));
    }

    @Override
    public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
      return adapter.publish(conn, topics.get(conn), 0, bytes).thenCompose(r -> ok(r, "publish"));
    }

    @Override
    public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
      CompletionStage<AdapterResult> last = CompletableFuture.completedFuture(AdapterResult.SUCCESS);
      for (Message m : messages) {
        last = adapter.send(conn, m.payload());
      }
      return last.thenApply(r -> null);
    }

    @Override
    public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> onSocketClosed(String conn, String reason) {
      topics.remove(conn);
      return CompletableFuture.completedFuture(null);
    }

    private static CompletionStage<Void> ok(AdapterResult r, String what) {
      return r.isSuccess() ? CompletableFuture.completedFuture(null)
          : CompletableFuture.failedFuture(new IllegalStateException(what + ": " + r));
    }
  }

  /** A handler that does nothing: the idle devices are driven through the adapter directly. */
  static final class IdleHandler implements ConnectionHandler {
    final ConcurrentLinkedQueue<String> created = new ConcurrentLinkedQueue<>();
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    @Override
    public CompletionStage<Void> onSocketCreated(String conn, ConnInfo info) {
      created.add(conn);
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedBytes(String conn, byte[] bytes) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onReceivedMessages(String conn, List<Message> messages) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onTimerTimeout(String conn, TimerType type) {
      return DONE;
    }

    @Override
    public CompletionStage<Void> onSocketClosed(String conn, String reason) {
      return DONE;
    }
  }

  private static Heap idleHeap(String mode, Broker broker, int n) throws Exception {
    IdleHandler handler = new IdleHandler();
    InMemoryListener listener = InMemoryListener.create("idle");
    Gateway gw = Gateway.builder().listener(listener).handler(handler)
        .idleTimeout(Duration.ofHours(1)).broker(broker).build().start();
    List<Object> devices = new ArrayList<>(n);
    try {
      long before = usedHeap();
      int batch = 200;
      for (int i = 0; i < n; i += batch) {
        List<CompletableFuture<AdapterResult>> pending = new ArrayList<>();
        for (int j = i; j < Math.min(n, i + batch); j++) {
          devices.add(listener.connect());
        }
        listener.awaitQueuedTasks(Duration.ofSeconds(30));
        String conn;
        int k = 0;
        while ((conn = handler.created.poll()) != null) {
          String c = conn;
          String cid = "idle-" + mode.charAt(0) + "-" + (i + k++);
          pending.add(gw.adapter().authenticate(c, new ClientInfo("bench", "1", cid, "", ""), "")
              .thenCompose(r -> gw.adapter().subscribe(c, "idle/" + cid + "/down", 1))
              .toCompletableFuture());
        }
        for (CompletableFuture<AdapterResult> p : pending) {
          AdapterResult r = p.get(60, TimeUnit.SECONDS);
          if (!r.isSuccess()) {
            throw new IllegalStateException(mode + ": " + r);
          }
        }
      }
      long after = usedHeap();
      return new Heap(mode, n, (after - before) / (double) n);
    } finally {
      gw.shutdownNow();
      gw.awaitTermination(Duration.ofSeconds(60));
    }
  }

  private static long usedHeap() throws InterruptedException {
    for (int i = 0; i < 4; i++) {
      System.gc();
      TimeUnit.MILLISECONDS.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static String markdown(List<Row> rows, List<Heap> heaps, Duration warmup,
      Duration measure) {
    StringBuilder md = new StringBuilder("## MQTT bridge\n\n");
    md.append(String.format(Locale.ROOT, "Against one Mosquitto process on loopback"
        + " (`set_tcp_nodelay true`); the gateway, the load generator and the anchor's clients"
        + " run in one JVM (Mosquitto is single-threaded, and all of it shares the machine's"
        + " cores, so the figures are noisy). Warm-up %d ms, measured %d ms per point. Heap:"
        + " Java heap after full GCs, divided by the devices; the in-memory baseline is the"
        + " gateway's own cost per device, the rest is the bridge's (Netty's direct buffers"
        + " are not in it).%n%n", warmup.toMillis(), measure.toMillis()));
    md.append("| scenario | devices | round trips/s | p50 µs | p99 µs |\n|---|---|---|---|---|\n");
    for (Row r : rows) {
      md.append(String.format(Locale.ROOT, "| %s | %,d | %,.0f | %.0f | %.0f |%n", r.scenario(),
          r.connections(), r.perSecond(), r.p50(), r.p99()));
    }
    Row anchor100 = find(rows, "anchor", 100);
    Row echo100 = find(rows, "session", 100);
    if (anchor100 != null && echo100 != null) {
      md.append(String.format(Locale.ROOT, "%nSession-mode echo at 100 devices / anchor at 100"
          + " clients: %.2f× (target ≥ 0.5×).%n", echo100.perSecond() / anchor100.perSecond()));
    }
    md.append("\n| heap per idle device (authenticated, one subscription) | devices | bytes per"
        + " device |\n|---|---|---|\n");
    for (Heap h : heaps) {
      md.append(String.format(Locale.ROOT, "| %s | %,d | %,.0f |%n", h.mode(), h.devices(),
          h.bytesPerDevice()));
    }
    return md.toString();
  }

  private static Row find(List<Row> rows, String scenarioPart, int n) {
    for (Row r : rows) {
      if (r.scenario().contains(scenarioPart) && r.connections() == n) {
        return r;
      }
    }
    return null;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void awaitPort(int port) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        TimeUnit.MILLISECONDS.sleep(20);
      }
    }
    throw new IllegalStateException("mosquitto did not listen on " + port);
  }
}
