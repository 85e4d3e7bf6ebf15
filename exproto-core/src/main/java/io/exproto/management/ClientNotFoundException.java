package io.exproto.management;

/** No authenticated client has the client id a management call named. */
public final class ClientNotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String clientId;

  /** For {@code clientId}. */
  public ClientNotFoundException(String clientId) {
    super("client '" + clientId + "' is not connected", null, false, false);
    this.clientId = clientId;
  }

  /** The client id asked for. */
  public String clientId() {
    return clientId;
  }
}
