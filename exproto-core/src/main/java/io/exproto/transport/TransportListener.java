package io.exproto.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;

/**
 * A listening endpoint of one transport (TCP, TLS, UDP, DTLS). Implemented by transport modules
 * and handed to the gateway builder; the gateway starts and stops it.
 */
public interface TransportListener {

  /** The listener's name, unique within a gateway, e.g. {@code default}. */
  String name();

  /** A short kind such as {@code tcp}, for logs and addresses. */
  String kind();

  /**
   * False to let this listener's clients authenticate without the gateway's
   * {@link io.exproto.auth.Authenticator} (EMQX's listener setting {@code enable_authn = false}):
   * every Authenticate on its connections is allowed, not as a superuser, so authorization still
   * applies. Default true.
   */
  default boolean authenticationEnabled() {
    return true;
  }

  /**
   * Binds and starts accepting; returns once bound.
   *
   * @throws IOException if the address cannot be bound
   * @throws IllegalStateException if already started
   */
  void start(LinkAcceptor acceptor) throws IOException;

  /** The bound address (the real port when configured with port 0); null before start. */
  InetSocketAddress localAddress();

  /**
   * Stops accepting and releases the listener's resources. Links still open are closed by the
   * gateway before it stops its listeners.
   */
  CompletionStage<Void> stop();
}
