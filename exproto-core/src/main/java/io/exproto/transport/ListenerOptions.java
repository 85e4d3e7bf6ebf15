package io.exproto.transport;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What every listener has, whatever its transport: a name, an address, access rules and the
 * connection limits. Made by a transport's builder through {@link ListenerBuilder}, which checks
 * each value. Immutable.
 *
 * @param name unique within a gateway, not blank
 * @param bindAddress the address to listen on, resolved; port 0 picks a free port
 * @param accessRules which client addresses may connect
 * @param maxConnections most connections open at once, at least 1
 * @param maxConnRate most new connections a second, at least 1
 */
public record ListenerOptions(String name, InetSocketAddress bindAddress, AccessRules accessRules,
    int maxConnections, int maxConnRate) {

  /** The default of {@code maxConnections}, as EMQX's {@code max_connections}. */
  public static final int DEFAULT_MAX_CONNECTIONS = 1_024_000;

  /** The default of {@code maxConnRate}, as EMQX's {@code max_conn_rate}. */
  public static final int DEFAULT_MAX_CONN_RATE = 1000;

  /** Checks that no part is missing; the builder has checked the values. */
  public ListenerOptions {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(accessRules, "accessRules");
  }
}
