package io.exproto.server;

import static io.exproto.server.ListenerFactory.ifSet;

import io.exproto.broker.mqtt.MqttBroker;
import io.exproto.grpc.HandlerService;
import io.exproto.micrometer.MicrometerMetrics;
import io.exproto.remote.RemoteHandlerGateway;
import io.exproto.remote.RemoteHandlerGateway.InvalidSettingsException;
import io.exproto.server.GatewayConfigFile.ListenerConfig;
import io.exproto.server.StandaloneGateway.Running;
import io.exproto.server.http.ApiKeys;
import io.exproto.server.http.HttpApiServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The standalone gateway's start-up, once its flags are read and the config file's values filled
 * in: checks every setting (a mistake is a usage error, exit 2, before anything is bound), builds
 * the gateway, its listeners, the handler channel and the adapter server as one {@link
 * RemoteHandlerGateway} with the broker and access control, starts the MQTT bridge, binds the
 * adapter and the listeners (a port that cannot be bound, or a broker that cannot be reached, is
 * exit 1), then the HTTP API. Whatever was made is released on every failure. Used once.
 */
final class GatewayStartup {
  private final StandaloneGateway flags;
  private final GatewayConfigFile file; // null: no --config
  private final CommandLine cli;

  GatewayStartup(StandaloneGateway flags, GatewayConfigFile file) {
    this.flags = flags;
    this.file = file;
    this.cli = flags.spec.commandLine();
  }

  /** Where the HTTP API listens and with which keys. */
  private record HttpEndpoint(HostPort bind, InetSocketAddress address, ApiKeys keys) {}

  /**
   * Starts everything and tells {@link StandaloneGateway#started}.
   *
   * @return 0 once running, 1 if a port cannot be bound or the broker cannot be reached
   * @throws ParameterException for a wrong setting
   */
  int run() {
    HttpEndpoint http = httpEndpoint();
    ListenerPlan plan = ListenerPlan.of(flags, file);
    InetSocketAddress adapterBind = CommandLineValues.resolve(cli, "--adapter", flags.adapter);
    if (flags.node != null && flags.node.isBlank()) {
      throw usageError("--node", flags.node, "the node name must not be blank");
    }
    MqttBroker bridge = bridge();
    HandlerService service = HandlerService.CONNECTION_UNARY_HANDLER;
    if (flags.handlerService != null) {
      try {
        service = HandlerService.fromName(flags.handlerService);
      } catch (IllegalArgumentException ex) {
        throw usageError("--handler-service", flags.handlerService, ex.getMessage());
      }
    }
    RemoteHandlerGateway.Builder rb = RemoteHandlerGateway.builder().adapterBind(adapterBind);
    if (flags.handler != null) {
      rb.handlerAddress(flags.handler).handlerService(service);
      if (file != null && file.handlerTls() != null) {
        try {
          rb.handlerTls(SslOptionsSettings.handler(file.handlerTls()));
        } catch (IllegalArgumentException ex) {
          throw usageError("--handler", flags.handler, ex.getMessage());
        }
      }
    }
    ifSet(flags.handlerTimeout, rb::callbackTimeout);
    PrometheusMeterRegistry registry = http == null ? null
        : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ListenerFactory listeners = new ListenerFactory(plan.psk());
    AccessControl access = null;
    RemoteHandlerGateway gateway;
    try {
      access = AccessControl.of(file);
      for (int i = 0; i < plan.listeners().size(); i++) {
        listeners.addTo(rb, plan.listeners().get(i), plan.binds().get(i));
      }
      AccessControl accessControl = access;
      rb.gateway(b -> {
        if (flags.handler == null) {
          b.handler(EchoHandler::new);
        }
        ifSet(flags.mountpoint, b::mountpoint);
        ifSet(flags.idleTimeout, b::idleTimeout);
        ifSet(flags.node, b::nodeName);
        ifSet(flags.maxInboundBytesPerSecond, b::maxInboundBytesPerSecond);
        ifSet(flags.maxInboundMessagesPerSecond, b::maxInboundMessagesPerSecond);
        ifSet(flags.drainTimeout, b::drainTimeout);
        ifSet(flags.maxQueuedBytes, b::maxQueuedBytes);
        ifSet(bridge, b::broker);
        if (registry != null) {
          b.metrics(new MicrometerMetrics(registry));
        }
        accessControl.configure(b);
      });
      if (file != null && file.adapterTls() != null) {
        try {
          rb.adapterTls(SslOptionsSettings.adapter(file.adapterTls()));
        } catch (IllegalArgumentException ex) {
          throw new InvalidAdapterTls(ex);
        }
      }
      gateway = rb.build();
    } catch (RuntimeException ex) {
      // Nothing was started: release what was made (the bridge and access control too, on every
      // refusal), then say what is wrong.
      closeQuietly(bridge);
      if (access != null) {
        access.close();
      }
      throw settingsError(ex);
    }

    PrintWriter err = cli.getErr();
    try {
      if (bridge != null) {
        // Before any port is bound: a broker that cannot be reached is an error at start, not a
        // gateway that accepts devices it cannot serve.
        bridge.start();
      }
      gateway.start(); // the adapter, then the listeners; the message names what cannot bind
    } catch (IOException ex) {
      gateway.close();
      closeQuietly(bridge);
      access.close();
      err.println("error: " + ex.getMessage());
      return 1;
    }

    HttpApiServer httpServer = null;
    if (http != null) {
      HandlerService startService = service;
      StandaloneAdmin admin = new StandaloneAdmin(gateway.gateway(), registry, plan.listeners(),
          l -> listeners.live(gateway, l),
          flags.handler == null ? null : (address, name) -> gateway.newHandler(address,
              name == null ? startService : HandlerService.fromName(name)),
          new HostPort(flags.adapter.host(), gateway.adapterAddress().getPort()).toString(),
          flags.handler, service.serviceName());
      try {
        httpServer = new HttpApiServer(http.address(), http.keys(), admin).start();
      } catch (IOException ex) {
        gateway.stop(Duration.ZERO);
        closeQuietly(bridge);
        access.close();
        err.println("error: " + ex.getMessage());
        return 1;
      }
    }
    if (flags.handler != null) {
      HandlerProbe.warnIfUnreachable(flags.handler, err);
    }
    flags.started(new Running(gateway, httpServer, bridge,
        readyLine(plan.listeners(), gateway, httpServer, http, service, bridge), access));
    return 0;
  }

