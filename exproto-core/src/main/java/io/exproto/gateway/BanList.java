package io.exproto.gateway;

import java.net.InetAddress;
import java.util.Set;

/**
 * The gateway's ban list, changeable while it runs: by peer IP address or CIDR block, and by
 * client id. Reach it with {@link Gateway#banList()}. Empty by default.
 *
 * <p>Enforcement:
 * <ul>
 *   <li>A new connection from a banned address is closed at accept, before
 *       {@code onSocketCreated}: the handler never hears of it. It is counted in
 *       {@link GatewayStats#connectionsBanned()}.
 *   <li>Banning an address also closes the open connections from it, with reason
 *       {@code {shutdown,banned}}.
 *   <li>Authenticate with a banned client id answers {@code PERMISSION_DENY} "client id is banned"
 *       (the socket stays open). Banning a client id closes its authenticated connection with
 *       {@code {shutdown,banned}}.
 *   <li>Unbanning affects only what happens afterwards; nothing is reopened.
 * </ul>
 *
 * <p>Thread-safe. Not for implementation by users: methods may be added.
 */
public interface BanList {

  /**
   * Bans an IPv4/IPv6 address ({@code 192.0.2.7}) or block ({@code 10.0.0.0/8},
   * {@code 2001:db8::/32}). Host names are not accepted (no DNS lookups).
   *
   * @return false if that block (after normalization) was banned already
   * @throws IllegalArgumentException if {@code ipOrCidr} is not an address or CIDR block
   */
  boolean banAddress(String ipOrCidr);

  /**
   * Lifts a ban made with {@link #banAddress}; the block must match one banned (after
   * normalization, e.g. {@code 10.1.2.3/8} is {@code 10.0.0.0/8}); it does not carve holes.
   *
   * @return false if it was not banned
   * @throws IllegalArgumentException if {@code ipOrCidr} is not an address or CIDR block
   */
  boolean unbanAddress(String ipOrCidr);

  /**
   * Bans a client id (exact match).
   *
   * @return false if it was banned already
   * @throws IllegalArgumentException if {@code clientId} is null or empty
   */
  boolean banClientId(String clientId);

  /**
   * Lifts a client id ban.
   *
   * @return false if it was not banned
   */
  boolean unbanClientId(String clientId);

  /** True if {@code address} lies in a banned block. */
  boolean isBanned(InetAddress address);

  /** True if {@code clientId} is banned. */
  boolean isBanned(String clientId);

  /** The banned blocks in normalized {@code network/prefix} form, a snapshot. */
  Set<String> bannedAddresses();

  /** The banned client ids, a snapshot. */
  Set<String> bannedClientIds();
}
