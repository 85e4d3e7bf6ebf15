package io.exproto.grpc.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A parsed {@code handler.address} such as {@code http://127.0.0.1:9001} or
 * {@code https://handler.example:9001}.
 *
 * @param host the host name or IP literal, without the brackets of an IPv6 literal
 * @param port the port, 1 to 65535
 * @param tls true for {@code https://}, false for {@code http://} (plaintext)
 */
public record HandlerAddress(String host, int port, boolean tls) {

  /**
   * Parses {@code http://host:port} or {@code https://host:port} (a trailing {@code /} is
   * allowed); the host is a name or an IP literal ({@code [::1]} for IPv6).
   *
   * @throws IllegalArgumentException saying what is wrong, for anything else
   */
  public static HandlerAddress parse(String address) {
    if (address == null || address.isBlank()) {
      throw invalid(address);
    }
    URI uri;
    try {
      uri = new URI(address.trim());
    } catch (URISyntaxException e) {
      throw invalid(address);
    }
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    boolean tls = "https".equals(scheme);
    if (!(tls || "http".equals(scheme)) || uri.getHost() == null || uri.getPort() < 1
        || uri.getPort() > 65535 || uri.getRawUserInfo() != null
        || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))
        || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw invalid(address);
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new HandlerAddress(host, uri.getPort(), tls);
  }

  private static IllegalArgumentException invalid(String address) {
    return new IllegalArgumentException(
        "handler address must look like http://host:port or https://host:port, was " + address);
  }
}
