package io.exproto.examples;

import io.exproto.gateway.Gateway;
import io.exproto.gateway.GatewayBuilder;
import io.exproto.grpc.GrpcAdapterServer;
import io.exproto.grpc.GrpcHandler;
import io.exproto.transport.netty.NettyTransport;
import io.exproto.transport.netty.TcpListener;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The runnable gateway ({@code java -jar exproto-gateway.jar}): TCP listeners, the gRPC
 * ConnectionAdapter server, and either a remote gRPC handler ({@code --handler}) or the built-in
 * in-process {@link EchoHandler}. {@code --help} lists the flags.
 *
 * <p>Once every port is bound it prints one line to stdout, starting with
 * {@code exproto gateway ready}, naming each bound address. SIGTERM or SIGINT stops it gracefully
 * (bounded) and it exits 0. Exit codes: 2 for bad flags, 1 if a port cannot be bound.
 *
 * <p>{@link #main} delegates to {@link #start(String[], PrintStream, PrintStream)}, which tests
 * call to get a {@link Running} handle instead of an exit.
 */
@Command(name = "exproto-gateway", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = StandaloneGateway.Version.class,
    description = {
        "Runs an ExProto gateway: devices connect over TCP, a handler service speaks their"
            + " protocol through the gRPC ConnectionAdapter, messages go through the in-memory"
            + " broker.",
        ""},
    footer = {
        "",
        "Examples:",
        "  exproto-gateway                         echo gateway on tcp://0.0.0.0:7993",
        "  exproto-gateway --handler http://127.0.0.1:9001 --adapter 127.0.0.1:9100",
        "  exproto-gateway --listen tcp://0.0.0.0:7993 --listen tcp://[::]:7994"})
public final class StandaloneGateway implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(StandaloneGateway.class);

  /** The listener address without {@code --listen}. */
  public static final String DEFAULT_LISTEN = "tcp://0.0.0.0:" + TcpListener.DEFAULT_PORT;

  /** How long a stop waits for connections to deliver their last callbacks. */
  public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

  private static final String LISTEN_SCHEME = "tcp://";

  @Spec
  CommandSpec spec;

  @Option(names = "--listen", paramLabel = "tcp://HOST:PORT", converter = ListenConverter.class,
      description = "A TCP listener; repeat for several (named tcp, tcp-2, ...). Port 0 picks a"
          + " free port. Default: " + DEFAULT_LISTEN + ".")
  List<HostPort> listen = new ArrayList<>();

  @Option(names = "--adapter", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
      defaultValue = "0.0.0.0:" + GrpcAdapterServer.DEFAULT_PORT,
      description = "Where to serve the gRPC ConnectionAdapter handlers call"
          + " (default: ${DEFAULT-VALUE}).")
  HostPort adapter;

  @Option(names = "--handler", paramLabel = "URL",
      description = "The handler service (ConnectionUnaryHandler), e.g. http://127.0.0.1:9001."
          + " Default: the built-in in-process echo handler.")
  String handler;

  @Option(names = "--mountpoint", paramLabel = "STR",
      description = "Prefix of every topic devices publish and subscribe to; may use"
          + " $${clientid} and $${username}. Default: none.")
  String mountpoint;

  @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Close connections that send nothing for this long before a keepalive"
          + " is started, e.g. 5s, 500ms, 2m. Default: 30s.")
  Duration idleTimeout;

  @Option(names = "--node", paramLabel = "NAME",
      description = "The node name in delivered messages. Default: exproto@127.0.0.1.")
  String node;

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
    int exitCode = new CommandLine(command).setOut(o).setErr(e).execute(args);
    o.flush();
    e.flush();
    return new Launch(exitCode, exitCode == 0 ? command.running : null);
  }

  @Override
  public Integer call() {
    List<HostPort> binds = listen.isEmpty() ? List.of(parseListen(DEFAULT_LISTEN)) : listen;
    List<InetSocketAddress> listenAddresses = new ArrayList<>();
    for (HostPort hp : binds) {
      listenAddresses.add(resolve("--listen", hp));
    }
    InetSocketAddress adapterBind = resolve("--adapter", adapter);

    if (node != null && node.isBlank()) {
      throw usageError("--node", node, "the node name must not be blank");
    }
    GrpcHandler grpcHandler = null;
    if (handler != null) {
      try {
        grpcHandler = GrpcHandler.unary(handler);
      } catch (IllegalArgumentException ex) {
        throw usageError("--handler", handler, ex.getMessage());
      }
    }
    NettyTransport transport = NettyTransport.create();
    Gateway gateway;
    try {
      gateway = configure(listenAddresses, grpcHandler, transport).build();
    } catch (IllegalArgumentException ex) {
      transport.close();
      if (grpcHandler != null) {
        grpcHandler.close();
      }
      throw new ParameterException(spec.commandLine(), "Invalid settings: " + ex.getMessage(), ex);
    }

    // The adapter first: handlers may call it as soon as the first device is accepted.
    GrpcAdapterServer adapterServer = GrpcAdapterServer.builder(gateway.adapter())
        .bind(adapterBind)
        .build();
    PrintWriter err = spec.commandLine().getErr();
    try {
      adapterServer.start();
    } catch (IOException ex) {
      gateway.shutdownNow(); // not started: only closes the handler
      transport.close();
      err.println("error: adapter cannot bind " + adapter + ": " + rootMessage(ex));
      return 1;
    }
    try {
      gateway.start();
    } catch (IOException ex) {
      adapterServer.shutdownNow();
      transport.close();
      err.println("error: " + ex.getMessage()); // names the listener and its address
      return 1;
    }

    // The host as given (a wildcard reads back as [::] on dual-stack sockets), the port as bound.
    StringBuilder ready = new StringBuilder("exproto gateway ready:");
    for (int i = 0; i < binds.size(); i++) {
      String name = listenerName(i);
      int port = gateway.listenerAddresses().get(name).getPort();
      ready.append(' ').append(name).append('=').append(new HostPort(binds.get(i).host(), port));
    }
    ready.append(" adapter=").append(new HostPort(adapter.host(), adapterServer.port()));
    ready.append(" handler=").append(handler != null ? handler : "in-process echo");
    running = new Running(gateway, adapterServer, transport, ready.toString());
    onStarted.accept(running);
    PrintWriter out = spec.commandLine().getOut();
    out.println(running.readyLine());
    out.flush();
    return 0;
  }

  private GatewayBuilder configure(List<InetSocketAddress> listenAddresses,
      GrpcHandler grpcHandler, NettyTransport transport) {
    GatewayBuilder b = Gateway.builder();
    for (int i = 0; i < listenAddresses.size(); i++) {
      b.listener(TcpListener.builder()
          .name(listenerName(i))
          .bind(listenAddresses.get(i))
          .transport(transport)
          .build());
    }
    if (grpcHandler != null) {
      b.handler(grpcHandler);
    } else {
      b.handler(EchoHandler::new);
    }
    if (mountpoint != null) {
      b.mountpoint(mountpoint);
    }
    if (idleTimeout != null) {
      b.idleTimeout(idleTimeout);
    }
    if (node != null) {
      b.nodeName(node);
    }
    return b;
  }

  private static String listenerName(int index) {
    return index == 0 ? "tcp" : "tcp-" + (index + 1);
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

  static HostPort parseListen(String value) {
    String v = value.trim();
    int scheme = v.indexOf("://");
    if (scheme < 0) {
      throw new TypeConversionException("'" + value + "' is not tcp://HOST:PORT,"
          + " e.g. tcp://0.0.0.0:7993");
    }
    if (!v.regionMatches(true, 0, LISTEN_SCHEME, 0, LISTEN_SCHEME.length())) {
      throw new TypeConversionException("'" + value + "': only tcp:// listeners are supported in"
          + " this version (not " + v.substring(0, scheme + 3) + ")");
    }
    try {
      return HostPort.parse(v.substring(LISTEN_SCHEME.length()));
    } catch (IllegalArgumentException ex) {
      throw new TypeConversionException("'" + value + "' is not tcp://HOST:PORT: "
          + ex.getMessage());
    }
  }

  /** Reads {@code tcp://HOST:PORT}; other schemes are rejected. */
  static final class ListenConverter implements ITypeConverter<HostPort> {
    @Override
    public HostPort convert(String value) {
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

  /** The version from the jar's manifest. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = StandaloneGateway.class.getPackage().getImplementationVersion();
      return new String[] {"exproto-gateway " + (v != null ? v : "(development build)")};
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
    private final String readyLine;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    Running(Gateway gateway, GrpcAdapterServer adapterServer, NettyTransport transport,
        String readyLine) {
      this.gateway = gateway;
      this.adapterServer = adapterServer;
      this.transport = transport;
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
