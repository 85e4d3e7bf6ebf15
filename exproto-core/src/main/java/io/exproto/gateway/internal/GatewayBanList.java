package io.exproto.gateway.internal;

import io.exproto.transport.internal.Cidr;
import io.exproto.gateway.BanList;
import java.net.InetAddress;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The {@link BanList} of one gateway. Lookups are lock-free; a ban tells the gateway so it can close
 * what is already open. Thread-safe.
 *
 * <p>Addresses and blocks are parsed and matched by {@link Cidr}, as listeners' access rules are:
 * literals only (no DNS), host bits masked (so {@code 10.1.2.3/8} bans, and unbans, {@code
 * 10.0.0.0/8}), and an IPv4-mapped client ({@code ::ffff:10.1.2.3}) is banned by an IPv4 block.
 */
final class GatewayBanList implements BanList {
  private final ConcurrentHashMap<Cidr, Boolean> blocks = new ConcurrentHashMap<>();
  private final Set<String> clientIds = ConcurrentHashMap.newKeySet();
  private final Consumer<Cidr> onAddressBanned;
  private final Consumer<String> onClientIdBanned;

  GatewayBanList(Consumer<Cidr> onAddressBanned, Consumer<String> onClientIdBanned) {
    this.onAddressBanned = onAddressBanned;
    this.onClientIdBanned = onClientIdBanned;
  }

  @Override
  public boolean banAddress(String ipOrCidr) {
    Cidr c = Cidr.parse(ipOrCidr);
    boolean added = blocks.putIfAbsent(c, Boolean.TRUE) == null;
    // Sweep even when already present: harmless, and closes any connection that raced the ban.
    onAddressBanned.accept(c);
    return added;
  }

  @Override
  public boolean unbanAddress(String ipOrCidr) {
    return blocks.remove(Cidr.parse(ipOrCidr)) != null;
  }

  @Override
  public boolean banClientId(String clientId) {
    if (clientId == null || clientId.isEmpty()) {
      throw new IllegalArgumentException("clientId to ban must not be null or empty");
    }
    boolean added = clientIds.add(clientId);
    onClientIdBanned.accept(clientId);
    return added;
  }

  @Override
  public boolean unbanClientId(String clientId) {
    return clientId != null && clientIds.remove(clientId);
  }

  @Override
  public boolean isBanned(InetAddress address) {
    if (address == null || blocks.isEmpty()) {
      return false;
    }
    for (Cidr c : blocks.keySet()) {
      if (c.contains(address)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean isBanned(String clientId) {
    return clientId != null && !clientIds.isEmpty() && clientIds.contains(clientId);
  }

  @Override
  public Set<String> bannedAddresses() {
    Set<String> out = new TreeSet<>();
    for (Cidr c : blocks.keySet()) {
      out.add(c.toString());
    }
    return out;
  }

  @Override
  public Set<String> bannedClientIds() {
    return new TreeSet<>(clientIds);
  }

  @Override
  public String toString() {
    return "BanList" + bannedAddresses() + bannedClientIds();
  }

}
