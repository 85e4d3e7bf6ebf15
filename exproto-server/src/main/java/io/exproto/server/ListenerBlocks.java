package io.exproto.server;

import static io.exproto.server.ConfigValues.bind;
import static io.exproto.server.ConfigValues.bytes;
import static io.exproto.server.ConfigValues.onlyKnown;
import static io.exproto.server.ConfigValues.union;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.exproto.server.GatewayConfigFile.HealthCheck;
import io.exproto.server.GatewayConfigFile.ListenerConfig;
import io.exproto.server.GatewayConfigFile.TcpOptions;
import io.exproto.server.GatewayConfigFile.TlsFiles;
import io.exproto.server.GatewayConfigFile.UdpOptions;
import io.exproto.server.SslOptionsBlock.TlsUse;
import io.exproto.transport.netty.Framing;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code listeners.<type>.<name>} block of the config file, or the same object as the
 * management API's JSON: the keys of each listener type, {@code tcp_options}, {@code
 * udp_options}, {@code health_check} and {@code framing}. Stateless.
 */
final class ListenerBlocks {
  private ListenerBlocks() {}

  private static final Set<String> TCP = Set.of("bind", "max_connections", "max_conn_rate",
      "access_rules", "proxy_protocol", "proxy_protocol_timeout", "tcp_options", "acceptors",
      "framing", "enable_authn");

  private static final Set<String> SSL_LISTENER = union(TCP, Set.of("ssl_options"));

  private static final Set<String> UDP = Set.of("bind", "max_connections", "max_conn_rate",
      "access_rules", "acceptors", "udp_options", "health_check", "enable_authn");

  private static final Set<String> DTLS = union(UDP, Set.of("dtls_options"));

  private static final Set<String> UDP_OPTIONS = Set.of("active_n", "recbuf", "sndbuf", "buffer",
      "reuseaddr");

  private static final Set<String> HEALTH_CHECK = Set.of("request", "reply");

  /** The keys each framing type takes, besides {@code type}. */
  private static final Map<String, Set<String>> FRAMING_KEYS = Map.of(
      "none", Set.of(),
      "line", Set.of("max_frame_length"),
      "delimiter", Set.of("delimiter", "max_frame_length"),
      "length_field", Set.of("length_field_offset", "length_field_length", "length_adjustment",
          "initial_bytes_to_strip", "max_frame_length"),
      "fixed_length", Set.of("frame_length"));

  private static final Set<String> TCP_OPTIONS = Set.of("nodelay", "reuseaddr", "sndbuf",
      "recbuf", "backlog", "send_timeout", "send_timeout_close", "max_pending_outbound_bytes",
      "active_n");

  static final Map<String, Set<String>> LISTENER_KEYS = Map.of(
      "tcp", TCP, "ssl", SSL_LISTENER, "udp", UDP, "dtls", DTLS);

  /** One listener's block, {@code at} its path for messages (ending with a dot). */
  static ListenerConfig listener(Config one, String type, String name, String at) {
    if (!LISTENER_KEYS.containsKey(type)) {
      throw new IllegalArgumentException(at + "type: listener types are tcp, ssl, udp and dtls,"
          + " not '" + type + "'");
    }
    if (one.hasPath("framing") && (type.equals("udp") || type.equals("dtls"))) {
      throw new IllegalArgumentException(at + "framing is not supported on " + type
          + " listeners: each datagram is already one message; framing is for tcp and ssl"
          + " listeners");
    }
    onlyKnown(one, LISTENER_KEYS.get(type), at);
    String tlsKey = type.equals("dtls") ? "dtls_options" : "ssl_options";
    TlsFiles tls = one.hasPath(tlsKey) ? SslOptionsBlock.tls(one.getConfig(tlsKey),
        at + tlsKey + ".",
        type.equals("dtls") ? TlsUse.DTLS_LISTENER : TlsUse.SSL_LISTENER) : null;
    // A dtls listener may have pre-shared keys instead: checked once flags are known too.
    if (type.equals("ssl") && tls == null) {
      throw new IllegalArgumentException(at + tlsKey + " (certfile, keyfile) is required");
    }
    if (!one.hasPath("bind")) {
      throw new IllegalArgumentException(at + "bind is required");
    }
    HealthCheck healthCheck = one.hasPath("health_check")
        ? healthCheck(one.getConfig("health_check"), at + "health_check.") : null;
    if (healthCheck != null && type.equals("dtls")) {
      throw new IllegalArgumentException(at + "health_check is not supported on dtls"
          + " listeners, only on udp listeners");
    }
    return new ListenerConfig(type, name, bind(one, "bind", at + "bind"),
        one.hasPath("max_connections") ? one.getInt("max_connections") : null,
        one.hasPath("max_conn_rate") ? one.getInt("max_conn_rate") : null,
        one.hasPath("access_rules") ? one.getStringList("access_rules") : null, tls,
        one.hasPath("proxy_protocol") ? one.getBoolean("proxy_protocol") : null,
        one.hasPath("proxy_protocol_timeout") ? one.getDuration("proxy_protocol_timeout")
            : null,
        one.hasPath("tcp_options")
            ? tcpOptions(one.getConfig("tcp_options"), at + "tcp_options.") : null,
        one.hasPath("udp_options")
            ? udpOptions(one.getConfig("udp_options"), at + "udp_options.") : null,
        healthCheck,
        one.hasPath("framing") ? framing(one.getConfig("framing"), at + "framing.") : null,
        one.hasPath("enable_authn") ? one.getBoolean("enable_authn") : null);
  }

