package io.exproto.management;

import java.net.InetAddress;

/**
 * Filters for listing clients, as EMQX's gateway client list names them. Every field is optional
 * (null = no condition); a client is listed when it meets all given conditions. Immutable; build
 * with {@link #builder()}.
 *
 * @param clientId {@code clientid}: exactly this client id
 * @param username {@code username}: exactly this username
 * @param ipAddress {@code ip_address}: the device's IP address equals this one
 * @param likeClientId {@code like_clientid}: the client id contains this substring
 * @param likeUsername {@code like_username}: the username contains this substring
 * @param gteConnectedAtMillis {@code gte_connected_at}: authenticated at or after this time
 *     (milliseconds since the epoch)
 * @param lteConnectedAtMillis {@code lte_connected_at}: authenticated at or before this time
 */
public record ClientQuery(String clientId, String username, InetAddress ipAddress,
    String likeClientId, String likeUsername, Long gteConnectedAtMillis,
    Long lteConnectedAtMillis) {

  /** No conditions: every client. */
  public static final ClientQuery ALL = new ClientQuery(null, null, null, null, null, null, null);

  /** A builder with no conditions. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * True if a client with these attributes meets every condition.
   *
   * @param address the device's IP address, may be null
   */
  public boolean matches(String clientId, String username, InetAddress address,
      long connectedAtMillis) {
    String user = username == null ? "" : username;
    return (this.clientId == null || this.clientId.equals(clientId))
        && (this.username == null || this.username.equals(user))
        && (ipAddress == null || ipAddress.equals(address))
        && (likeClientId == null || clientId.contains(likeClientId))
        && (likeUsername == null || user.contains(likeUsername))
        && (gteConnectedAtMillis == null || connectedAtMillis >= gteConnectedAtMillis)
        && (lteConnectedAtMillis == null || connectedAtMillis <= lteConnectedAtMillis);
  }

  /** Builds a {@link ClientQuery}. Not thread-safe. */
  public static final class Builder {
    private String clientId;
    private String username;
    private InetAddress ipAddress;
    private String likeClientId;
    private String likeUsername;
    private Long gte;
    private Long lte;

    Builder() {}

    /** Exactly this client id. */
    public Builder clientId(String clientId) {
      this.clientId = clientId;
      return this;
    }

    /** Exactly this username. */
    public Builder username(String username) {
      this.username = username;
      return this;
    }

    /** The device's IP address (not a host name). */
    public Builder ipAddress(InetAddress ipAddress) {
      this.ipAddress = ipAddress;
      return this;
    }

    /** The client id contains this. */
    public Builder likeClientId(String substring) {
      this.likeClientId = substring;
      return this;
    }

    /** The username contains this. */
    public Builder likeUsername(String substring) {
      this.likeUsername = substring;
      return this;
    }

    /** Authenticated at or after this time, milliseconds since the epoch. */
    public Builder connectedAtOrAfter(long millis) {
      this.gte = millis;
      return this;
    }

    /** Authenticated at or before this time, milliseconds since the epoch. */
    public Builder connectedAtOrBefore(long millis) {
      this.lte = millis;
      return this;
    }

    /** The query. */
    public ClientQuery build() {
      return new ClientQuery(clientId, username, ipAddress, likeClientId, likeUsername, gte, lte);
    }
  }
}
