package io.exproto.broker;

import java.util.Objects;

/**
 * What a {@link Broker} is told about a client whose session it opens: the credentials the
 * client authenticated with at the gateway. A bridge to an external broker presents them to that
 * broker; {@link #toString()} never shows the password.
 *
 * @param clientId the client id (assigned by the gateway when the client gave none)
 * @param username the user name, possibly empty
 * @param password the password, possibly empty
 */
public record SessionRequest(String clientId, String username, String password) {
  /** Checks that no argument is null. */
  public SessionRequest {
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
  }

  @Override
  public String toString() {
    return "SessionRequest[clientId=" + clientId + ", username=" + username + ", password=***]";
  }
}
