package io.exproto.broker.mqtt;

import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import io.exproto.broker.Broker;
import io.exproto.broker.BrokerMessage;
import io.exproto.broker.BrokerRefusedException;
import io.exproto.broker.BrokerSession;
import io.exproto.broker.SessionRequest;
import io.exproto.broker.Subscriber;
import io.exproto.broker.mqtt.internal.BridgeConfig;
import io.exproto.broker.mqtt.internal.ClientSettings;
import io.exproto.broker.mqtt.internal.DeviceSession;
import io.exproto.broker.mqtt.internal.Links;
import io.exproto.broker.mqtt.internal.MqttLink;
import io.exproto.broker.mqtt.internal.SharedPool;
import io.exproto.broker.mqtt.internal.Transports;
import io.exproto.tls.TlsSettings;
import io.exproto.tls.internal.TlsChecks;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's {@link Broker} over an external MQTT broker (EMQX, HiveMQ, VerneMQ, Mosquitto...),
 * so that devices' messages reach the rest of the system and several gateway nodes share one
 * broker cluster. Built with {@link #builder()}, started with {@link #start()} before the gateway
 * starts, given to {@code GatewayBuilder.broker(...)}, and closed after the gateway stopped.
 *
 * <pre>{@code
 * MqttBroker broker = MqttBroker.builder()
 *     .server("mqtt://127.0.0.1:1883")
 *     .mode(MqttBridgeMode.SESSION)
 *     .build()
 *     .start();
 * Gateway gw = Gateway.builder().broker(broker)...build().start();
 * }</pre>
 *
 * <p><b>Session mode</b> ({@link MqttBridgeMode#SESSION}, the default): each authenticated device
 * is one MQTT session, opened at Authenticate with the device's client id (after
 * {@link Builder#clientIdPrefix}), user name and password; the broker's CONNACK refusal answers
 * Authenticate with PERMISSION_DENY and the broker's reason. When the broker ends the session the
 * device is closed with {@code {shutdown,discarded}} (the client id connected elsewhere: MQTT 5
 * reason 0x8E) or {@code {shutdown,kicked}} (0x98 administrative action, 0x87 not authorised).
 * RawPublish goes through one connection of the bridge's own, with {@link Builder#credentials}.
 *
 * <p><b>Shared mode</b> ({@link MqttBridgeMode#SHARED}): {@link Builder#poolSize} connections
 * with the bridge's credentials carry every device; one broker subscription per distinct filter,
 * reference-counted and fanned out in the gateway; {@code $share/<group>/<filter>} is passed to
 * the broker as it is, and each message it brings goes to one local member.
 *
 * <p><b>QoS</b>: a qos 1/2 Publish completes after the broker's PUBACK / PUBCOMP; a negative
 * acknowledgement (MQTT 5) fails with a {@link BrokerRefusedException} (PERMISSION_DENY).
 * Deliveries at qos 1/2 are acknowledged to the broker only after the handler's
 * OnReceivedMessages for them returned, so that a failure in between redelivers (to the device's
 * next session, which needs {@link Builder#sessionExpiry} above zero to exist).
 *
 * <p><b>Outages</b>: connections reconnect with exponential backoff (100 ms doubling up to
 * {@link Builder#reconnectMaxDelay}, with jitter) and restore their subscriptions. An outage
 * shorter than {@link Builder#reconnectWindow} closes no device; qos 1/2 publishes wait meanwhile,
 * at most {@link Builder#maxPendingPublishes} per connection and at most
 * {@link Builder#publishTimeout} each; a qos 0 publish fails at once. Past the window, bridged
 * devices are closed with {@code {shutdown,broker_unavailable}}.
 *
 * <p><b>Start</b>: {@link #start()} connects (shared mode: the whole pool; session mode: the
 * bridge's own connection) and throws a clear {@link IOException} if the broker cannot be reached
 * or, in shared mode, refuses the bridge's credentials. A broker that is down at start is an error,
 * not a warning: a gateway that accepted devices it cannot serve would hide a wrong URL, port,
 * certificate or password behind per-device failures, and process supervisors restart a gateway
 * that exits. (Session mode only warns when the broker refuses the bridge's own credentials:
 * devices bring their own; only RawPublish needs the bridge's.)
 *
 * <p>Thread-safe. Never blocks an event loop: every MQTT operation is asynchronous; only
 * {@link #start()} waits, on the caller's thread.
 */
public final class MqttBroker implements Broker, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MqttBroker.class);

  private final BridgeConfig cfg;
  private final Set<DeviceSession> deviceSessions = ConcurrentHashMap.newKeySet();
  private final String instanceId = Long.toHexString(ThreadLocalRandom.current().nextLong()
      | Long.MIN_VALUE).substring(0, 8);
  private final Object lifecycle = new Object();
  private ClientSettings transport;
  private ThreadPoolExecutor networkThreads;
  private SharedPool pool; // shared mode
  private MqttLink own; // session mode: RawPublish
  private volatile boolean started;
  private volatile boolean closed;

  private MqttBroker(BridgeConfig cfg) {
    this.cfg = cfg;
  }

  /** A builder; {@link Builder#server} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Connects to the broker; waits (on the calling thread) at most the connect timeout.
   *
   * @return this
   * @throws IOException naming the broker URL and the cause if the broker cannot be reached, the
   *     TLS handshake fails, or (shared mode) the broker refuses the bridge's credentials
   * @throws IllegalStateException if started twice or closed
   */
  public MqttBroker start() throws IOException {
    synchronized (lifecycle) {
      if (started || closed) {
        throw new IllegalStateException("the MQTT bridge was already started"
            + (closed ? " and closed" : ""));
      }
      started = true;
      // The bridge's own network threads (HiveMQ's event loops run on them), so that closing the
      // bridge releases them; idle ones end after a second.
      AtomicInteger threadNumber = new AtomicInteger();
      networkThreads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 1,
          TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "exproto-mqtt-" + instanceId + "-"
                + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
      transport = new ClientSettings(Transports.build(cfg),
          MqttClientExecutorConfig.builder()
              .nettyExecutor(networkThreads)
              .nettyThreads(Math.max(1, Runtime.getRuntime().availableProcessors()))
              .build());
      CompletionStage<Void> connecting;
      if (cfg.mode() == MqttBridgeMode.SHARED) {
        pool = new SharedPool(cfg, transport, "exproto-" + instanceId);
        connecting = pool.connect();
      } else {
        own = Links.create(cfg, transport, cfg.clientIdPrefix() + "exproto-" + instanceId,
            cfg.username(), cfg.password(), new MqttLink.Events() {
              @Override
              public void onEnded(String reason) {
                log.warn("the broker at {} ended the bridge's own connection ({}); RawPublish"
                    + " now fails", cfg.url(), reason);
              }
            }, false);
        connecting = own.connect();
      }
      try {
        connecting.toCompletableFuture().get(cfg.connectTimeout().toMillis() * 2 + 1000,
            TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof BrokerRefusedException && cfg.mode() == MqttBridgeMode.SESSION) {
          log.warn("the MQTT broker at {} refused the bridge's own connection ({}); devices"
              + " connect with their own credentials, but RawPublish will be refused", cfg.url(),
              cause.getMessage());
        } else {
          closeLinks();
          throw new IOException((cause instanceof BrokerRefusedException
              ? "the MQTT broker at " + cfg.url() + " refused the bridge's connection ("
                  + (cfg.username().isEmpty() ? "no username set" : "username '" + cfg.username()
                  + "'") + "): " : "") + cause.getMessage(), cause);
        }
      } catch (TimeoutException e) {
        closeLinks();
        throw new IOException("cannot connect to the MQTT broker at " + cfg.url() + ": no answer"
            + " within " + cfg.connectTimeout(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        closeLinks();
        throw new IOException("interrupted while connecting to the MQTT broker at " + cfg.url(),
            e);
      }
      log.info("MQTT bridge connected: {}", describe());
      return this;
    }
  }

  /**
   * What the bridge is, for a ready line or a log: for example
   * {@code mqtt://127.0.0.1:1883 (session mode, MQTT 5)}.
   */
  public String describe() {
    return cfg.url() + " (" + cfg.mode().name().toLowerCase(Locale.ROOT) + " mode, MQTT "
        + (cfg.version() == MqttProtocolVersion.V5 ? "5" : "3.1.1")
        + (cfg.mode() == MqttBridgeMode.SHARED ? ", pool of " + cfg.poolSize() : "") + ")";
  }

  /** The mode. */
  public MqttBridgeMode mode() {
    return cfg.mode();
  }

  /** The broker URL as configured. */
  public String server() {
    return cfg.url();
  }

  /** The number of MQTT connections to the broker that are up now (all modes). */
  public int connectionsUp() {
    int n = 0;
    if (pool != null) {
      n += pool.connectionsUp();
    }
    if (own != null && own.isUp()) {
      n++;
    }
    for (DeviceSession s : deviceSessions) {
      if (s.isUp()) {
        n++;
      }
    }
    return n;
  }

  /** The number of open device sessions (session mode: one MQTT connection each). */
  public int sessions() {
    return pool != null ? pool.sessions() : deviceSessions.size();
  }

  /** Shared mode: the number of broker subscriptions held (distinct filters); 0 otherwise. */
  public int brokerSubscriptions() {
    return pool == null ? 0 : pool.brokerSubscriptions();
  }

  @Override
  public CompletionStage<BrokerSession> openSession(SessionRequest request,
      Subscriber subscriber) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(subscriber, "subscriber");
    CompletionStage<Void> ready = requireRunning();
    if (ready != null) {
      return ready.thenApply(v -> null);
    }
    if (pool != null) {
      return pool.openSession(subscriber);
    }
    return DeviceSession.open(cfg, transport, request, subscriber, deviceSessions,
        own.isUp() ? own : null);
  }

  /** RawPublish: through the pool (shared mode) or the bridge's own connection (session mode). */
  @Override
  public CompletionStage<Void> publish(BrokerMessage message) {
    Objects.requireNonNull(message, "message");
    CompletionStage<Void> ready = requireRunning();
    if (ready != null) {
      return ready;
    }
    return pool != null ? pool.publish(message) : own.publish(message);
  }

  /**
   * Shared mode: subscribes {@code subscriber} through the pool. Session mode has no subscription
   * outside a device's session and fails with an {@link IllegalStateException}.
   */
  @Override
  public CompletionStage<Void> subscribe(String filter, int qos, Subscriber subscriber) {
    CompletionStage<Void> ready = requireRunning();
    if (ready != null) {
      return ready;
    }
    if (pool == null) {
      return CompletableFuture.failedFuture(new IllegalStateException("in session mode the MQTT"
          + " bridge subscribes only through a client's session"));
    }
    return pool.subscribe(filter, qos, subscriber);
  }

  @Override
  public CompletionStage<Void> unsubscribe(String filter, Subscriber subscriber) {
    if (pool == null) {
      return CompletableFuture.completedFuture(null);
    }
    return pool.unsubscribe(filter, subscriber);
  }

  private CompletionStage<Void> requireRunning() {
    if (!started || closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("the MQTT bridge to "
          + cfg.url() + (closed ? " is closed" : " is not started; call start() first")));
    }
    return null;
  }

  /**
   * Completes when the qos 1/2 publishes (and subscriptions) waiting for the broker now have been
   * acknowledged or have failed, each at most the publish timeout: RawPublish and, in shared mode,
   * devices' publishes, whose callers may be gone. A device's own session (session mode) is
   * closed with the device, after its callbacks, which wait for their publishes, have finished.
   * The gateway calls it during a graceful shutdown, before this bridge is closed.
   */
  @Override
  public CompletionStage<Void> flush() {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    if (pool != null) {
      all.add(pool.flush().toCompletableFuture());
    }
    if (own != null) {
      all.add(own.flush().toCompletableFuture());
    }
    for (DeviceSession s : deviceSessions) {
      all.add(s.flush().toCompletableFuture());
    }
    return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
  }

  /**
   * Disconnects every connection (device sessions included) and stops reconnecting. Close the
   * gateway first: devices whose session this closes are not told. Idempotent; does not wait.
   */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      closeLinks();
    }
  }

  private void closeLinks() {
    if (pool != null) {
      pool.close();
    }
    if (own != null) {
      own.close();
    }
    for (DeviceSession s : deviceSessions) {
      s.close();
    }
    ThreadPoolExecutor threads = networkThreads;
    if (threads != null) {
      // The event loops end when the client library releases them (after the DISCONNECTs are
      // written); past a bound, they are stopped regardless.
      threads.shutdown();
      Thread reaper = new Thread(() -> {
        try {
          if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
            threads.shutdownNow();
          }
        } catch (InterruptedException e) {
          threads.shutdownNow();
        }
      }, "exproto-mqtt-" + instanceId + "-close");
      reaper.setDaemon(true);
      reaper.start();
    }
  }

  @Override
  public String toString() {
    return "MqttBroker[" + describe() + "]";
  }

  /**
   * Builds {@link MqttBroker}. Defaults follow the gateway's {@code broker {}} configuration
   * block. Not thread-safe.
   */
  public static final class Builder {
    private String server;
    private MqttBridgeMode mode = MqttBridgeMode.SESSION;
    private MqttProtocolVersion version = MqttProtocolVersion.V5;
    private TlsSettings tls;
    private String clientIdPrefix = "";
    private String username = "";
    private String password = "";
    private int poolSize = 8;
    private Duration keepalive = Duration.ofSeconds(60);
    private Duration sessionExpiry = Duration.ZERO;
    private Duration reconnectWindow = Duration.ofSeconds(60);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration publishTimeout = Duration.ofSeconds(30);
    private Duration reconnectMaxDelay = Duration.ofSeconds(10);
    private int maxPendingPublishes = 1024;

    private Builder() {}

    /**
     * The broker: {@code mqtt://HOST:PORT} (TCP, port 1883 when omitted) or
     * {@code mqtts://HOST:PORT} (TLS, port 8883 when omitted; see {@link #tls}). Required.
     * Checked in {@link #build()}.
     */
    public Builder server(String url) {
      this.server = Objects.requireNonNull(url, "url");
      return this;
    }

    /** Session (default) or shared. */
    public Builder mode(MqttBridgeMode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /** MQTT 5 (default) or 3.1.1. */
    public Builder version(MqttProtocolVersion version) {
      this.version = Objects.requireNonNull(version, "version");
      return this;
    }

    /**
     * TLS settings for an {@code mqtts://} server: the client side of {@link TlsSettings}, with
     * the CA certificates to trust instead of the JDK's default trust store, a client certificate
     * to present, and the server name to send (SNI) and verify when it differs from the URL's host
     * (connecting by IP address to a broker known by name, say). The broker's certificate must
     * always match the server name (the URL's host unless set): hostname verification cannot be
     * turned off. Protocols and ciphers cannot be chosen here. Without it, {@code mqtts://} uses
     * the JDK's trust store and no client certificate.
     *
     * @throws IllegalArgumentException if they are server settings, or set protocols or ciphers
     */
    public Builder tls(TlsSettings tls) {
      TlsChecks.requireSide(tls, TlsSettings.Side.CLIENT, "MqttBroker tls");
      TlsChecks.refuseProtocolsAndCiphers(tls, "MqttBroker tls");
      this.tls = tls;
      return this;
    }

    /**
     * Put before every client id the bridge uses at the broker: devices' (session mode) and the
     * bridge's own. Default empty.
     */
    public Builder clientIdPrefix(String prefix) {
      this.clientIdPrefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * The bridge's own credentials: every pool connection's in shared mode, the RawPublish
     * connection's in session mode. Default none. The password is never logged.
     */
    public Builder credentials(String username, String password) {
      this.username = Objects.requireNonNull(username, "username");
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    /** Shared mode: the number of MQTT connections. Default 8; 1 to 256. */
    public Builder poolSize(int poolSize) {
      this.poolSize = poolSize;
      return this;
    }

    /** MQTT keepalive of every connection. Default 60 s; 1 s to 65535 s. */
    public Builder keepalive(Duration keepalive) {
      this.keepalive = Objects.requireNonNull(keepalive, "keepalive");
      return this;
    }

    /**
     * Session expiry asked of the broker. Default 0: the broker forgets a device's session when it
     * disconnects. Above zero, a device that reconnects within it resumes its subscriptions and
     * gets the qos 1/2 messages it had not acknowledged (MQTT 3.1.1: clean session off).
     */
    public Builder sessionExpiry(Duration sessionExpiry) {
      this.sessionExpiry = Objects.requireNonNull(sessionExpiry, "sessionExpiry");
      return this;
    }

    /** How long an outage may last before bridged devices are closed. Default 60 s. */
    public Builder reconnectWindow(Duration window) {
      this.reconnectWindow = Objects.requireNonNull(window, "window");
      return this;
    }

    /** The longest pause between reconnect attempts. Default 10 s. */
    public Builder reconnectMaxDelay(Duration delay) {
      this.reconnectMaxDelay = Objects.requireNonNull(delay, "delay");
      return this;
    }

    /** TCP connect and CONNACK timeout, each. Default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * How long a qos 1/2 publish may wait for the broker's acknowledgement, across an outage
     * included, before it fails with UNKNOWN. Default 30 s (the gateway's default callback
     * deadline).
     */
    public Builder publishTimeout(Duration timeout) {
      this.publishTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Publishes waiting for the broker, per MQTT connection, beyond which a publish fails at once
     * with UNKNOWN (the bound on what an outage can pile up). Default 1024.
     */
    public Builder maxPendingPublishes(int max) {
      this.maxPendingPublishes = max;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the setting and the value
     */
    public MqttBroker build() {
      if (server == null) {
        throw new IllegalArgumentException("MqttBroker server is required, e.g."
            + " mqtt://127.0.0.1:1883");
      }
      URI uri;
      try {
        uri = new URI(server.trim());
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("MqttBroker server '" + server + "' is not a URL: "
            + e.getMessage() + "; expected mqtt://HOST:PORT or mqtts://HOST:PORT");
      }
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equals("mqtt") || scheme.equals("mqtts"))) {
        throw new IllegalArgumentException("MqttBroker server '" + server + "' must start with"
            + " mqtt:// or mqtts://, e.g. mqtt://127.0.0.1:1883");
      }
      String host = uri.getHost();
      if (host == null || host.isEmpty()) {
        throw new IllegalArgumentException("MqttBroker server '" + server + "' has no host;"
            + " expected " + scheme + "://HOST:PORT");
      }
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      if ((uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))
          || uri.getQuery() != null || uri.getUserInfo() != null) {
        throw new IllegalArgumentException("MqttBroker server '" + server + "' must be just "
            + scheme + "://HOST:PORT (no path, query or credentials; use credentials(...))");
      }
      boolean secure = scheme.equals("mqtts");
      int port = uri.getPort() == -1 ? (secure ? 8883 : 1883) : uri.getPort();
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("MqttBroker server '" + server + "' port must be 1 to"
            + " 65535");
      }
      if (tls != null && !secure) {
        throw new IllegalArgumentException("MqttBroker tls is set but server '" + server
            + "' is mqtt://; use mqtts:// for TLS");
      }
      if (poolSize < 1 || poolSize > 256) {
        throw new IllegalArgumentException("MqttBroker poolSize must be 1 to 256, was " + poolSize);
      }
      positive("keepalive", keepalive);
      if (keepalive.toSeconds() < 1 || keepalive.toSeconds() > 65535) {
        throw new IllegalArgumentException("MqttBroker keepalive must be 1 s to 65535 s, was "
            + keepalive);
      }
      if (sessionExpiry.isNegative() || sessionExpiry.toSeconds() > 0xFFFFFFFFL) {
        throw new IllegalArgumentException("MqttBroker sessionExpiry must be 0 to 4294967295 s,"
            + " was " + sessionExpiry);
      }
      positive("reconnectWindow", reconnectWindow);
      positive("reconnectMaxDelay", reconnectMaxDelay);
      positive("connectTimeout", connectTimeout);
      positive("publishTimeout", publishTimeout);
      if (maxPendingPublishes < 1) {
        throw new IllegalArgumentException("MqttBroker maxPendingPublishes must be at least 1, was "
            + maxPendingPublishes);
      }
      String url = scheme + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
      return new MqttBroker(new BridgeConfig(url, host, port,
          secure ? (tls != null ? tls : TlsSettings.client().build()) : null, mode, version,
          clientIdPrefix, username, password, poolSize, keepalive, sessionExpiry,
          reconnectWindow, connectTimeout, publishTimeout, reconnectMaxDelay,
          maxPendingPublishes));
    }

    private static void positive(String name, Duration d) {
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException("MqttBroker " + name + " must be positive, was " + d);
      }
    }
  }
}
