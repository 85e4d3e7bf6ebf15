package io.exproto.auth;

import io.exproto.handler.PeerCertificate;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * An authenticated client, as an {@link Authorizer} sees it. Immutable; equal identities may share
 * cached authorization decisions.
 *
 * @param clientId the client id
 * @param username the username, possibly empty
 * @param peer the client's address
 * @param listener the listener's name
 * @param peerCertificate the client's TLS/DTLS certificate, or null
 * @param superuser true if the authenticator allowed the client as a superuser (the engine does not
 *     ask the authorizer for superusers; the flag is here for authorizers used on their own)
 */
public record ClientIdentity(String clientId, String username, InetSocketAddress peer,
    String listener, PeerCertificate peerCertificate, boolean superuser) {
  /** Validates the arguments. */
  public ClientIdentity {
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(listener, "listener");
  }

  /** An identity without certificate, not a superuser. */
  public ClientIdentity(String clientId, String username, InetSocketAddress peer,
      String listener) {
    this(clientId, username, peer, listener, null, false);
  }
}
