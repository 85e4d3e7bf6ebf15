package io.exproto.transport.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Socket addresses as exproto prints them in messages and logs: {@code ip:port}, an IPv6 address
 * in brackets, and no leading slash or host name. Not API; stateless.
 */
public final class Addresses {
  private Addresses() {}

  /**
   * {@code ip:port} ({@code [ip]:port} for IPv6); the host as given if it is unresolved; a wildcard
   * address as {@code 0.0.0.0} (a dual-stack socket bound to all addresses reports {@code [::]});
   * {@code (not bound)} for null.
   */
  public static String format(InetSocketAddress address) {
    if (address == null) {
      return "(not bound)";
    }
    InetAddress ip = address.getAddress();
    String host = ip == null ? address.getHostString()
        : ip.isAnyLocalAddress() ? "0.0.0.0" : ip.getHostAddress();
    return format(host, address.getPort());
  }

  /** {@code host:port}, a host holding a colon (an IPv6 address) in brackets. */
  public static String format(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
