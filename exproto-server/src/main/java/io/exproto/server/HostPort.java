package io.exproto.server;

import io.exproto.transport.internal.Addresses;
import java.net.InetSocketAddress;

/**
 * A {@code HOST:PORT} pair as given on a command line ({@code 127.0.0.1:9100},
 * {@code [::1]:9100}, {@code localhost:9100}).
 *
 * @param host the host name or IP address, without brackets
 * @param port 0 to 65535
 */
public record HostPort(String host, int port) {

  /**
   * Parses {@code HOST:PORT}.
   *
   * @throws IllegalArgumentException saying what is wrong with {@code text}
   */
  public static HostPort parse(String text) {
    String s = text.trim();
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException("'" + text + "' is not HOST:PORT, e.g. 127.0.0.1:9100");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("'" + text + "': put an IPv6 address in brackets,"
          + " e.g. [::1]:9100");
    }
    if (host.isBlank()) {
      throw new IllegalArgumentException("'" + text + "' has no host; use 0.0.0.0 for all"
          + " interfaces");
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' has no valid port number");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("'" + text + "': port must be between 0 and 65535");
    }
    return new HostPort(host, port);
  }

  /**
   * Resolves the host.
   *
   * @throws IllegalArgumentException if it cannot be resolved
   */
  InetSocketAddress resolve() {
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("host '" + host + "' cannot be resolved; give an IP"
          + " address or a resolvable name");
    }
    return address;
  }

  /** {@code host:port}, IPv6 addresses in brackets. */
  @Override
  public String toString() {
    return Addresses.format(host, port);
  }

  /** Formats a bound address as {@code ip:port} ({@code [ip]:port} for IPv6). */
  public static String format(InetSocketAddress address) {
    return Addresses.format(address);
  }
}
