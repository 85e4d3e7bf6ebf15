package io.exproto.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueType;
import io.exproto.transport.dtls.PskFile;
import io.exproto.transport.netty.Framing;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The settings the standalone gateway reads from {@code --config FILE}: HOCON in the shape of EMQX's
 * {@code gateway.exproto { ... }} block (the block itself, or a file that contains it), so an EMQX
 * configuration can be brought across. Every field is null when the file does not set it.
 *
 * <pre>
 * gateway.exproto {
 *   mountpoint = "dev/"
 *   idle_timeout = 30s
 *   max_inbound_bytes_per_second = 64KiB       # this gateway's own; 0 = unlimited
 *   max_inbound_messages_per_second = 100      # this gateway's own; 0 = unlimited
 *   server { bind = "0.0.0.0:9100"
 *            ssl_options { certfile = ..., keyfile = ..., cacertfile = ...,
 *                          verify = verify_peer, fail_if_no_peer_cert = true } }
 *   handler { address = "https://handler.example:9001", service_name = ConnectionUnaryHandler,
 *             timeout = 30s,
 *             ssl_options { enable = true, cacertfile = ..., certfile = ..., keyfile = ...,
 *                           server_name_indication = "handler.example" } }
 *   listeners.tcp.default { bind = "0.0.0.0:7993", max_connections = 1024000,
 *                           max_conn_rate = 1000, access_rules = ["deny 10.0.0.0/8", "allow all"],
 *                           tcp_options { send_timeout = 15s, max_pending_outbound_bytes = 8MiB },
 *                           framing { type = line, max_frame_length = 4096 } }
 *   listeners.udp.default { bind = "0.0.0.0:7993", max_connections = 1024000,
 *                           udp_options { recbuf = 256KiB, sndbuf = 64KiB },
 *                           health_check { request = "ping", reply = "pong" } }
 *   listeners.ssl.default { bind = "0.0.0.0:7994", proxy_protocol = false,
 *                           ssl_options { certfile = ..., keyfile = ..., cacertfile = ...,
 *                                         verify = verify_peer, fail_if_no_peer_cert = true,
 *                                         versions = [tlsv1.3, tlsv1.2], ciphers = [],
 *                                         handshake_timeout = 15s } }
 *   listeners.dtls.default { bind = "0.0.0.0:7994", max_conn_rate = 1000,
 *                            dtls_options { certfile = ..., keyfile = ... } }
 * }
 * psk_authentication { enable = true, init_file = "etc/psk.txt", separator = ":" }
 * </pre>
 *
 * <p>{@code psk_authentication} is EMQX's own top-level block, beside {@code gateway} (or, in a
 * file that is only the {@code gateway.exproto} block, at its top level): with {@code enable =
 * true} every dtls listener also accepts the pre-shared keys of {@code init_file}, read by {@link
 * io.exproto.transport.dtls.PskFile} ({@code identity:secret} lines; the secret's characters are
 * the key, as in EMQX). A dtls listener needs a certificate ({@code dtls_options} certfile and
 * keyfile), pre-shared keys, or both. EMQX also needed PSK cipher suites in {@code
 * dtls_options.ciphers}; here a listener offers the PSK suites whenever it has keys.
 *
 * <p>{@code framing} (this gateway's own, tcp and ssl listeners) cuts inbound bytes into frames,
 * one {@code OnReceivedBytes} each (see {@link Framing}): {@code type} is {@code none} (the
 * default), {@code line}, {@code delimiter}, {@code length_field} or {@code fixed_length}, with
 * the keys of that type only: {@code max_frame_length} (line, delimiter, length_field; a size),
 * {@code delimiter} (a non-empty UTF-8 string), {@code length_field_offset}, {@code
 * length_field_length}, {@code length_adjustment} and {@code initial_bytes_to_strip}
 * (length_field; offset, adjustment and strip default to 0), {@code frame_length}
 * (fixed_length). Datagram listeners have no framing: each datagram is already one message.
 *
 * <p>Keys this version does not know are rejected with their path, rather than silently ignored.
 *
 * @param mountpoint {@code mountpoint}
 * @param idleTimeout {@code idle_timeout}
 * @param node {@code node} (not in EMQX's block: there it is the Erlang node's name)
 * @param adapterBind {@code server.bind}
 * @param adapterTls {@code server.ssl_options}
 * @param handlerAddress {@code handler.address}
 * @param handlerService {@code handler.service_name}
 * @param handlerTimeout {@code handler.timeout} (our callback deadline; EMQX had none)
 * @param handlerTls {@code handler.ssl_options} when {@code enable = true}
 * @param listeners {@code listeners.<type>.<name>}, in file order
 * @param psk {@code psk_authentication}, or null
 * @param maxInboundBytesPerSecond {@code max_inbound_bytes_per_second}, or null
 * @param maxInboundMessagesPerSecond {@code max_inbound_messages_per_second}, or null
 * @param broker {@code broker} (see {@link BrokerSettings}); the in-memory broker when absent
 * @param authentication {@code authentication} as written (one authenticator object or a list of
 *     them), unwrapped to maps and lists, or null; read by exproto-auth's {@code Authenticators}
 * @param authorization EMQX's top-level {@code authorization} block (beside {@code gateway}, or at
 *     the top of a file that is only the gateway block), unwrapped, or null; read by
 *     exproto-auth's {@code AuthorizationService}
 * @param drainTimeout {@code drain_timeout} (this gateway's own), or null
 * @param maxQueuedBytes {@code max_queued_bytes} (this gateway's own, a size), or null
 */
record GatewayConfigFile(String mountpoint, Duration idleTimeout, String node,
    HostPort adapterBind, TlsFiles adapterTls, String handlerAddress, String handlerService,
    Duration handlerTimeout, TlsFiles handlerTls, List<ListenerConfig> listeners,
    PskAuthentication psk, Long maxInboundBytesPerSecond, Integer maxInboundMessagesPerSecond,
    BrokerSettings broker, Object authentication, Map<String, Object> authorization,
    Duration drainTimeout, Long maxQueuedBytes) {

  /**
   * EMQX's {@code psk_authentication} block.
   *
   * @param enable {@code enable}, default false as in EMQX
   * @param initFile {@code init_file}: the {@code identity<separator>secret} lines; set if enabled
   * @param separator {@code separator}, default {@code ":"}
   */
  record PskAuthentication(boolean enable, Path initFile, String separator) {}

  /**
   * TLS files and options, as EMQX's {@code ssl_options} names them.
   *
   * <p>EMQX keys that tune Erlang's ssl application, or ask for what this gateway does anyway
   * ({@link #IGNORED_SSL}), are accepted so that an EMQX file loads, and ignored. Keys for features
   * this gateway lacks are accepted only with their EMQX defaults: {@code password} empty (keys
   * must be unencrypted), no {@code dhfile}, {@code enable_crl_check = false}, {@code
   * ocsp.enable_ocsp_stapling = false}. {@code versions} and {@code ciphers} apply to ssl
   * listeners; elsewhere only their defaults are accepted (a dtls listener speaks DTLS 1.2 and
   * picks its suites from its certificate and keys, so its {@code ciphers} are ignored: EMQX
   * needed PSK suites listed there). {@code handshake_timeout} applies to ssl listeners and is
   * ignored elsewhere.
   *
   * @param certfile {@code certfile}
   * @param keyfile {@code keyfile}
   * @param cacertfile {@code cacertfile}
   * @param verifyPeer {@code verify = verify_peer}
   * @param failIfNoPeerCert {@code fail_if_no_peer_cert}
   * @param serverNameIndication {@code server_name_indication}; null for {@code disable}
   * @param versions {@code versions} as Java protocol names ({@code TLSv1.3}), or null
   * @param ciphers {@code ciphers} when not empty, or null
   * @param handshakeTimeout {@code handshake_timeout}, or null
   */
  record TlsFiles(Path certfile, Path keyfile, Path cacertfile, boolean verifyPeer,
      boolean failIfNoPeerCert, String serverNameIndication, List<String> versions,
      List<String> ciphers, Duration handshakeTimeout) {

    /** Files only, as the {@code --certfile} flags give them. */
    static TlsFiles of(Path certfile, Path keyfile, Path cacertfile, boolean verifyPeer,
        boolean failIfNoPeerCert) {
      return new TlsFiles(certfile, keyfile, cacertfile, verifyPeer, failIfNoPeerCert, null, null,
          null, null);
    }

    /** These files with the versions, ciphers and handshake timeout of {@code other}, if any. */
    TlsFiles withOptionsOf(TlsFiles other) {
      return other == null ? this : new TlsFiles(certfile, keyfile, cacertfile, verifyPeer,
          failIfNoPeerCert, serverNameIndication, other.versions, other.ciphers,
          other.handshakeTimeout);
    }
  }

  /** Where an {@code ssl_options} block is: what it may set depends on it. */
  enum TlsUse { SSL_LISTENER, DTLS_LISTENER, ADAPTER, HANDLER }

  /**
   * A udp or dtls listener's {@code udp_options}, as EMQX names them; each null when not set.
   * {@code active_n} and {@code buffer} are Erlang VM tuning: accepted, so an EMQX file loads, and
   * ignored; so is {@code reuseaddr} on a dtls listener.
   *
   * @param reuseaddr {@code reuseaddr} (udp)
   * @param sndbuf {@code sndbuf}, bytes
   * @param recbuf {@code recbuf}, bytes
   */
  record UdpOptions(Boolean reuseaddr, Integer sndbuf, Integer recbuf) {}

  /**
   * A udp listener's {@code health_check}: a datagram equal to {@code request} is answered with
   * {@code reply} (UTF-8; empty when not set).
   */
  record HealthCheck(String request, String reply) {}

  /**
   * One {@code listeners.<type>.<name>} block.
   *
   * @param type {@code tcp}, {@code ssl}, {@code udp} or {@code dtls}
   * @param name the listener's name
   * @param bind {@code bind}, {@code HOST:PORT} or a port
   * @param maxConnections {@code max_connections}, or null
   * @param maxConnRate {@code max_conn_rate}, or null
   * @param accessRules {@code access_rules}, or null
   * @param tls {@code ssl_options} (ssl) or {@code dtls_options} (dtls), or null
   * @param proxyProtocol {@code proxy_protocol} (tcp, ssl), or null
   * @param proxyProtocolTimeout {@code proxy_protocol_timeout} (tcp, ssl), or null
   * @param tcpOptions {@code tcp_options} (tcp, ssl), or null
   * @param udpOptions {@code udp_options} (udp, dtls), or null
   * @param healthCheck {@code health_check} (udp), or null
   * @param framing {@code framing} (tcp, ssl), or null
   * @param enableAuthn {@code enable_authn}, or null (true)
   */
  record ListenerConfig(String type, String name, HostPort bind, Integer maxConnections,
      Integer maxConnRate, List<String> accessRules, TlsFiles tls, Boolean proxyProtocol,
      Duration proxyProtocolTimeout, TcpOptions tcpOptions, UdpOptions udpOptions,
      HealthCheck healthCheck, Framing framing, Boolean enableAuthn) {

    /** A listener given by {@code --listen}: only its type, name and address. */
    static ListenerConfig of(String type, String name, HostPort bind) {
      return new ListenerConfig(type, name, bind, null, null, null, null, null, null, null, null,
          null, null, null);
    }

    /**
     * This listener with other TLS files (the {@code --certfile} flags override the file's); the
     * file's versions, ciphers and handshake timeout stay.
     */
    ListenerConfig withTls(TlsFiles files) {
      return new ListenerConfig(type, name, bind, maxConnections, maxConnRate, accessRules,
          files.withOptionsOf(tls), proxyProtocol, proxyProtocolTimeout, tcpOptions, udpOptions,
          healthCheck, framing, enableAuthn);
    }
  }

  /**
   * A tcp or ssl listener's {@code tcp_options}, as EMQX names them; each null when not set.
   * {@code active_n} (and the listener's {@code acceptors}) are Erlang VM tuning: accepted, so an
   * EMQX file loads, and ignored. {@code send_timeout_close} may only be true: this gateway always
   * closes a connection whose send times out ({@code send_timeout = 0s} turns the timeout off).
   *
   * @param nodelay {@code nodelay}
   * @param reuseaddr {@code reuseaddr}
   * @param sndbuf {@code sndbuf}, bytes
   * @param recbuf {@code recbuf}, bytes
   * @param backlog {@code backlog}
   * @param sendTimeout {@code send_timeout}; zero turns it off
   * @param maxPendingOutboundBytes {@code max_pending_outbound_bytes} (this gateway's own)
   */
  record TcpOptions(Boolean nodelay, Boolean reuseaddr, Integer sndbuf, Integer recbuf,
      Integer backlog, Duration sendTimeout, Integer maxPendingOutboundBytes) {}

  private static final Set<String> TOP = Set.of("mountpoint", "idle_timeout", "node", "server",
      "handler", "listeners", "enable", "enable_stats", "max_inbound_bytes_per_second",
      "max_inbound_messages_per_second", "broker", "authentication", "drain_timeout",
      "max_queued_bytes");
  private static final Set<String> SERVER = Set.of("bind", "ssl_options");
  private static final Set<String> HANDLER = Set.of("address", "service_name", "timeout",
      "ssl_options");
  /**
   * EMQX {@code ssl_options} keys that tune Erlang's ssl application or ask for what the JVM does
   * anyway (session reuse, secure renegotiation, the verify depth of 10): accepted, ignored.
   */
  static final Set<String> IGNORED_SSL = Set.of("reuse_sessions", "depth", "secure_renegotiate",
      "log_level", "hibernate_after", "honor_cipher_order", "client_renegotiation",
      "gc_after_handshake", "user_lookup_fun", "cacerts");
  private static final Set<String> SSL = union(IGNORED_SSL, Set.of("enable", "certfile",
      "keyfile", "cacertfile", "verify", "fail_if_no_peer_cert", "server_name_indication",
      "versions", "ciphers", "handshake_timeout", "password", "dhfile", "enable_crl_check",
      "ocsp"));
  private static final Set<String> OCSP = Set.of("enable_ocsp_stapling", "responder_url",
      "issuer_pem", "refresh_interval", "refresh_http_timeout");
  private static final Map<String, String> TLS_VERSIONS = Map.of(
      "tlsv1.3", "TLSv1.3", "tlsv1.2", "TLSv1.2", "tlsv1.1", "TLSv1.1", "tlsv1", "TLSv1");
  private static final Set<String> DEFAULT_TLS_VERSIONS = Set.of("TLSv1.3", "TLSv1.2");
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
  private static final Set<String> PSK = Set.of("enable", "init_file", "separator", "chunk_size");
  private static final Set<String> TOP_OF_BLOCK_FILE = union(TOP, Set.of("psk_authentication",
      "http", "authorization"));
  private static final Map<String, Set<String>> LISTENER_KEYS = Map.of(
      "tcp", TCP, "ssl", SSL_LISTENER, "udp", UDP, "dtls", DTLS);

  /**
   * Reads {@code file}.
   *
   * @throws IllegalArgumentException naming the file, the key and what is wrong
   */
  static GatewayConfigFile load(File file) {
    if (!file.isFile()) {
      throw new IllegalArgumentException("config file " + file + " does not exist");
    }
    try {
      Config root = ConfigFactory.parseFile(file,
          ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false))
          .resolve();
      boolean wrapped = root.hasPath("gateway.exproto");
      Config c = wrapped ? root.getConfig("gateway.exproto") : root;
      if (wrapped && c.hasPath("psk_authentication")) {
        throw new IllegalArgumentException("gateway.exproto.psk_authentication: in EMQX"
            + " psk_authentication is a top-level block; put it beside gateway, not inside it");
      }
      PskAuthentication psk = root.hasPath("psk_authentication")
          ? psk(root.getConfig("psk_authentication"), "psk_authentication.") : null;
      if (wrapped && c.hasPath("authorization")) {
        throw new IllegalArgumentException("gateway.exproto.authorization: in EMQX"
            + " authorization is a top-level block; put it beside gateway, not inside it");
      }
      Map<String, Object> authorization = root.hasPath("authorization")
          ? root.getConfig("authorization").root().unwrapped() : null;
      GatewayConfigFile read = read(c, wrapped ? "gateway.exproto." : "",
          wrapped ? TOP : TOP_OF_BLOCK_FILE, psk);
      return new GatewayConfigFile(read.mountpoint(), read.idleTimeout(), read.node(),
          read.adapterBind(), read.adapterTls(), read.handlerAddress(), read.handlerService(),
          read.handlerTimeout(), read.handlerTls(), read.listeners(), read.psk(),
          read.maxInboundBytesPerSecond(), read.maxInboundMessagesPerSecond(), read.broker(),
          c.hasPath("authentication") ? c.getValue("authentication").unwrapped() : null,
          authorization, read.drainTimeout(), read.maxQueuedBytes());
    } catch (ConfigException e) {
      throw new IllegalArgumentException(describe(file, e), e);
    }
  }

  /**
   * One message for a HOCON error: the file and line once (the library puts its own origin in
   * front of each message), and plain words for a missing closing brace, which the library
   * reports as a missing parenthesis.
   */
  static String describe(File file, ConfigException e) {
    String message = e.getMessage();
    if (e.origin() != null) {
      String origin = e.origin().description() + ": ";
      if (message.startsWith(origin)) {
        message = message.substring(origin.length());
      }
    }
    String where = e.origin() != null && e.origin().lineNumber() > 0
        ? "config file " + file + ", line " + e.origin().lineNumber() : "config file " + file;
    if (e instanceof ConfigException.Parse && message.contains("end of file")) {
      message = "the file ends inside a { } block or [ ] list: a closing '}' or ']' is missing";
    }
    return where + ": " + message;
  }

  private static GatewayConfigFile read(Config c, String prefix, Set<String> top,
      PskAuthentication psk) {
    onlyKnown(c, top, prefix);
    // EMQX's switches, which this process cannot honour by running without its gateway or
    // without counting: refused rather than silently ignored.
    if (c.hasPath("enable") && !c.getBoolean("enable")) {
      throw new IllegalArgumentException(prefix + "enable = false: this process is only the"
          + " exproto gateway, so it cannot run with it disabled; remove the key, or do not start"
          + " the process");
    }
    if (c.hasPath("enable_stats") && !c.getBoolean("enable_stats")) {
      throw new IllegalArgumentException(prefix + "enable_stats = false is not supported: this"
          + " gateway always counts (Gateway.stats()); remove the key");
    }
    HostPort adapterBind = null;
    TlsFiles adapterTls = null;
    if (c.hasPath("server")) {
      Config s = c.getConfig("server");
      onlyKnown(s, SERVER, prefix + "server.");
      adapterBind = s.hasPath("bind") ? bind(s, "bind", prefix + "server.bind") : null;
      adapterTls = s.hasPath("ssl_options")
          ? tls(s.getConfig("ssl_options"), prefix + "server.ssl_options.", TlsUse.ADAPTER)
          : null;
    }
    String handlerAddress = null;
    String handlerService = null;
    Duration handlerTimeout = null;
    TlsFiles handlerTls = null;
    if (c.hasPath("handler")) {
      Config h = c.getConfig("handler");
      onlyKnown(h, HANDLER, prefix + "handler.");
      handlerAddress = h.hasPath("address") ? h.getString("address") : null;
      handlerService = h.hasPath("service_name") ? h.getString("service_name") : null;
      handlerTimeout = h.hasPath("timeout") ? h.getDuration("timeout") : null;
      handlerTls = h.hasPath("ssl_options")
          ? tls(h.getConfig("ssl_options"), prefix + "handler.ssl_options.", TlsUse.HANDLER)
          : null;
    }
    List<ListenerConfig> listeners = new ArrayList<>();
    if (c.hasPath("listeners")) {
      Config l = c.getConfig("listeners");
      for (String type : l.root().keySet()) {
        if (!LISTENER_KEYS.containsKey(type)) {
          throw new IllegalArgumentException(prefix + "listeners." + type
              + ": listener types are tcp, ssl, udp and dtls");
        }
        Config ofType = l.getConfig(type);
        for (String name : ofType.root().keySet()) {
          listeners.add(listener(ofType.getConfig(quote(name)), type, name,
              prefix + "listeners." + type + "." + name + "."));
        }
      }
    }
    return new GatewayConfigFile(
        c.hasPath("mountpoint") ? c.getString("mountpoint") : null,
        c.hasPath("idle_timeout") ? c.getDuration("idle_timeout") : null,
        c.hasPath("node") ? c.getString("node") : null,
        adapterBind, adapterTls, handlerAddress, handlerService, handlerTimeout, handlerTls,
        List.copyOf(listeners), psk,
        c.hasPath("max_inbound_bytes_per_second")
            ? inboundBytes(c, prefix + "max_inbound_bytes_per_second") : null,
        c.hasPath("max_inbound_messages_per_second")
            ? (int) notNegative(c.getInt("max_inbound_messages_per_second"),
                prefix + "max_inbound_messages_per_second") : null,
        c.hasPath("broker") ? BrokerSettings.read(c.getConfig("broker"), prefix + "broker.")
            : BrokerSettings.IN_MEMORY, null, null,

        c.hasPath("drain_timeout") ? c.getDuration("drain_timeout") : null,
        c.hasPath("max_queued_bytes") ? c.getBytes("max_queued_bytes") : null);
  }

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
    TlsFiles tls = one.hasPath(tlsKey) ? tls(one.getConfig(tlsKey), at + tlsKey + ".",
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

  /** A size that may be written negative, which HOCON's own size parser refuses obscurely. */
  private static long inboundBytes(Config c, String at) {
    if (c.getValue("max_inbound_bytes_per_second").valueType() == ConfigValueType.NUMBER) {
      return notNegative(c.getLong("max_inbound_bytes_per_second"), at);
    }
    return notNegative(c.getBytes("max_inbound_bytes_per_second"), at);
  }

  private static long notNegative(long value, String at) {
    if (value < 0) {
      throw new IllegalArgumentException(at + " must not be negative (0 is unlimited), was "
          + value);
    }
    return value;
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

  /**
   * A HOCON size ({@code 8MiB}, {@code 64KiB}, {@code 4096}; {@code MB} is 10^6) that must fit an
   * int.
   */
  private static Integer bytes(Config c, String key, String at) {
    if (!c.hasPath(key)) {
      return null;
    }
    long n = c.getBytes(key);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(at + key + " must be at most " + Integer.MAX_VALUE
          + " bytes, was " + n);
    }
    return (int) n;
  }

  /** {@code psk_authentication}; {@code init_file} is required with {@code enable = true}. */
  private static PskAuthentication psk(Config p, String at) {
    onlyKnown(p, PSK, at);
    if (p.hasPath("chunk_size") && p.getInt("chunk_size") < 1) {
      // EMQX's import batch size: accepted so that EMQX files load, no use here.
      throw new IllegalArgumentException(at + "chunk_size must be at least 1, was "
          + p.getInt("chunk_size"));
    }
    String separator = p.hasPath("separator") ? p.getString("separator")
        : PskFile.DEFAULT_SEPARATOR;
    if (separator.isEmpty()) {
      throw new IllegalArgumentException(at + "separator must not be empty");
    }
    boolean enable = p.hasPath("enable") && p.getBoolean("enable");
    if (enable && !p.hasPath("init_file")) {
      throw new IllegalArgumentException(at + "init_file is required with enable = true: this"
          + " gateway takes its pre-shared keys from that file only");
    }
    return new PskAuthentication(enable, path(p, "init_file"), separator);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }

  private static TlsFiles tls(Config s, String at, TlsUse use) {
    onlyKnown(s, SSL, at);
    if (use == TlsUse.HANDLER && s.hasPath("enable") && !s.getBoolean("enable")) {
      return null;
    }
    String verify = s.hasPath("verify") ? s.getString("verify").toLowerCase(Locale.ROOT) : null;
    if (verify != null && !verify.equals("verify_peer") && !verify.equals("verify_none")) {
      throw new IllegalArgumentException(at + "verify must be verify_peer or verify_none, was "
          + verify);
    }
    onlyDefault(s, at);
    String sni = s.hasPath("server_name_indication") ? s.getString("server_name_indication")
        : null;
    return new TlsFiles(path(s, "certfile"), path(s, "keyfile"), path(s, "cacertfile"),
        "verify_peer".equals(verify),
        s.hasPath("fail_if_no_peer_cert") && s.getBoolean("fail_if_no_peer_cert"),
        "disable".equals(sni) ? null : sni, versions(s, at, use), ciphers(s, at, use),
        use == TlsUse.SSL_LISTENER && s.hasPath("handshake_timeout")
            ? s.getDuration("handshake_timeout") : null);
  }

  /** The keys of features this gateway lacks, which may only have their EMQX defaults. */
  private static void onlyDefault(Config s, String at) {
    if (s.hasPath("password") && !s.getString("password").isEmpty()) {
      throw new IllegalArgumentException(at + "password: encrypted private keys are not"
          + " supported; give an unencrypted key (openssl pkey -in key.pem -out plain.pem)");
    }
    if (s.hasPath("dhfile")) {
      throw new IllegalArgumentException(at + "dhfile is not supported: the JVM chooses its own"
          + " Diffie-Hellman groups; remove it");
    }
    if (s.hasPath("enable_crl_check") && s.getBoolean("enable_crl_check")) {
      throw new IllegalArgumentException(at + "enable_crl_check = true is not supported: this"
          + " gateway does not check certificate revocation lists");
    }
    if (s.hasPath("ocsp")) {
      Config o = s.getConfig("ocsp");
      onlyKnown(o, OCSP, at + "ocsp.");
      if (o.hasPath("enable_ocsp_stapling") && o.getBoolean("enable_ocsp_stapling")) {
        throw new IllegalArgumentException(at + "ocsp.enable_ocsp_stapling = true is not"
            + " supported: this gateway does not staple OCSP responses");
      }
    }
  }

  /** {@code versions}, as Java protocol names; null when not set or, on dtls, DTLS 1.2. */
  private static List<String> versions(Config s, String at, TlsUse use) {
    if (!s.hasPath("versions")) {
      return null;
    }
    List<String> given = s.getStringList("versions");
    if (given.isEmpty()) {
      throw new IllegalArgumentException(at + "versions must not be empty");
    }
    if (use == TlsUse.DTLS_LISTENER) {
      for (String v : given) {
        if (!v.equalsIgnoreCase("dtlsv1.2")) {
          throw new IllegalArgumentException(at + "versions: '" + v + "' is not supported; dtls"
              + " listeners speak DTLS 1.2 only (dtlsv1.2)");
        }
      }
      return null;
    }
    List<String> java = new ArrayList<>();
    for (String v : given) {
      String name = TLS_VERSIONS.get(v.toLowerCase(Locale.ROOT));
      if (name == null) {
        throw new IllegalArgumentException(at + "versions: '" + v + "' is not a TLS version;"
            + " known: tlsv1.3, tlsv1.2, tlsv1.1, tlsv1");
      }
      java.add(name);
    }
    if (use != TlsUse.SSL_LISTENER && !Set.copyOf(java).equals(DEFAULT_TLS_VERSIONS)) {
      throw new IllegalArgumentException(at + "versions: only the default [tlsv1.3, tlsv1.2] is"
          + " supported here; other versions can be set on ssl listeners");
    }
    return List.copyOf(java);
  }

  /** {@code ciphers}; null when not set, empty, or on a dtls listener (which ignores them). */
  private static List<String> ciphers(Config s, String at, TlsUse use) {
    if (!s.hasPath("ciphers") || use == TlsUse.DTLS_LISTENER) {
      return null;
    }
    // EMQX also takes one comma-separated string.
    List<String> given = s.getValue("ciphers").valueType() == ConfigValueType.STRING
        ? List.of(s.getString("ciphers").split(",")) : s.getStringList("ciphers");
    List<String> names = given.stream().map(String::trim).filter(n -> !n.isEmpty()).toList();
    if (names.isEmpty()) {
      return null;
    }
    if (use != TlsUse.SSL_LISTENER) {
      throw new IllegalArgumentException(at + "ciphers: only the JVM's defaults (ciphers = [])"
          + " are supported here; ciphers can be chosen on ssl listeners");
    }
    return names;
  }

  private static Path path(Config s, String key) {
    return s.hasPath(key) ? Path.of(s.getString(key)) : null;
  }

  private static HostPort bind(Config c, String key, String at) {
    String v = c.getValue(key).unwrapped().toString();
    try {
      return v.matches("\\d+") ? new HostPort("0.0.0.0", Integer.parseInt(v)) : HostPort.parse(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
    }
  }

  private static void onlyKnown(Config c, Set<String> known, String at) {
    for (String key : c.root().keySet()) {
      if (!known.contains(key)) {
        throw new IllegalArgumentException(at + key + " is not a setting this gateway knows;"
            + " known here: " + String.join(", ", known.stream().sorted().toList()));
      }
    }
  }

  private static String quote(String key) {
    return "\"" + key.replace("\"", "\\\"") + "\"";
  }
}
