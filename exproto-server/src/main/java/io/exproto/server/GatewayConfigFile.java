package io.exproto.server;

import static io.exproto.server.ConfigValues.bind;
import static io.exproto.server.ConfigValues.inboundBytes;
import static io.exproto.server.ConfigValues.notNegative;
import static io.exproto.server.ConfigValues.onlyKnown;
import static io.exproto.server.ConfigValues.path;
import static io.exproto.server.ConfigValues.quote;
import static io.exproto.server.ConfigValues.union;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.exproto.transport.dtls.PskFile;
import io.exproto.transport.netty.Framing;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
   * ({@code SslOptionsBlock.IGNORED_SSL}), are accepted so that an EMQX file loads, and ignored.
   * Keys for features this gateway lacks are accepted only with their EMQX defaults: {@code
   * password} empty (keys must be unencrypted), no {@code dhfile}, {@code enable_crl_check =
   * false}, {@code ocsp.enable_ocsp_stapling = false}. {@code versions} and {@code ciphers} apply to ssl
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
  private static final Set<String> PSK = Set.of("enable", "init_file", "separator", "chunk_size");
  private static final Set<String> TOP_OF_BLOCK_FILE = union(TOP, Set.of("psk_authentication",
      "http", "authorization"));

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
          ? SslOptionsBlock.tls(s.getConfig("ssl_options"), prefix + "server.ssl_options.",
              SslOptionsBlock.TlsUse.ADAPTER)
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
          ? SslOptionsBlock.tls(h.getConfig("ssl_options"), prefix + "handler.ssl_options.",
              SslOptionsBlock.TlsUse.HANDLER)
          : null;
    }
    List<ListenerConfig> listeners = new ArrayList<>();
    if (c.hasPath("listeners")) {
      Config l = c.getConfig("listeners");
      for (String type : l.root().keySet()) {
        if (!ListenerBlocks.LISTENER_KEYS.containsKey(type)) {
          throw new IllegalArgumentException(prefix + "listeners." + type
              + ": listener types are tcp, ssl, udp and dtls");
        }
        Config ofType = l.getConfig(type);
        for (String name : ofType.root().keySet()) {
          listeners.add(ListenerBlocks.listener(ofType.getConfig(quote(name)), type, name,
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









}
