package io.exproto.transport;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The settings every listener builder shares: name, address, access rules and connection limits.
 * Each transport's builder extends it and adds its own; setters only record, and the transport's
 * {@code build()} checks them all through {@link #options()}. What happens to a connection beyond
 * a limit depends on the transport (a TCP connection is closed or waits, a UDP datagram is
 * dropped): each listener says so in its documentation. Not thread-safe.
 *
 * @param <B> the transport's builder, returned by every setter
 */
public abstract class ListenerBuilder<B extends ListenerBuilder<B>> {
  private final String unit;
  private String name = "default";
  private String host = "0.0.0.0";
  private int port;
  private InetSocketAddress address;
  private int maxConnections = ListenerOptions.DEFAULT_MAX_CONNECTIONS;
  private int maxConnRate = ListenerOptions.DEFAULT_MAX_CONN_RATE;
  private AccessRules accessRules = AccessRules.allowAll();
  private boolean authenticationEnabled = true;

  /**
   * A builder listening on {@code 0.0.0.0:defaultPort} unless told otherwise.
   *
   * @param unit what the transport counts as a connection in error messages, e.g.
   *     {@code connection}, {@code session} or {@code peer}
   */
  protected ListenerBuilder(int defaultPort, String unit) {
    this.port = defaultPort;
    this.unit = Objects.requireNonNull(unit, "unit");
  }

  /** This builder, as the transport's type. */
  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /** The listener's name, unique within a gateway. Default {@code default}. */
  public B name(String name) {
    this.name = name;
    return self();
  }

  /**
   * The address to listen on; port 0 picks a free port. Default {@code 0.0.0.0} and the
   * transport's default port.
   */
  public B bind(InetSocketAddress address) {
    this.address = Objects.requireNonNull(address, "address");
    return self();
  }

  /**
   * The host (IP address or name, resolved when the listener is built) and port to listen on;
   * port 0 picks a free port. Default {@code 0.0.0.0} and the transport's default port.
   */
  public B bind(String host, int port) {
    this.host = Objects.requireNonNull(host, "host");
    this.port = port;
    this.address = null;
    return self();
  }

  /**
   * Most connections open at once, at least 1 (EMQX {@code max_connections}); see the listener
   * for what happens to one beyond it. Default 1,024,000.
   */
  public B maxConnections(int maxConnections) {
    this.maxConnections = maxConnections;
    return self();
  }

  /**
   * Most new connections a second, at least 1 (EMQX {@code max_conn_rate}): a token bucket that
   * holds one second's worth, so a burst of that many gets in at once; see the listener for what
   * happens to one beyond it. Default 1000.
   */
  public B maxConnRate(int perSecond) {
    this.maxConnRate = perSecond;
    return self();
  }

  /**
   * Which client addresses may connect (EMQX {@code access_rules}), checked before the rate, so a
   * denied client spends no token. Default {@link AccessRules#allowAll()}.
   */
  public B accessRules(AccessRules accessRules) {
    this.accessRules = Objects.requireNonNull(accessRules, "accessRules");
    return self();
  }

  /**
   * EMQX's {@code enable_authn}: false lets this listener's clients authenticate without the
   * gateway's authenticator (authorization still applies). Default true. See
   * {@link TransportListener#authenticationEnabled()}.
   */
  public B enableAuthn(boolean enabled) {
    this.authenticationEnabled = enabled;
    return self();
  }

  /** What {@link #enableAuthn(boolean)} set, for the listener being built. */
  public final boolean authenticationEnabled() {
    return authenticationEnabled;
  }

  /**
   * Checks the shared settings and resolves the address.
   *
   * @throws IllegalArgumentException naming the setting that is wrong, and its value
   */
  protected final ListenerOptions options() {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name must not be null or blank, was '" + name + "'");
    }
    InetSocketAddress bindTo = address != null ? address : resolve(host, port);
    if (bindTo.isUnresolved()) {
      throw new IllegalArgumentException("bind host '" + bindTo.getHostString()
          + "' cannot be resolved; give an IP address or a resolvable name");
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1, was "
          + maxConnections);
    }
    if (maxConnRate < 1) {
      throw new IllegalArgumentException("maxConnRate must be at least 1 " + unit
          + " a second, was " + maxConnRate + "; for no practical limit give a large rate such as "
          + Integer.MAX_VALUE);
    }
    return new ListenerOptions(name, bindTo, accessRules, maxConnections, maxConnRate);
  }

  private static InetSocketAddress resolve(String host, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("bind port must be between 0 and 65535, was " + port);
    }
    if (host.isBlank()) {
      throw new IllegalArgumentException("bind host must not be blank; use 0.0.0.0 for all"
          + " interfaces");
    }
    return new InetSocketAddress(host, port);
  }
}
