package io.exproto.server;

import com.typesafe.config.Config;
import io.exproto.broker.mqtt.MqttBridgeMode;
import io.exproto.broker.mqtt.MqttBroker;
import io.exproto.broker.mqtt.MqttProtocolVersion;
import io.exproto.tls.TlsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code broker { ... }} block of the configuration file (beside {@code listeners}), merged
 * with the {@code --broker} and {@code --broker-mode} flags: which broker the gateway uses.
 * {@code type = in_memory} (the default) keeps every message in this process; {@code type = mqtt}
 * bridges to an external MQTT broker through {@link MqttBroker}.
 *
 * <pre>
 * broker {
 *   type = mqtt
 *   server = "mqtt://127.0.0.1:1883"     # mqtts:// = TLS with ssl_options
 *   mode = session                       # or shared
 *   version = 5                          # or "3.1.1"
 *   clientid_prefix = ""
 *   username = "bridge", password = "secret"   # shared mode, and RawPublish
 *   pool_size = 8
 *   keepalive = 60s
 *   session_expiry = 0s
 *   reconnect_window = 60s
 *   connect_timeout = 10s
 *   ssl_options { cacertfile = ca.pem, certfile = client.pem, keyfile = client.key,
 *                 server_name_indication = broker.example.com }
 * }
 * </pre>
 *
 * @param type {@code in_memory} or {@code mqtt}
 * @param server the broker URL; null for in_memory
 * @param settingName what to name in errors about {@code server}: {@code --broker} or the path
 */
