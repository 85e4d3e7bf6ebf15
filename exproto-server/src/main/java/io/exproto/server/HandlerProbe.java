package io.exproto.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;

/**
 * Connects to the handler's address once at start: a handler that is not there is the commonest
 * mistake, and without this check the gateway would print ready and then close every device.
 * Only a warning: the handler may well start after the gateway.
 */
final class HandlerProbe {
  private HandlerProbe() {}

  /** How long the start-up check waits for the handler to accept a connection. */
  static final Duration HANDLER_CHECK_TIMEOUT = Duration.ofSeconds(2);

  static void warnIfUnreachable(String handlerUrl, PrintWriter err) {
    URI uri;
    try {
      uri = URI.create(handlerUrl);
    } catch (IllegalArgumentException ex) {
      return; // GrpcHandler accepted it; nothing to check
    }
    if (uri.getHost() == null) {
      return;
    }
    int port = uri.getPort() >= 0 ? uri.getPort()
        : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    try (Socket probe = new Socket()) {
      probe.connect(new InetSocketAddress(uri.getHost(), port),
          (int) HANDLER_CHECK_TIMEOUT.toMillis());
    } catch (IOException ex) {
      err.println("warning: handler " + handlerUrl + " is not reachable ("
          + (ex.getMessage() != null ? ex.getMessage() : ex.toString())
          + "); until it is, each device is closed with"
          + " {shutdown,{error,{on_socket_created,unavailable}}}");
      err.flush();
    }
  }
}