  /** The adapter's {@code server.ssl_options} refused, for {@link #settingsError}. */
  private static final class InvalidAdapterTls extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidAdapterTls(IllegalArgumentException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /** The usage error (exit 2) for a setting the parts refused while being built. */
  private ParameterException settingsError(RuntimeException ex) {
    if (ex instanceof InvalidSettingsException refused) {
      switch (refused.part()) {
        case HANDLER:
          return usageError("--handler", flags.handler, ex.getMessage());
        case ADAPTER:
          return adapterTlsError(ex);
        default:
          break;
      }
    } else if (ex instanceof InvalidAdapterTls) {
      return adapterTlsError(ex);
    } else if (!(ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
        || ex instanceof UncheckedIOException)) {
      throw ex;
    }
    return new ParameterException(cli, "Invalid settings: " + ex.getMessage(), ex);
  }

  private ParameterException adapterTlsError(RuntimeException ex) {
    return usageError("--config", String.valueOf(flags.config), "server.ssl_options: "
        + ex.getMessage());
  }

  /**
   * The ready line: the host as given (a wildcard reads back as [::] on dual-stack sockets), the
   * port as bound.
   */
  private String readyLine(List<ListenerConfig> specs, RemoteHandlerGateway gateway,
      HttpApiServer httpServer, HttpEndpoint http, HandlerService service, MqttBroker bridge) {
    StringBuilder ready = new StringBuilder("exproto gateway ready:");
    for (ListenerConfig l : specs) {
      int port = gateway.listenerAddresses().get(l.name()).getPort();
      ready.append(' ').append(l.name()).append('=').append(new HostPort(l.bind().host(), port));
    }
    ready.append(" adapter=").append(new HostPort(flags.adapter.host(),
        gateway.adapterAddress().getPort()));
    if (httpServer != null) {
      ready.append(" http=").append(new HostPort(http.bind().host(),
          httpServer.localAddress().getPort()));
    }
    ready.append(" handler=").append(flags.handler != null
        ? flags.handler
            + (service == HandlerService.CONNECTION_HANDLER ? " (ConnectionHandler)" : "")
        : "in-process echo");
    if (bridge != null) {
      ready.append(" broker=").append(bridge.describe());
    }
    return ready.toString();
  }

  /** {@code --http}, else the config file's {@code http} block; null when off. */
  private HttpEndpoint httpEndpoint() {
    HttpSettings httpSettings = null;
    if (flags.config != null) {
      try {
        httpSettings = HttpSettings.load(flags.config);
      } catch (IllegalArgumentException ex) {
        throw usageError("--config", flags.config.toString(), ex.getMessage());
      }
    }
    HostPort httpBind = flags.http != null ? flags.http : httpSettings == null ? null
        : httpSettings.bind() != null ? httpSettings.bind()
        : HostPort.parse(StandaloneGateway.DEFAULT_HTTP);
    if (httpBind == null) {
      return null;
    }
    InetSocketAddress httpAddress = CommandLineValues.resolve(cli, "--http", httpBind);
    ApiKeys apiKeys = ApiKeys.none();
    if (httpSettings != null && httpSettings.apiKeyFile() != null) {
      try {
        apiKeys = ApiKeys.read(httpSettings.apiKeyFile());
      } catch (IllegalArgumentException ex) {
        throw usageError("--config", flags.config.toString(), "http." + ex.getMessage());
      }
    }
    if (apiKeys.isEmpty() && !httpAddress.getAddress().isLoopbackAddress()) {
      throw usageError("--http", httpBind.toString(), "the HTTP API would be reachable from"
          + " other hosts without an API key: set http.api_key.bootstrap_file in --config"
          + " (key:secret lines), or bind it to 127.0.0.1");
    }
    return new HttpEndpoint(httpBind, httpAddress, apiKeys);
  }

  /**
   * The MQTT bridge of {@code --broker} or the file's {@code broker} block, not started; null for
   * the in-memory broker.
   */
  private MqttBroker bridge() {
    String broker = flags.broker;
    String brokerMode = flags.brokerMode;
    try {
      BrokerSettings brokerSettings = (file != null ? file.broker() : BrokerSettings.IN_MEMORY)
          .withFlags(broker, brokerMode);
      return brokerSettings.isMqtt() ? brokerSettings.build() : null;
    } catch (IllegalArgumentException ex) {
      String setting = broker != null ? "--broker" : brokerMode != null ? "--broker-mode"
          : "--config";
      String value = broker != null ? broker : brokerMode != null ? brokerMode
          : String.valueOf(flags.config);
      throw usageError(setting, value, ex.getMessage());
    }
  }

  private static void closeQuietly(MqttBroker bridge) {
    if (bridge != null) {
      bridge.close();
    }
  }

  private ParameterException usageError(String option, String value, String why) {
    return CommandLineValues.usageError(cli, option, value, why);
  }
}
