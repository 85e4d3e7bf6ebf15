package io.exproto.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.exproto.broker.BrokerMessage;
import io.exproto.broker.InMemoryBroker;
import io.exproto.gateway.Gateway;
import io.exproto.grpc.GrpcAdapterServer;
import io.exproto.handler.ConnectionHandler;
import io.exproto.testkit.TcpTestDevice;
import io.exproto.transport.netty.TcpListener;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A handler written for EMQX, unchanged, against this gateway: {@code examples/python/echo_handler.py}
 * (which only knows EMQX's {@code exproto.proto}) runs as a Python subprocess; the gateway runs in
 * process with a TCP listener, the in-memory broker and the gRPC adapter server; devices are real
 * sockets. One subclass per handler service.
 *
 * <p>The handler authenticates each device as {@code py-<n>}, starts its keepalive (1 s here),
 * subscribes it to {@code devices/py-<n>/down}, publishes what it sends there, and sends back what
 * it is delivered; it prints one line per socket created, timer timeout and socket closed, which
 * is how these tests see the callbacks it got.
 */
abstract class AbstractPythonHandlerTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration PYTHON_READY = Duration.ofSeconds(20);
  private static final Duration POLL = Duration.ofMillis(20);
  private static final int KEEPALIVE_SECONDS = 1;

  private final InMemoryBroker broker = new InMemoryBroker();
  private final RecordingSubscriber probe = new RecordingSubscriber();
  private GrpcAdapterServer adapterServer;
  private PythonHandlerProcess python;
  private TcpListener tcp;
  private Gateway gateway;

  /** The handler service the Python process serves: {@code --service}. */
  abstract String service();

  /** The gateway's binding to that service at {@code url}. */
  abstract ConnectionHandler handler(String url);

  @BeforeAll
  static void requirePythonRuntime() {
    assumeTrue(PythonHandlerProcess.runtimeAvailable(),
        PythonHandlerProcess.PYTHON + " with grpcio and grpc_tools is not"
            + " installed; run .ci/run or apt-get install python3-grpcio python3-grpc-tools");
  }

  @BeforeEach
  void startEverything() throws Exception {
    broker.subscribe("devices/#", 1, probe).toCompletableFuture().get();
    // The cycle: the Python process needs the adapter's port, the gateway needs the Python
    // process's port, the adapter is the gateway's. The adapter server starts first, forwarding
    // to the gateway once it exists.
    LateBoundAdapter adapter = new LateBoundAdapter();
    adapterServer = GrpcAdapterServer.builder(adapter)
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .build()
        .start();
    python = PythonHandlerProcess.start(service(), adapterServer.port(), KEEPALIVE_SECONDS,
        PYTHON_READY);
    assertThat(python.lines()).as("python handler output")
        .anyMatch(line -> line.startsWith("python handler ready on ")
            && line.contains("service " + service()));
    tcp = TcpListener.builder().name("tcp").bind("127.0.0.1", 0).build();
    gateway = Gateway.builder()
        .broker(broker)
        .listener(tcp)
        .handler(handler(python.url()))
        .build();
    adapter.bind(gateway.adapter());
    gateway.start();
  }

  @AfterEach
  void stopEverything() throws Exception {
    try {
      if (gateway != null) {
        await().atMost(WAIT).pollInterval(POLL).untilAsserted(() ->
            assertThat(gateway.stats().connections()).as("open connections").isZero());
        assertThat(gateway.stats().callbackFailures()).as("failed callbacks").isZero();
        assertThat(python.lines()).as("python handler output: every adapter call succeeded")
            .noneMatch(line -> line.contains(" failed: "));
      }
    } finally {
      try {
        if (gateway != null) {
          gateway.shutdown();
          assertThat(gateway.awaitTermination(WAIT)).as("gateway terminated").isTrue();
        }
      } finally {
        try {
          if (adapterServer != null) {
            adapterServer.close();
          }
        } finally {
          if (python != null) {
            python.close();
          }
        }
      }
    }
  }

  @Test
  void bytesComeBackThroughTheBrokerPublishedAsTheHandlersClient() throws Exception {
    try (TcpTestDevice device = TcpTestDevice.connect(tcp.localAddress())) {
      assertThat(device.send("hello").readText(5, WAIT)).isEqualTo("hello");
      String clientId = clientIdOf(device);

      // A subscriber on the broker itself saw the handler's Publish, made as the device's client.
      await().atMost(WAIT).pollInterval(POLL).until(() -> !probe.messages().isEmpty());
      BrokerMessage up = probe.messages().get(0);
      assertThat(up.from()).isEqualTo(clientId).startsWith("py-");
      assertThat(up.topic()).isEqualTo("devices/" + clientId + "/down");
      assertThat(new String(up.payload(), StandardCharsets.UTF_8)).isEqualTo("hello");
      assertThat(gateway.clients()).extracting(c -> c.clientId()).containsExactly(clientId);
    }
  }

  @Test
  void eachDeviceGetsOnlyItsOwnBytes() throws Exception {
    try (TcpTestDevice a = TcpTestDevice.connect(tcp.localAddress());
        TcpTestDevice b = TcpTestDevice.connect(tcp.localAddress())) {
      assertThat(a.send("alpha").readText(5, WAIT)).isEqualTo("alpha");
      assertThat(b.send("bravo").readText(5, WAIT)).isEqualTo("bravo");
      // Had a been sent b's bytes too, they would come before these.
      assertThat(a.send("again").readText(5, WAIT)).isEqualTo("again");
      String idA = clientIdOf(a);
      String idB = clientIdOf(b);
      assertThat(idA).isNotEqualTo(idB);
      assertThat(probe.messages())
          .extracting(m -> m.from() + " " + new String(m.payload(), StandardCharsets.UTF_8))
          .containsExactlyInAnyOrder(idA + " alpha", idB + " bravo", idA + " again");
    }
  }

  @Test
  void silentDeviceIsClosedByKeepaliveAndTheHandlerIsTold() throws Exception {
    try (TcpTestDevice device = TcpTestDevice.connect(tcp.localAddress())) {
      long connected = System.nanoTime();
      String clientId = clientIdOf(device);
      assertThat(device.awaitClosedByGateway(WAIT)).as("closed by the gateway").isTrue();
      // 1.5 x the 1 s interval; a lower bound with slack for timer granularity.
      assertThat(Duration.ofNanos(System.nanoTime() - connected))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(1));

      int timeout = awaitLine("OnTimerTimeout " + timerClientId(clientId) + " KEEPALIVE");
      int closed = awaitLine("OnSocketClosed " + clientId + " \\{shutdown,keepalive_timeout\\}");
      if (keepsOrderAcrossCallbackTypes()) {
        assertThat(timeout).as("OnTimerTimeout before OnSocketClosed").isLessThan(closed);
      }
    }
  }

  @Test
  void deviceClosingIsReportedToTheHandler() throws Exception {
    String clientId;
    try (TcpTestDevice device = TcpTestDevice.connect(tcp.localAddress())) {
      assertThat(device.send("bye").readText(3, WAIT)).isEqualTo("bye");
      clientId = clientIdOf(device);
    }
    awaitLine("OnSocketClosed " + clientId + " \\{shutdown,tcp_closed\\}");
  }

  /**
   * Whether the service delivers callbacks of different types in order (the unary one does;
   * the streaming one has one stream per type, docs/behaviour.md, Callback ordering).
   */
  boolean keepsOrderAcrossCallbackTypes() {
    return true;
  }

  /**
   * The pattern for the client id the handler prints with OnTimerTimeout: with streams per
   * callback type, its OnSocketClosed may be handled first and forget the id.
   */
  String timerClientId(String clientId) {
    return Pattern.quote(clientId);
  }

  /** The client id the handler gave the device: its OnSocketCreated line names the peer port. */
  private String clientIdOf(TcpTestDevice device) {
    int line = awaitLine("OnSocketCreated (py-\\d+) 127\\.0\\.0\\.1:"
        + device.localAddress().getPort());
    Matcher m = Pattern.compile("OnSocketCreated (py-\\d+) .*").matcher(python.lines().get(line));
    assertThat(m.matches()).isTrue();
    return m.group(1);
  }

  /** Waits for a line of the handler's output matching {@code regex}; returns its index. */
  private int awaitLine(String regex) {
    Pattern p = Pattern.compile(regex);
    await().atMost(WAIT).pollInterval(POLL).untilAsserted(() ->
        assertThat(python.lines()).as("python handler output, waiting for /%s/", regex)
            .anyMatch(line -> p.matcher(line).matches()));
    List<String> lines = python.lines();
    for (int i = 0; i < lines.size(); i++) {
      if (p.matcher(lines.get(i)).matches()) {
        return i;
      }
    }
    throw new AssertionError("unreachable: /" + regex + "/ matched before");
  }
}
