package io.exproto.server;

import io.exproto.authn.AuthenticationChain;
import io.exproto.authn.AuthenticationChainAdmin;
import io.exproto.authn.Authenticators;
import io.exproto.authz.AuthorizationService;
import io.exproto.broker.mqtt.MqttBroker;
import io.exproto.gateway.Gateway;
import io.exproto.gateway.GatewayBuilder;
import io.exproto.grpc.GrpcAdapterServer;
import io.exproto.grpc.GrpcHandler;
import io.exproto.grpc.HandlerService;
import io.exproto.micrometer.MicrometerMetrics;
import io.exproto.server.GatewayConfigFile.ListenerConfig;
import io.exproto.server.http.ApiKeys;
import io.exproto.server.http.HttpApiServer;
import io.exproto.tls.TlsSettings;
import io.exproto.transport.AccessRules;
import io.exproto.transport.TransportListener;
import io.exproto.transport.dtls.DtlsListener;
import io.exproto.transport.dtls.PskFile;
import io.exproto.transport.internal.PemFiles;
import io.exproto.transport.netty.NettyTransport;
import io.exproto.transport.netty.TcpListener;
import io.exproto.transport.netty.UdpListener;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
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
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
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
    versionProvider = StandaloneGateway.Version.class,
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

  private static final List<String> SCHEMES = List.of("tcp", "ssl", "udp", "dtls");

  /** A {@code --listen} value. */
  record Listen(String scheme, HostPort address) {}

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
  private Long maxInboundBytesPerSecond;
  private Integer maxInboundMessagesPerSecond;
  private Duration drainTimeout;
  private Long maxQueuedBytes;

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
    HttpSettings httpSettings = null;
    if (config != null) {
      try {
        httpSettings = HttpSettings.load(config);
      } catch (IllegalArgumentException ex) {
        throw usageError("--config", config.toString(), ex.getMessage());
      }
    }
    HostPort httpBind = http != null ? http : httpSettings == null ? null
        : httpSettings.bind() != null ? httpSettings.bind() : HostPort.parse(DEFAULT_HTTP);
    InetSocketAddress httpAddress = null;
    ApiKeys apiKeys = ApiKeys.none();
    if (httpBind != null) {
      httpAddress = resolve("--http", httpBind);
      if (httpSettings != null && httpSettings.apiKeyFile() != null) {
        try {
          apiKeys = ApiKeys.read(httpSettings.apiKeyFile());
        } catch (IllegalArgumentException ex) {
          throw usageError("--config", config.toString(), "http." + ex.getMessage());
        }
      }
      if (apiKeys.isEmpty() && !httpAddress.getAddress().isLoopbackAddress()) {
        throw usageError("--http", httpBind.toString(), "the HTTP API would be reachable from"
            + " other hosts without an API key: set http.api_key.bootstrap_file in --config"
            + " (key:secret lines), or bind it to 127.0.0.1");
      }
    }
    List<ListenerConfig> specs = new ArrayList<>();
    if (!listen.isEmpty() || file == null || file.listeners().isEmpty()) {
      List<Listen> given = listen.isEmpty() ? List.of(parseListen(DEFAULT_LISTEN)) : listen;
      Map<String, Integer> perScheme = new HashMap<>();
      for (Listen l : given) {
        int n = perScheme.merge(l.scheme(), 1, Integer::sum);
        specs.add(ListenerConfig.of(l.scheme(), n == 1 ? l.scheme() : l.scheme() + "-" + n,
            l.address()));
      }
    } else {
      specs.addAll(file.listeners());
    }
    refuseTlsFlagsWithoutSecureListener(specs);
    Map<String, byte[]> psk = preSharedKeys(file, specs);
    // --certfile/--keyfile/--cacertfile/--verify apply to every ssl and dtls listener.
    GatewayConfigFile.TlsFiles flagTls = certfile == null && keyfile == null && cacertfile == null
        && !verify ? null
        : GatewayConfigFile.TlsFiles.of(certfile, keyfile, cacertfile, verify, verify);
    for (int i = 0; i < specs.size(); i++) {
      ListenerConfig l = specs.get(i);
      boolean secure = l.type().equals("ssl") || l.type().equals("dtls");
      if (secure && flagTls != null) {
        specs.set(i, l.withTls(flagTls));
      } else if (l.type().equals("dtls") && l.tls() == null && psk == null) {
        throw usageError("--listen", l.type() + "://" + l.bind(), "dtls listeners need"
            + " --certfile and --keyfile, or --pskfile (in --config: dtls_options with certfile"
            + " and keyfile, or psk_authentication); '" + l.name() + "' has neither");
      } else if (l.type().equals("ssl") && l.tls() == null) {
        throw usageError("--listen", l.type() + "://" + l.bind(),
            l.type() + " listeners need --certfile and --keyfile");
      }
    }
    List<InetSocketAddress> listenAddresses = new ArrayList<>();
    for (ListenerConfig l : specs) {
      listenAddresses.add(resolve("--listen", l.bind()));
    }
    InetSocketAddress adapterBind = resolve("--adapter", adapter);

    if (node != null && node.isBlank()) {
      throw usageError("--node", node, "the node name must not be blank");
    }
    MqttBroker bridge = null;
    BrokerSettings brokerSettings;
    try {
      brokerSettings = (file != null ? file.broker() : BrokerSettings.IN_MEMORY)
          .withFlags(broker, brokerMode);
      if (brokerSettings.isMqtt()) {
        bridge = brokerSettings.build();
      }
    } catch (IllegalArgumentException ex) {
      String setting = broker != null ? "--broker" : brokerMode != null ? "--broker-mode"
          : "--config";
      String value = broker != null ? broker : brokerMode != null ? brokerMode
          : String.valueOf(config);
      throw usageError(setting, value, ex.getMessage());
    }
    GrpcHandler grpcHandler = null;
    HandlerService service = HandlerService.CONNECTION_UNARY_HANDLER;
    if (handlerService != null) {
      try {
        service = HandlerService.fromName(handlerService);
      } catch (IllegalArgumentException ex) {
        throw usageError("--handler-service", handlerService, ex.getMessage());
      }
    }
    // One set of threads for devices, the handler channel and the adapter server: a callback or
    // an adapter call then often stays on its connection's thread.
    NettyTransport transport = NettyTransport.create();
    if (handler != null) {
      try {
        GrpcHandler.Builder hb = GrpcHandler.builder().address(handler).service(service)
            .eventLoopGroup(transport.workerGroup(), transport.socketChannelType());
        ifSet(handlerTimeout, hb::callbackTimeout);
        if (file != null && file.handlerTls() != null) {
          hb.tls(handlerTls(file.handlerTls()));
        }
        grpcHandler = hb.build();
      } catch (IllegalArgumentException | IllegalStateException ex) {
        transport.close();
        throw usageError("--handler", handler, ex.getMessage());
      }
    }
    PrintWriter err = spec.commandLine().getErr();
    if (bridge != null) {
      // Before any port is bound: a broker that cannot be reached is an error at start, not a
      // gateway that accepts devices it cannot serve.
      try {
        bridge.start();
      } catch (IOException ex) {
        transport.close();
        if (grpcHandler != null) {
          grpcHandler.close();
        }
        err.println("error: " + ex.getMessage());
        return 1;
      }
    }
    Gateway gateway;
    PrometheusMeterRegistry registry = httpBind == null ? null
        : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try {
      GatewayBuilder gb = configure(specs, listenAddresses, psk, grpcHandler, transport);
      if (registry != null) {
        gb.metrics(new MicrometerMetrics(registry));
      }
      if (bridge != null) {
        gb.broker(bridge);
      }
      accessControl(gb, file);
      gateway = gb.build();
    } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException ex) {
      transport.close();
      if (grpcHandler != null) {
        grpcHandler.close();
      }
      if (bridge != null) {
        bridge.close();
      }
      closeAccessControl();
      throw new ParameterException(spec.commandLine(), "Invalid settings: " + ex.getMessage(), ex);
    }

    // The adapter first: handlers may call it as soon as the first device is accepted.
    GrpcAdapterServer.Builder ab = GrpcAdapterServer.builder(gateway.adapter()).bind(adapterBind)
        .eventLoopGroups(transport.acceptorGroup(), transport.workerGroup(),
            transport.serverChannelType());
    GrpcAdapterServer adapterServer;
    try {
      if (file != null && file.adapterTls() != null) {
        ab.tls(adapterTls(file.adapterTls()));
      }
      adapterServer = ab.build();
    } catch (IllegalArgumentException | IllegalStateException ex) {
      gateway.shutdownNow();
      transport.close();
      throw usageError("--config", config.toString(), "server.ssl_options: " + ex.getMessage());
    }
    try {
      adapterServer.start();
    } catch (IOException ex) {
      gateway.shutdownNow(); // not started: only closes the handler
      transport.close();
      closeQuietly(bridge);
      closeAccessControl();
      err.println("error: adapter cannot bind " + adapter + ": " + rootMessage(ex));
      return 1;
    }
    try {
      gateway.start();
    } catch (IOException ex) {
      adapterServer.shutdownNow();
      transport.close();
      closeQuietly(bridge);
      closeAccessControl();
      err.println("error: " + ex.getMessage()); // names the listener and its address
      return 1;
    }

    HttpApiServer httpServer = null;
    if (httpBind != null) {
      final HandlerService startService = service;
      final GatewayConfigFile startFile = file;
      StandaloneAdmin admin = new StandaloneAdmin(gateway, registry, specs,
          l -> buildListener(l, l.bind().resolve(), psk, transport),
          handler == null ? null : (address, name) -> remoteHandler(address,
              name == null ? startService : HandlerService.fromName(name), startFile, transport),
          new HostPort(adapter.host(), adapterServer.port()).toString(), handler,
          service.serviceName());
      try {
        httpServer = new HttpApiServer(httpAddress, apiKeys, admin).start();
      } catch (IOException ex) {
        gateway.shutdownNow();
        adapterServer.shutdownNow();
        transport.close();
        closeQuietly(bridge);
        closeAccessControl();
        err.println("error: " + ex.getMessage());
        return 1;
      }
    }
    if (handler != null) {
      warnIfUnreachable(handler, err);
    }

    // The host as given (a wildcard reads back as [::] on dual-stack sockets), the port as bound.
    StringBuilder ready = new StringBuilder("exproto gateway ready:");
    for (ListenerConfig l : specs) {
      int port = gateway.listenerAddresses().get(l.name()).getPort();
      ready.append(' ').append(l.name()).append('=').append(new HostPort(l.bind().host(), port));
    }
    ready.append(" adapter=").append(new HostPort(adapter.host(), adapterServer.port()));
    if (httpServer != null) {
      ready.append(" http=").append(new HostPort(httpBind.host(),
          httpServer.localAddress().getPort()));
    }
    ready.append(" handler=").append(handler != null
        ? handler + (service == HandlerService.CONNECTION_HANDLER ? " (ConnectionHandler)" : "")
        : "in-process echo");
    if (bridge != null) {
      ready.append(" broker=").append(bridge.describe());
    }
    running = new Running(gateway, adapterServer, transport, httpServer, bridge,
        ready.toString(), this::closeAccessControl);
    onStarted.accept(running);
    PrintWriter out = spec.commandLine().getOut();
    out.println(running.readyLine());
    out.flush();
    return 0;
  }

  private static void closeQuietly(MqttBroker bridge) {
    if (bridge != null) {
      bridge.close();
    }
  }

  /**
   * {@code --certfile}, {@code --keyfile}, {@code --cacertfile} and {@code --verify} configure
   * ssl and dtls listeners only: given with none, they would be silently ignored and the gateway
   * would run in plaintext.
   */
  private void refuseTlsFlagsWithoutSecureListener(List<ListenerConfig> specs) {
    if (specs.stream().anyMatch(l -> l.type().equals("ssl") || l.type().equals("dtls"))) {
      return;
    }
    String flag = certfile != null ? "--certfile" : keyfile != null ? "--keyfile"
        : cacertfile != null ? "--cacertfile" : verify ? "--verify" : null;
    if (flag != null) {
      throw new ParameterException(spec.commandLine(), flag + " applies to ssl:// and dtls://"
          + " listeners, and there is none (listeners: " + String.join(", ",
              specs.stream().map(l -> l.type() + "://" + l.bind()).toList())
          + "); add one, e.g. --listen ssl://0.0.0.0:7994");
    }
  }

  /** How long the start-up check waits for the handler to accept a connection. */
  static final Duration HANDLER_CHECK_TIMEOUT = Duration.ofSeconds(2);

  /**
   * Connects to the handler's address once: a handler that is not there is the commonest
   * mistake, and without this check the gateway would print ready and then close every device.
   * Only a warning: the handler may well start after the gateway.
   */
  static void warnIfUnreachable(String handlerUrl, PrintWriter err) {
    URI uri;
    try {
      uri = URI.create(handlerUrl);
    } catch (IllegalArgumentException ex) {
      return; // GrpcHandler accepted it; nothing to check
    }
    if (uri.getHost() == null) {
      return;
    }
    int port = uri.getPort() >= 0 ? uri.getPort()
        : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    try (Socket probe = new Socket()) {
      probe.connect(new InetSocketAddress(uri.getHost(), port),
          (int) HANDLER_CHECK_TIMEOUT.toMillis());
    } catch (IOException ex) {
      err.println("warning: handler " + handlerUrl + " is not reachable ("
          + (ex.getMessage() != null ? ex.getMessage() : ex.toString())
          + "); until it is, each device is closed with"
          + " {shutdown,{error,{on_socket_created,unavailable}}}");
      err.flush();
    }
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

  private static TlsSettings handlerTls(GatewayConfigFile.TlsFiles f) {
    TlsSettings.ClientBuilder b = TlsSettings.client();
    ifSet(f.cacertfile(), b::trustCertificates);
    if (f.certfile() != null || f.keyfile() != null) {
      if (f.certfile() == null || f.keyfile() == null) {
        throw new IllegalArgumentException("handler.ssl_options needs both certfile and keyfile"
            + " for a client certificate");
      }
      b.certificate(f.certfile(), f.keyfile());
    }
    ifSet(f.serverNameIndication(), b::serverName);
    return b.build();
  }

  /** An ssl listener's settings; its handshake_timeout goes on the listener. */
  private static TlsSettings serverTls(GatewayConfigFile.TlsFiles f) {
    if (f.certfile() == null || f.keyfile() == null) {
      throw new IllegalArgumentException("ssl listeners need certfile and keyfile");
    }
    TlsSettings.ServerBuilder b = TlsSettings.server().certificate(f.certfile(), f.keyfile());
    ifSet(f.cacertfile(), b::trustCertificates);
    if (f.versions() != null) {
      b.protocols(f.versions().toArray(String[]::new));
    }
    ifSet(f.ciphers(), b::ciphers);
    return b.clientAuth(clientAuth(f, true)).build();
  }

  /**
   * EMQX's {@code verify} and {@code fail_if_no_peer_cert} as a {@link TlsSettings.ClientAuth}.
   *
   * @param strict refuse {@code fail_if_no_peer_cert = true} without {@code verify_peer}, as the
   *     listeners do; else it is ignored, as the adapter server does
   */
  private static TlsSettings.ClientAuth clientAuth(GatewayConfigFile.TlsFiles f, boolean strict) {
    if (strict && f.failIfNoPeerCert() && !f.verifyPeer()) {
      throw new IllegalArgumentException("fail_if_no_peer_cert = true needs verify = verify_peer:"
          + " a client certificate is only asked for when it is verified");
    }
    return !f.verifyPeer() ? TlsSettings.ClientAuth.NONE
        : f.failIfNoPeerCert() ? TlsSettings.ClientAuth.REQUIRE : TlsSettings.ClientAuth.OPTIONAL;
  }

  /**
   * A dtls listener with a certificate (certfile and keyfile), the pre-shared keys, or both.
   *
   * @param psk the keys of {@code --pskfile} or {@code psk_authentication}, or null
   */
  private static DtlsListener dtlsListener(ListenerConfig l, InetSocketAddress bind,
      Map<String, byte[]> psk, Boolean enableAuthn) {
    GatewayConfigFile.TlsFiles f = l.tls() != null ? l.tls()
        : GatewayConfigFile.TlsFiles.of(null, null, null, false, false);
    DtlsListener.Builder b = DtlsListener.builder().name(l.name()).bind(bind);
    ifSet(enableAuthn, b::enableAuthn);
    if (f.certfile() != null || f.keyfile() != null) {
      if (f.certfile() == null || f.keyfile() == null) {
        throw new IllegalArgumentException("dtls listener '" + l.name() + "' needs both"
            + " certfile and keyfile for a certificate");
      }
      TlsSettings.ServerBuilder t = TlsSettings.server().certificate(f.certfile(), f.keyfile());
      ifSet(f.cacertfile(), t::trustCertificates);
      b.tls(t.clientAuth(clientAuth(f, true)).build());
    } else if (psk == null) {
      throw new IllegalArgumentException("dtls listener '" + l.name() + "' needs certfile and"
          + " keyfile, or pre-shared keys");
    } else {
      if (clientAuth(f, true) != TlsSettings.ClientAuth.NONE) {
        throw new IllegalArgumentException("dtls listener '" + l.name() + "': verify ="
            + " verify_peer needs certfile and keyfile: client certificates are only asked for"
            + " in certificate handshakes");
      }
      if (f.cacertfile() != null) { // checked as ever, though only certificates would use it
        PemFiles.certificates("cacertfile", f.cacertfile());
      }
    }
    ifSet(psk, b::psk);
    ifSet(l.maxConnections(), b::maxConnections);
    ifSet(l.maxConnRate(), b::maxConnRate);
    if (l.accessRules() != null) {
      b.accessRules(AccessRules.parse(l.accessRules()));
    }
    if (l.udpOptions() != null) { // reuseaddr: Scandium's own
      ifSet(l.udpOptions().sndbuf(), b::sendBuffer);
      ifSet(l.udpOptions().recbuf(), b::recvBuffer);
    }
    return b.build();
  }

  /**
   * The pre-shared keys of dtls listeners: {@code --pskfile} if given, else the config file's
   * {@code psk_authentication.init_file} if enabled, else null. The separator is the config
   * file's {@code psk_authentication.separator} (even with {@code enable = false}), {@code :} by
   * default.
   */
  private Map<String, byte[]> preSharedKeys(GatewayConfigFile file, List<ListenerConfig> specs) {
    GatewayConfigFile.PskAuthentication fromFile = file != null ? file.psk() : null;
    String separator = fromFile != null ? fromFile.separator() : PskFile.DEFAULT_SEPARATOR;
    if (pskfile != null) {
      if (specs.stream().noneMatch(l -> l.type().equals("dtls"))) {
        throw usageError("--pskfile", pskfile.toString(),
            "no dtls listener: pre-shared keys are for dtls:// listeners only");
      }
      try {
        return PskFile.read(pskfile, separator);
      } catch (IllegalArgumentException ex) {
        throw usageError("--pskfile", pskfile.toString(), ex.getMessage());
      }
    }
    if (fromFile == null || !fromFile.enable()) {
      return null;
    }
    try {
      return PskFile.read(fromFile.initFile(), separator);
    } catch (IllegalArgumentException ex) {
      throw usageError("--config", config.toString(), "psk_authentication.init_file: "
          + ex.getMessage());
    }
  }

  private static TlsSettings adapterTls(GatewayConfigFile.TlsFiles f) {
    if (f.certfile() == null || f.keyfile() == null) {
      throw new IllegalArgumentException("certfile and keyfile are required");
    }
    TlsSettings.ServerBuilder b = TlsSettings.server().certificate(f.certfile(), f.keyfile());
    ifSet(f.cacertfile(), b::trustCertificates);
    b.clientAuth(clientAuth(f, false));
    return b.build();
  }

  private AuthenticationChain authentication;
  private AuthenticationChainAdmin authenticationAdmin;
  private AuthorizationService authorization;

  /**
   * EMQX's {@code gateway.exproto.authentication} and top-level {@code authorization} from the
   * config file, if any. Relative paths (ACL files, the built-in database under {@code data/})
   * are resolved against the working directory, as EMQX resolves its {@code etc/} and
   * {@code data/}.
   *
   * <p>The authenticator is always a chain, empty without {@code authentication} (an empty chain
   * allows everyone, as no authenticator does), with an {@link
   * io.exproto.authn.AuthenticationChainAdmin} over it, so that the HTTP API can create, change
   * and delete the authenticator and its built-in users at runtime.
   */
  private void accessControl(GatewayBuilder b, GatewayConfigFile file) {
    Path cwd = Path.of("").toAbsolutePath();
    Path dataDir = cwd.resolve("data");
    Object authn = file == null ? null : file.authentication();
    authentication = authn == null ? new AuthenticationChain()
        : Authenticators.chain(authn, "gateway.exproto.authentication", dataDir);
    authenticationAdmin = new AuthenticationChainAdmin(authentication, dataDir,
        authenticationBlocks(authn));
    b.authenticator(authentication);
    b.authenticationAdmin(authenticationAdmin);
    if (file != null && file.authorization() != null) {
      authorization = AuthorizationService.fromConfig(file.authorization(), "authorization", cwd);
      b.authorizer(authorization);
    }
  }

  /** {@code authentication} (one object or a list) as the list of its objects. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> authenticationBlocks(Object authn) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : authn instanceof List<?> l ? l : authn == null ? List.of() : List.of(authn)) {
      if (o instanceof Map<?, ?> m) {
        out.add((Map<String, Object>) m);
      }
    }
    return out;
  }

  private void closeAccessControl() {
    if (authenticationAdmin != null) {
      authenticationAdmin.close(); // lets a user write in progress finish
    }
    if (authentication != null) {
      authentication.close();
    }
    if (authorization != null) {
      authorization.close();
    }
  }

  private GatewayBuilder configure(List<ListenerConfig> specs,
      List<InetSocketAddress> listenAddresses, Map<String, byte[]> psk, GrpcHandler grpcHandler,
      NettyTransport transport) {
    GatewayBuilder b = Gateway.builder();
    for (int i = 0; i < specs.size(); i++) {
      b.listener(buildListener(specs.get(i), listenAddresses.get(i), psk, transport));
    }
    ifSet(handlerTimeout, b::callbackTimeout);
    if (grpcHandler != null) {
      b.handler(grpcHandler);
    } else {
      b.handler(EchoHandler::new);
    }
    ifSet(mountpoint, b::mountpoint);
    ifSet(idleTimeout, b::idleTimeout);
    ifSet(node, b::nodeName);
    ifSet(maxInboundBytesPerSecond, b::maxInboundBytesPerSecond);
    ifSet(maxInboundMessagesPerSecond, b::maxInboundMessagesPerSecond);
    ifSet(drainTimeout, b::drainTimeout);
    ifSet(maxQueuedBytes, b::maxQueuedBytes);
    return b;
  }

  /** The transport listener of one listener configuration (also for listeners added live). */
  private static TransportListener buildListener(ListenerConfig l, InetSocketAddress bind,
      Map<String, byte[]> psk, NettyTransport transport) {
    if (l.type().equals("dtls")) {
      return dtlsListener(l, bind, psk, l.enableAuthn());
    }
    if (l.type().equals("udp")) {
      UdpListener.Builder ub = UdpListener.builder().name(l.name()).bind(bind)
          .transport(transport);
      ifSet(l.maxConnections(), ub::maxConnections);
      ifSet(l.maxConnRate(), ub::maxConnRate);
      if (l.accessRules() != null) {
        ub.accessRules(AccessRules.parse(l.accessRules()));
      }
      if (l.udpOptions() != null) {
        ifSet(l.udpOptions().reuseaddr(), ub::reuseaddr);
        ifSet(l.udpOptions().sndbuf(), ub::sendBuffer);
        ifSet(l.udpOptions().recbuf(), ub::recvBuffer);
      }
      ifSet(l.enableAuthn(), ub::enableAuthn);
      if (l.healthCheck() != null) {
        ub.healthCheck(l.healthCheck().request().getBytes(StandardCharsets.UTF_8),
            l.healthCheck().reply().getBytes(StandardCharsets.UTF_8));
      }
      return ub.build();
    }
    TcpListener.Builder lb = TcpListener.builder().name(l.name()).bind(bind)
        .transport(transport);
    ifSet(l.maxConnections(), lb::maxConnections);
    ifSet(l.maxConnRate(), lb::maxConnRate);
    if (l.accessRules() != null) {
      lb.accessRules(AccessRules.parse(l.accessRules()));
    }
    ifSet(l.proxyProtocol(), lb::proxyProtocol);
    ifSet(l.proxyProtocolTimeout(), lb::proxyProtocolTimeout);
    if (l.tcpOptions() != null) {
      tcpOptions(lb, l.tcpOptions());
    }
    ifSet(l.framing(), lb::framing);
    ifSet(l.enableAuthn(), lb::enableAuthn);
    if (l.type().equals("ssl")) {
      lb.tls(serverTls(l.tls()));
      ifSet(l.tls().handshakeTimeout(), lb::tlsHandshakeTimeout);
    }
    return lb.build();
  }

  /** A gRPC handler at {@code address}, for a handler change over the management API. */
  private GrpcHandler remoteHandler(String address, HandlerService service,
      GatewayConfigFile file, NettyTransport transport) {
    GrpcHandler.Builder hb = GrpcHandler.builder().address(address).service(service)
        .eventLoopGroup(transport.workerGroup(), transport.socketChannelType());
    ifSet(handlerTimeout, hb::callbackTimeout);
    if (file != null && file.handlerTls() != null) {
      hb.tls(handlerTls(file.handlerTls()));
    }
    return hb.build();
  }

  private static void tcpOptions(TcpListener.Builder b, GatewayConfigFile.TcpOptions o) {
    ifSet(o.nodelay(), b::nodelay);
    ifSet(o.reuseaddr(), b::reuseaddr);
    ifSet(o.sndbuf(), b::sendBuffer);
    ifSet(o.recbuf(), b::recvBuffer);
    ifSet(o.backlog(), b::backlog);
    ifSet(o.sendTimeout(), b::sendTimeout);
    ifSet(o.maxPendingOutboundBytes(), b::maxPendingOutboundBytes);
  }

  /** Calls {@code setter} with {@code value} if it is set: flags and file leave unset as null. */
  private static <T> void ifSet(T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }

  private InetSocketAddress resolve(String option, HostPort hp) {
    try {
      return hp.resolve();
    } catch (IllegalArgumentException ex) {
      throw usageError(option, hp.toString(), ex.getMessage());
    }
  }

  private ParameterException usageError(String option, String value, String why) {
    return new ParameterException(spec.commandLine(),
        "Invalid value for option '" + option + "' ('" + value + "'): " + why);
  }

  private static String rootMessage(Throwable t) {
    // gRPC wraps the BindException ("Address already in use") in "Failed to bind to address ...".
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getMessage() != null ? c.getMessage() : c.toString();
  }

  static Listen parseListen(String value) {
    String v = value.trim();
    int at = v.indexOf("://");
    if (at < 0) {
      throw new TypeConversionException("'" + value + "' is not tcp://HOST:PORT or"
          + " udp://HOST:PORT, e.g. tcp://0.0.0.0:7993");
    }
    String scheme = v.substring(0, at).toLowerCase(Locale.ROOT);
    if (!SCHEMES.contains(scheme)) {
      throw new TypeConversionException("'" + value + "': listeners are tcp://, ssl://, udp://"
          + " or dtls:// (not " + v.substring(0, at + 3) + ")");
    }
    try {
      return new Listen(scheme, HostPort.parse(v.substring(at + 3)));
    } catch (IllegalArgumentException ex) {
      throw new TypeConversionException("'" + value + "' is not " + scheme + "://HOST:PORT: "
          + ex.getMessage());
    }
  }

  /** Reads {@code tcp://HOST:PORT} or {@code udp://HOST:PORT}; other schemes are rejected. */
  static final class ListenConverter implements ITypeConverter<Listen> {
    @Override
    public Listen convert(String value) {
      return parseListen(value);
    }
  }

  /** Reads {@code HOST:PORT}. */
  static final class HostPortConverter implements ITypeConverter<HostPort> {
    @Override
    public HostPort convert(String value) {
      try {
        return HostPort.parse(value);
      } catch (IllegalArgumentException ex) {
        throw new TypeConversionException(ex.getMessage());
      }
    }
  }

  /** The library's version ({@link Gateway#version()}), and the Java running it. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"exproto-gateway " + Gateway.version(),
          "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor")
              + ")"};
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
    private final Gateway gateway;
    private final GrpcAdapterServer adapterServer;
    private final NettyTransport transport;
    private final HttpApiServer httpServer;
    private final MqttBroker bridge; // null: the in-memory broker
    private final String readyLine;
    private final Runnable closeAccessControl;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    Running(Gateway gateway, GrpcAdapterServer adapterServer, NettyTransport transport,
        HttpApiServer httpServer, MqttBroker bridge, String readyLine,
        Runnable closeAccessControl) {
      this.closeAccessControl = closeAccessControl;
      this.gateway = gateway;
      this.adapterServer = adapterServer;
      this.transport = transport;
      this.httpServer = httpServer;
      this.bridge = bridge;
      this.readyLine = readyLine;
    }

    /** The gateway. */
    public Gateway gateway() {
      return gateway;
    }

    /** The bound listener addresses by name ({@code tcp}, {@code tcp-2}, ...). */
    public Map<String, InetSocketAddress> listenerAddresses() {
      return gateway.listenerAddresses();
    }

    /** The adapter server's bound address. */
    public InetSocketAddress adapterAddress() {
      return adapterServer.localAddress();
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
        gateway.shutdown();
        if (!gateway.awaitTermination(grace)) {
          log.warn("connections still closing after {}; cutting them", grace);
          gateway.shutdownNow();
          gateway.awaitTermination(Duration.ofSeconds(5));
        }
      } catch (InterruptedException e) {
        gateway.shutdownNow();
        Thread.currentThread().interrupt();
      } finally {
        // After the gateway: handlers may still call the adapter from their last callbacks.
        adapterServer.close();
        transport.close();
        // Last: devices' last callbacks may still publish through it.
        closeQuietly(bridge);
        closeAccessControl.run();
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
