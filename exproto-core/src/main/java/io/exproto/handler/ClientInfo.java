package io.exproto.handler;

/**
 * The identity a handler presents in {@link ConnectionAdapter#authenticate}. Null fields are
 * treated as empty strings.
 *
 * @param protoName the protocol name; empty means {@code exproto}
 * @param protoVer the protocol version
 * @param clientId the client id; empty means the gateway assigns a unique one
 * @param username the username, may be empty
 * @param mountpoint ignored, as in EMQX 5.1 and later (the gateway's configuration decides it)
 */
public record ClientInfo(String protoName, String protoVer, String clientId, String username,
    String mountpoint) {

  /** Replaces nulls by empty strings. */
  public ClientInfo {
    protoName = protoName == null ? "" : protoName;
    protoVer = protoVer == null ? "" : protoVer;
    clientId = clientId == null ? "" : clientId;
    username = username == null ? "" : username;
    mountpoint = mountpoint == null ? "" : mountpoint;
  }

  /** Client info with only a client id and a username. */
  public static ClientInfo of(String clientId, String username) {
    return new ClientInfo("", "", clientId, username, "");
  }
}