  /**
   * A listener from the management API's JSON (EMQX's listener object: {@code type},
   * {@code name}, {@code bind} and the keys of that type as in the config file). Keys EMQX
   * reports back ({@code id}, {@code running}, {@code status}, {@code node_status},
   * {@code current_connections}) are ignored, as is {@code enable = true}.
   *
   * @param expectedName the name the listener must have (from its id), or null
   * @throws IllegalArgumentException naming the field that is wrong
   */
  static ListenerConfig listenerFromJson(String json, String expectedType, String expectedName) {
    Config c;
    try {
      c = ConfigFactory.parseString(json,
          ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("the body is not a JSON object: " + e.getMessage(), e);
    }
    try {
      String type = c.hasPath("type") ? c.getString("type") : expectedType;
      String name = c.hasPath("name") ? c.getString("name") : expectedName;
      if (type == null) {
        throw new IllegalArgumentException("type is required (tcp, ssl, udp or dtls)");
      }
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("name is required");
      }
      if (expectedType != null && !expectedType.equals(type)) {
        throw new IllegalArgumentException("type: '" + type + "' differs from the listener id's"
            + " type '" + expectedType + "'");
      }
      if (expectedName != null && !expectedName.equals(name)) {
        throw new IllegalArgumentException("name: '" + name + "' differs from the listener id's"
            + " name '" + expectedName + "'");
      }
      if (c.hasPath("enable") && !c.getBoolean("enable")) {
        throw new IllegalArgumentException("enable: a listener cannot be disabled and kept;"
            + " delete it instead");
      }
      for (String k : List.of("type", "name", "id", "running", "status", "node_status",
          "current_connections", "enable")) {
        c = c.withoutPath(k);
      }
      return listener(c, type, name, "");
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** A listener's {@code framing} block: {@code type} and only that type's keys. */
  private static Framing framing(Config f, String at) {
    String type = f.hasPath("type") ? f.getString("type") : "none";
    Set<String> keys = FRAMING_KEYS.get(type);
    if (keys == null) {
      throw new IllegalArgumentException(at + "type: '" + type + "' is not a framing; known: none,"
          + " line, delimiter, length_field, fixed_length");
    }
    for (String key : f.root().keySet()) {
      if (!key.equals("type") && !keys.contains(key)) {
        throw new IllegalArgumentException(at + key + " does not apply to framing type " + type
            + (keys.isEmpty() ? ", which takes no other key" : "; it takes: "
                + String.join(", ", keys.stream().sorted().toList())));
      }
    }
    try {
      return switch (type) {
        case "line" -> Framing.line(required(f, "max_frame_length", at, type));
        case "delimiter" -> {
          requirePresent(f, "delimiter", type);
          yield Framing.delimiter(f.getString("delimiter").getBytes(StandardCharsets.UTF_8),
              required(f, "max_frame_length", at, type));
        }
        case "length_field" -> Framing.lengthField(
            f.hasPath("length_field_offset") ? f.getInt("length_field_offset") : 0,
            requiredInt(f, "length_field_length", type),
            f.hasPath("length_adjustment") ? f.getInt("length_adjustment") : 0,
            f.hasPath("initial_bytes_to_strip") ? f.getInt("initial_bytes_to_strip") : 0,
            required(f, "max_frame_length", at, type));
        case "fixed_length" -> Framing.fixedLength(required(f, "frame_length", at, type));
        default -> Framing.none();
      };
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(at.substring(0, at.length() - 1) + ": "
          + e.getMessage(), e);
    }
  }

  /** A size key the framing type needs. */
  private static int required(Config f, String key, String at, String type) {
    requirePresent(f, key, type);
    return bytes(f, key, at);
  }

  private static int requiredInt(Config f, String key, String type) {
    requirePresent(f, key, type);
    return f.getInt(key);
  }

  private static void requirePresent(Config f, String key, String type) {
    if (!f.hasPath(key)) {
      throw new IllegalArgumentException(key + " is required for framing type " + type);
    }
  }

  private static TcpOptions tcpOptions(Config t, String at) {
    onlyKnown(t, TCP_OPTIONS, at);
    if (t.hasPath("send_timeout_close") && !t.getBoolean("send_timeout_close")) {
      throw new IllegalArgumentException(at + "send_timeout_close = false is not supported: this"
          + " gateway always closes a connection whose send times out; set send_timeout = 0s to"
          + " turn the timeout off");
    }
    return new TcpOptions(
        t.hasPath("nodelay") ? t.getBoolean("nodelay") : null,
        t.hasPath("reuseaddr") ? t.getBoolean("reuseaddr") : null,
        bytes(t, "sndbuf", at), bytes(t, "recbuf", at),
        t.hasPath("backlog") ? t.getInt("backlog") : null,
        t.hasPath("send_timeout") ? t.getDuration("send_timeout") : null,
        bytes(t, "max_pending_outbound_bytes", at));
  }

  private static UdpOptions udpOptions(Config u, String at) {
    onlyKnown(u, UDP_OPTIONS, at);
    return new UdpOptions(u.hasPath("reuseaddr") ? u.getBoolean("reuseaddr") : null,
        bytes(u, "sndbuf", at), bytes(u, "recbuf", at));
  }

  /** An empty block is no health check; a reply needs a request. */
  private static HealthCheck healthCheck(Config h, String at) {
    onlyKnown(h, HEALTH_CHECK, at);
    String request = h.hasPath("request") ? h.getString("request") : "";
    String reply = h.hasPath("reply") ? h.getString("reply") : "";
    if (request.isEmpty()) {
      if (!reply.isEmpty()) {
        throw new IllegalArgumentException(at + "request is required with a reply: the datagram"
            + " to answer");
      }
      return null;
    }
    return new HealthCheck(request, reply);
  }
}