record BrokerSettings(String type, String server, String settingName, MqttBridgeMode mode,
    MqttProtocolVersion version, String clientIdPrefix, String username, String password,
    Integer poolSize, Duration keepalive, Duration sessionExpiry, Duration reconnectWindow,
    Duration connectTimeout, Path cacertfile, Path certfile, Path keyfile, String serverName) {

  static final Set<String> KEYS = Set.of("type", "server", "mode", "version", "clientid_prefix",
      "username", "password", "pool_size", "keepalive", "session_expiry", "reconnect_window",
      "connect_timeout", "ssl_options");
  private static final Set<String> SSL_KEYS = Set.of("cacertfile", "certfile", "keyfile",
      "server_name_indication");

  /** Nothing configured: the in-memory broker. */
  static final BrokerSettings IN_MEMORY = new BrokerSettings("in_memory", null, null, null, null,
      null, null, null, null, null, null, null, null, null, null, null, null);

  boolean isMqtt() {
    return "mqtt".equals(type);
  }

  /** Reads the block; {@code at} is its path with a trailing dot, for errors. */
  static BrokerSettings read(Config b, String at) {
    onlyKnown(b, KEYS, at);
    String type = b.hasPath("type") ? b.getString("type").toLowerCase(Locale.ROOT) : null;
    String server = b.hasPath("server") ? b.getString("server") : null;
    if (type == null && server != null) {
      type = "mqtt";
    }
    // Settings without type or server: the server may come from --broker (checked in withFlags).
    if (type != null && !type.equals("mqtt") && !type.equals("in_memory")) {
      throw new IllegalArgumentException(at + "type must be in_memory or mqtt, was " + type);
    }
    if ("mqtt".equals(type) && server == null) {
      throw new IllegalArgumentException(at + "server is required with type = mqtt, e.g."
          + " \"mqtt://127.0.0.1:1883\"");
    }
    if (type == null && b.root().isEmpty()) {
      type = "in_memory";
    }
    if ("in_memory".equals(type) && b.root().keySet().stream().anyMatch(k -> !k.equals("type"))) {
      throw new IllegalArgumentException(at + "type = in_memory takes no other settings; set"
          + " type = mqtt to bridge to a broker");
    }
    Path ca = null;
    Path cert = null;
    Path key = null;
    String sni = null;
    if (b.hasPath("ssl_options")) {
      Config s = b.getConfig("ssl_options");
      onlyKnown(s, SSL_KEYS, at + "ssl_options.");
      ca = s.hasPath("cacertfile") ? Path.of(s.getString("cacertfile")) : null;
      cert = s.hasPath("certfile") ? Path.of(s.getString("certfile")) : null;
      key = s.hasPath("keyfile") ? Path.of(s.getString("keyfile")) : null;
      sni = s.hasPath("server_name_indication") ? s.getString("server_name_indication") : null;
      if ((cert == null) != (key == null)) {
        throw new IllegalArgumentException(at + "ssl_options: certfile and keyfile go together");
      }
    }
    return new BrokerSettings(type, server, at + "server",
        b.hasPath("mode") ? mode(b.getString("mode"), at + "mode") : null,
        b.hasPath("version") ? version(b.getValue("version").unwrapped().toString(),
            at + "version") : null,
        b.hasPath("clientid_prefix") ? b.getString("clientid_prefix") : null,
        b.hasPath("username") ? b.getString("username") : null,
        b.hasPath("password") ? b.getString("password") : null,
        b.hasPath("pool_size") ? b.getInt("pool_size") : null,
        b.hasPath("keepalive") ? b.getDuration("keepalive") : null,
        b.hasPath("session_expiry") ? b.getDuration("session_expiry") : null,
        b.hasPath("reconnect_window") ? b.getDuration("reconnect_window") : null,
        b.hasPath("connect_timeout") ? b.getDuration("connect_timeout") : null,
        ca, cert, key, sni);
  }

  /** The flags over the file: {@code --broker} sets the server (and type mqtt). */
  BrokerSettings withFlags(String brokerFlag, String modeFlag) {
    BrokerSettings s = this;
    if (type == null && brokerFlag == null) {
      throw new IllegalArgumentException(settingName + " is required (or the --broker flag):"
          + " the broker block has settings but no broker to bridge to");
    }
    if (brokerFlag != null) {
      s = new BrokerSettings("mqtt", brokerFlag, "--broker", mode, version, clientIdPrefix,
          username, password, poolSize, keepalive, sessionExpiry, reconnectWindow,
          connectTimeout, cacertfile, certfile, keyfile, serverName);
    }
    if (modeFlag != null) {
      if (!s.isMqtt()) {
        throw new IllegalArgumentException("--broker-mode needs a broker to bridge to: add"
            + " --broker mqtt://HOST:PORT (or broker.server in --config)");
      }
      s = new BrokerSettings(s.type, s.server, s.settingName, mode(modeFlag, "--broker-mode"),
          s.version, s.clientIdPrefix, s.username, s.password, s.poolSize, s.keepalive,
          s.sessionExpiry, s.reconnectWindow, s.connectTimeout, s.cacertfile, s.certfile,
          s.keyfile, s.serverName);
    }
    return s;
  }

  /**
   * The bridge, built (validated) but not started.
   *
   * @throws IllegalArgumentException naming the setting
   */
  MqttBroker build() {
    MqttBroker.Builder b = MqttBroker.builder().server(server);
    if (mode != null) {
      b.mode(mode);
    }
    if (version != null) {
      b.version(version);
    }
    if (clientIdPrefix != null) {
      b.clientIdPrefix(clientIdPrefix);
    }
    if (username != null || password != null) {
      b.credentials(username == null ? "" : username, password == null ? "" : password);
    }
    if (poolSize != null) {
      b.poolSize(poolSize);
    }
    if (keepalive != null) {
      b.keepalive(keepalive);
    }
    if (sessionExpiry != null) {
      b.sessionExpiry(sessionExpiry);
    }
    if (reconnectWindow != null) {
      b.reconnectWindow(reconnectWindow);
    }
    if (connectTimeout != null) {
      b.connectTimeout(connectTimeout);
    }
    if (cacertfile != null || certfile != null || serverName != null) {
      TlsSettings.ClientBuilder t = TlsSettings.client();
      if (cacertfile != null) {
        t.trustCertificates(cacertfile);
      }
      if (certfile != null) {
        t.certificate(certfile, keyfile);
      }
      if (serverName != null) {
        t.serverName(serverName);
      }
      b.tls(t.build());
    }
    return b.build();
  }

  private static MqttBridgeMode mode(String v, String at) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "session" -> MqttBridgeMode.SESSION;
      case "shared" -> MqttBridgeMode.SHARED;
      default -> throw new IllegalArgumentException(at + " must be session or shared, was " + v);
    };
  }

  private static MqttProtocolVersion version(String v, String at) {
    return switch (v) {
      case "5", "5.0" -> MqttProtocolVersion.V5;
      case "3.1.1", "4" -> MqttProtocolVersion.V3_1_1;
      default -> throw new IllegalArgumentException(at + " must be 5 or \"3.1.1\", was " + v);
    };
  }

  private static void onlyKnown(Config c, Set<String> known, String at) {
    for (String key : c.root().keySet()) {
      if (!known.contains(key)) {
        throw new IllegalArgumentException(at + key + " is not a setting this gateway knows;"
            + " known here: " + String.join(", ", known.stream().sorted().toList()));
      }
    }
  }
}
