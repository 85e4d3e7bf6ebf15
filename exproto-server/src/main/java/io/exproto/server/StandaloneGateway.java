package io.exproto.server;

import io.exproto.broker.mqtt.MqttBroker;
import io.exproto.gateway.Gateway;
import io.exproto.grpc.GrpcAdapterServer;
import io.exproto.remote.RemoteHandlerGateway;
import io.exproto.server.CommandLineValues.HostPortConverter;
import io.exproto.server.CommandLineValues.Listen;
import io.exproto.server.CommandLineValues.ListenConverter;
import io.exproto.server.http.HttpApiServer;
import io.exproto.transport.netty.TcpListener;
import java.io.File;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * The runnable gateway ({@code java -jar exproto-gateway.jar}): TCP listeners, the gRPC
 * ConnectionAdapter server, and either a remote gRPC handler ({@code --handler}) or the built-in
 * in-process {@link EchoHandler}. {@code --help} lists the flags.
 *
 * <p>Once every port is bound it prints one line to stdout, starting with
 * {@code exproto gateway ready}, naming each bound address. SIGTERM or SIGINT stops it gracefully
 * (bounded) and it exits 0. Exit codes: 2 for bad flags, 1 if a port cannot be bound or the
 * broker given with {@code --broker} cannot be reached (a clear error, not a gateway that
 * accepts devices it cannot serve). With {@code --broker} the ready line also names the broker.
 *
 * <p>{@link #main} delegates to {@link #start(String[], PrintStream, PrintStream)}, which tests
 * call to get a {@link Running} handle instead of an exit.
 */
@Command(name = "exproto-gateway", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = CommandLineValues.Version.class,
    description = {
        "Runs an ExProto gateway: devices connect over TCP, a handler service speaks their"
            + " protocol through the gRPC ConnectionAdapter, messages go through the in-memory"
            + " broker or, with --broker, an MQTT broker.",
        ""},
    footer = {
        "",
        "Examples:",
        "  exproto-gateway                         echo gateway on tcp://0.0.0.0:7993",
        "  exproto-gateway --handler http://127.0.0.1:9001 --adapter 127.0.0.1:9100",
        "  exproto-gateway --listen tcp://0.0.0.0:7993 --listen tcp://[::]:7994",
        "  exproto-gateway --handler http://127.0.0.1:9001 --broker mqtt://127.0.0.1:1883"})
public final class StandaloneGateway implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(StandaloneGateway.class);

  /** The listener address without {@code --listen}. */
  public static final String DEFAULT_LISTEN = "tcp://0.0.0.0:" + TcpListener.DEFAULT_PORT;

  /**
   * How long a stop (SIGTERM, SIGINT, {@link Running#close()}) waits at most for the gateway's
   * graceful drain before cutting connections: a backstop only, since the drain ends by itself
   * within {@code drain_timeout} (default 15 s) plus the callback timeout of the last
   * {@code OnSocketClosed}.
   */
  public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(60);

  /** The HTTP API's address when {@code --config} has an {@code http} block without a bind. */
  public static final String DEFAULT_HTTP = "127.0.0.1:18083";

  /** The adapter address without {@code --adapter} or {@code server.bind}. */
  public static final String DEFAULT_ADAPTER = "0.0.0.0:" + GrpcAdapterServer.DEFAULT_PORT;

  @Spec
  CommandSpec spec;

  @Option(names = "--listen", paramLabel = "tcp|ssl|udp|dtls://HOST:PORT",
      converter = ListenConverter.class,
      description = "A listener; repeat for several (named tcp, tcp-2, ssl, udp, dtls, ...)."
          + " ssl and dtls take --certfile/--keyfile; dtls also, or instead, --pskfile."
          + " Port 0 picks a free port. Default: " + DEFAULT_LISTEN + ".")
  List<Listen> listen = new ArrayList<>();

  @Option(names = "--certfile", paramLabel = "FILE",
      description = "PEM certificate (chain) of ssl:// and dtls:// listeners.")
  Path certfile;

  @Option(names = "--keyfile", paramLabel = "FILE",
      description = "PEM private key of ssl:// and dtls:// listeners (PKCS#8; ssl also PKCS#1 RSA).")
  Path keyfile;

  @Option(names = "--cacertfile", paramLabel = "FILE",
      description = "PEM CA certificates that verify client certificates.")
  Path cacertfile;

  @Option(names = "--pskfile", paramLabel = "FILE",
      description = "Pre-shared keys of dtls:// listeners: identity:secret lines, as EMQX's"
          + " psk_authentication.init_file; the secret's characters are the key. With"
          + " --certfile/--keyfile a listener accepts both. Overrides the config file's"
          + " psk_authentication (its separator still applies).")
  Path pskfile;

  @Option(names = "--verify",
      description = "Require a client certificate signed by --cacertfile on ssl:// and dtls://"
          + " listeners (verify_peer with fail_if_no_peer_cert).")
  boolean verify;

  @Option(names = "--adapter", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
      description = "Where to serve the gRPC ConnectionAdapter handlers call"
          + " (default: " + DEFAULT_ADAPTER + ").")
  HostPort adapter;

  @Option(names = "--handler", paramLabel = "URL",
      description = "The handler service (ConnectionUnaryHandler), e.g. http://127.0.0.1:9001."
          + " Default: the built-in in-process echo handler.")
  String handler;

  @Option(names = "--handler-service", paramLabel = "NAME",
      description = "The handler's service: ConnectionUnaryHandler (default) or"
          + " ConnectionHandler (the older streaming form).")
  String handlerService;

  @Option(names = "--handler-timeout", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Deadline of each handler callback; a callback not answered in time closes"
          + " its connection. Default: 30s.")
  Duration handlerTimeout;

  @Option(names = "--config", paramLabel = "FILE",
      description = "HOCON in the shape of EMQX's gateway.exproto { ... } block (server,"
          + " handler and their ssl_options, listeners, mountpoint, idle_timeout), with EMQX's"
          + " psk_authentication block beside it, plus this gateway's own framing, inbound"
          + " rate limits, drain_timeout and max_queued_bytes. Flags override the file.")
  File config;

  @Option(names = "--mountpoint", paramLabel = "STR",
      description = "Prefix of every topic devices publish and subscribe to; may use"
          + " $${clientid} and $${username}. Default: none.")
  String mountpoint;

  @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Close connections that send nothing for this long before a keepalive"
          + " is started, e.g. 5s, 500ms, 2m. Default: 30s.")
  Duration idleTimeout;

  @Option(names = "--http", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
      description = "Serve the management HTTP API (EMQX's /api/v5/gateways/exproto paths),"
          + " Prometheus metrics (/metrics), /status and the dashboard (/) here. Off unless given"
          + " (or set as http.bind in --config). Without an API key (http.api_key.bootstrap_file"
          + " in --config) only a loopback address is accepted.")
  HostPort http;

  @Option(names = "--broker", paramLabel = "mqtt://HOST:PORT|mqtts://HOST:PORT",
      description = "Bridge to this MQTT broker instead of keeping messages in this process"
          + " (broker { ... } in --config sets TLS, credentials and the rest). Default: the"
          + " in-memory broker.")
  String broker;

  @Option(names = "--broker-mode", paramLabel = "session|shared",
      description = "session: one MQTT session per device, with its own credentials (default);"
          + " shared: a pool of connections carries every device.")
  String brokerMode;

  @Option(names = "--node", paramLabel = "NAME",
      description = "The node name in delivered messages. Default: exproto@127.0.0.1.")
  String node;

  // From --config only (this gateway's own keys, no flag): null when the file does not set them.
  Long maxInboundBytesPerSecond;
  Integer maxInboundMessagesPerSecond;
  Duration drainTimeout;
  Long maxQueuedBytes;

  private Running running;
  private Consumer<Running> onStarted = running -> {};

  StandaloneGateway() {}

  /**
   * Runs the gateway until SIGTERM/SIGINT, then stops it and exits 0; exits 2 on bad flags and 1
   * if a port cannot be bound.
   */
  public static void main(String[] args) {
    // Registered before starting, so that a signal right after the ready line still stops cleanly.
    AtomicReference<Running> started = new AtomicReference<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      Running gateway = started.get();
      if (gateway == null) {
        return; // exiting after bad flags or a bind failure, or stopped while starting
      }
      log.info("stopping");
      gateway.close();
      System.out.flush();
      System.err.flush();
      // A JVM ended by a signal exits with 128 + signal (143, 130) even when every hook succeeds;
      // a clean stop is a success. Nothing else of ours runs in this JVM at this point.
      Runtime.getRuntime().halt(0);
    }, "exproto-shutdown-hook"));
    Launch launch = start(args, System.out, System.err, started::set);
    if (launch.running() == null) {
      System.exit(launch.exitCode());
      return;
    }
    launch.running().awaitStopped();
  }

  /**
   * Parses {@code args} and, unless they ask for help or are wrong, starts the gateway and its
   * adapter server. Usage, help and the ready line go to {@code out}; errors to {@code err}.
   * Never exits the JVM.
   *
   * @return the running gateway, or the exit code to end with: 0 after {@code --help} or
   *     {@code --version}, 2 for bad flags, 1 if a port cannot be bound
   */
  public static Launch start(String[] args, PrintStream out, PrintStream err) {
    return start(args, out, err, running -> {});
  }

  /** As {@link #start(String[], PrintStream, PrintStream)}; tells {@code onStarted} first. */
  static Launch start(String[] args, PrintStream out, PrintStream err,
      Consumer<Running> onStarted) {
    StandaloneGateway command = new StandaloneGateway();
    command.onStarted = onStarted;
    PrintWriter o = new PrintWriter(out, true);
    PrintWriter e = new PrintWriter(err, true);
    CommandLine cli = new CommandLine(command).setOut(o).setErr(e);
    // A mistake is one line and a pointer to --help, so the error does not scroll away under the
    // usage text.
    cli.setParameterExceptionHandler((ex, ignoredArgs) -> {
      ex.getCommandLine().getErr().println("error: " + ex.getMessage());
      ex.getCommandLine().getErr().println("see 'exproto-gateway --help' for the flags");
      return 2;
    });
    int exitCode = cli.execute(args);
    o.flush();
    e.flush();
    return new Launch(exitCode, exitCode == 0 ? command.running : null);
  }

  @Override
  public Integer call() {
    GatewayConfigFile file = null;
    if (config != null) {
      try {
        file = GatewayConfigFile.load(config);
      } catch (IllegalArgumentException ex) {
        // The message names the file (and line, key or path) already.
        throw new ParameterException(spec.commandLine(), ex.getMessage(), ex);
      }
    }
    applyDefaults(file);
    return new GatewayStartup(this, file).run();
  }

  /** Called by the start-up once everything is bound: prints the ready line. */
  void started(Running gateway) {
    running = gateway;
    onStarted.accept(gateway);
    PrintWriter out = spec.commandLine().getOut();
    out.println(gateway.readyLine());
    out.flush();
  }

  /** Flags win; the config file fills what they leave unset; then the built-in defaults. */
  private void applyDefaults(GatewayConfigFile file) {
    if (file != null) {
      adapter = adapter != null ? adapter : file.adapterBind();
      handler = handler != null ? handler : file.handlerAddress();
      handlerService = handlerService != null ? handlerService : file.handlerService();
      handlerTimeout = handlerTimeout != null ? handlerTimeout : file.handlerTimeout();
      mountpoint = mountpoint != null ? mountpoint : file.mountpoint();
      idleTimeout = idleTimeout != null ? idleTimeout : file.idleTimeout();
      node = node != null ? node : file.node();
      maxInboundBytesPerSecond = file.maxInboundBytesPerSecond();
      maxInboundMessagesPerSecond = file.maxInboundMessagesPerSecond();
      drainTimeout = file.drainTimeout();
      maxQueuedBytes = file.maxQueuedBytes();
    }
    if (adapter == null) {
      adapter = HostPort.parse(DEFAULT_ADAPTER);
    }
  }

  /**
   * What {@link #start} did: a gateway now running, or the exit code to end with.
   *
   * @param exitCode 0 if running (or after {@code --help}/{@code --version}), 2 for bad flags,
   *     1 if a port could not be bound
   * @param running the running gateway, or null
   */
  public record Launch(int exitCode, Running running) {}

  /**
   * A gateway started by {@link #start}, with its adapter server. Thread-safe; {@link #close()}
   * may be called more than once and from several threads.
   */
  public static final class Running implements AutoCloseable {
    private final RemoteHandlerGateway gateway;
    private final HttpApiServer httpServer;
    private final MqttBroker bridge; // null: the in-memory broker
    private final String readyLine;
    private final AccessControl accessControl;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    Running(RemoteHandlerGateway gateway, HttpApiServer httpServer, MqttBroker bridge,
        String readyLine, AccessControl accessControl) {
      this.gateway = gateway;
      this.httpServer = httpServer;
      this.bridge = bridge;
      this.readyLine = readyLine;
      this.accessControl = accessControl;
    }

    /** The gateway. */
    public Gateway gateway() {
      return gateway.gateway();
    }

    /** The bound listener addresses by name ({@code tcp}, {@code tcp-2}, ...). */
    public Map<String, InetSocketAddress> listenerAddresses() {
      return gateway.listenerAddresses();
    }

    /** The adapter server's bound address. */
    public InetSocketAddress adapterAddress() {
      return gateway.adapterAddress();
    }

    /** The HTTP API's bound address, or null without {@code --http}. */
    public InetSocketAddress httpAddress() {
      return httpServer == null ? null : httpServer.localAddress();
    }

    /** The line printed once everything was bound. */
    public String readyLine() {
      return readyLine;
    }

    /**
     * Stops the gateway gracefully (its connections get {@code {shutdown,gateway_stopped}} and
     * deliver their last callbacks for up to {@code grace}, then are cut), then the adapter
     * server and the event loops. Returns when everything has stopped.
     */
    public void stop(Duration grace) {
      if (!stopping.compareAndSet(false, true)) {
        awaitStopped();
        return;
      }
      try {
        if (httpServer != null) {
          httpServer.close();
        }
        // The gateway, then the adapter (handlers may call it from their last callbacks), then
        // the threads.
        gateway.stop(grace);
      } finally {
        // Last: devices' last callbacks may still publish through it.
        if (bridge != null) {
          bridge.close();
        }
        accessControl.close();
        stopped.countDown();
      }
    }

    /** {@link #stop(Duration)} with {@link #SHUTDOWN_GRACE}. */
    @Override
    public void close() {
      stop(SHUTDOWN_GRACE);
    }

    /** True once stopped. */
    public boolean isStopped() {
      return stopped.getCount() == 0;
    }

    /** Waits until stopped; true if within {@code timeout}. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
      return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Waits until stopped, however long that takes; keeps the interrupt flag. */
    public void awaitStopped() {
      boolean interrupted = false;
      while (true) {
        try {
          stopped.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
