package io.exproto.auth;

import io.exproto.handler.PeerCertificate;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What an {@link Authenticator} decides on. {@link #toString()} never shows the password.
 */
public final class Credentials {
  private final String clientId;
  private final String username;
  private final String password;
  private final InetSocketAddress peer;
  private final PeerCertificate peerCertificate;
  private final String listener;
  private final String protoName;

  /**
   * @param clientId the client id (assigned by the gateway if the handler gave none)
   * @param username the username, possibly empty
   * @param password the password, possibly empty
   * @param peer the client's address
   * @param peerCertificate the client's certificate, or null
   * @param listener the name of the listener the client reached
   * @param protoName the protocol name the handler gave
   */
  public Credentials(String clientId, String username, String password, InetSocketAddress peer,
      PeerCertificate peerCertificate, String listener, String protoName) {
    this.clientId = Objects.requireNonNull(clientId, "clientId");
    this.username = Objects.requireNonNull(username, "username");
    this.password = password == null ? "" : password;
    this.peer = Objects.requireNonNull(peer, "peer");
    this.peerCertificate = peerCertificate;
    this.listener = Objects.requireNonNull(listener, "listener");
    this.protoName = Objects.requireNonNull(protoName, "protoName");
  }

  /** The client id. */
  public String clientId() {
    return clientId;
  }

  /** The username, possibly empty. */
  public String username() {
    return username;
  }

  /** The password, possibly empty. Never log it. */
  public String password() {
    return password;
  }

  /** The client's address. */
  public InetSocketAddress peer() {
    return peer;
  }

  /** The client's certificate, or null. */
  public PeerCertificate peerCertificate() {
    return peerCertificate;
  }

  /** The listener's name. */
  public String listener() {
    return listener;
  }

  /** The protocol name. */
  public String protoName() {
    return protoName;
  }

  @Override
  public String toString() {
    return "Credentials[clientId=" + clientId + ", username=" + username + ", password=<redacted>"
        + ", peer=" + peer + ", listener=" + listener + "]";
  }
}
