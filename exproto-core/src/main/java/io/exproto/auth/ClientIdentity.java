package io.exproto.auth;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * An authenticated client, as an {@link Authorizer} sees it.
 *
 * @param clientId the client id
 * @param username the username, possibly empty
 * @param peer the client's address
 * @param listener the listener's name
 */
public record ClientIdentity(String clientId, String username, InetSocketAddress peer,
    String listener) {
  /** Validates the arguments. */
  public ClientIdentity {
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(listener, "listener");
  }
}
