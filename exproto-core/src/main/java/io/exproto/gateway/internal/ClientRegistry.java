package io.exproto.gateway.internal;

import io.exproto.events.GatewayEvent;
import io.exproto.gateway.ClientView;
import io.exproto.transport.internal.Cidr;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's two registries: every open connection by {@code conn} (what adapter calls look
 * up), and every authenticated client by client id (what management, bans and takeovers look up).
 * A connection leaves both when it starts closing. Thread-safe.
 */
final class ClientRegistry {
  private static final Logger log = LoggerFactory.getLogger(ClientRegistry.class);

  private final ConcurrentHashMap<String, Connection> connections = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Connection> clients = new ConcurrentHashMap<>();
  private final EventDispatcher events;

  ClientRegistry(EventDispatcher events) {
    this.events = events;
  }

  /** Makes a new connection reachable by its {@code conn}. */
  void add(Connection c) {
    connections.put(c.conn, c);
  }

  /** The open connection with this {@code conn}, or null. */
  Connection connection(String conn) {
    return connections.get(conn);
  }

  /** The connection currently registered for {@code clientId}, or null. */
  Connection client(String clientId) {
    return clients.get(clientId);
  }

  /** The open connections; a live view. */
  Collection<Connection> connections() {
    return connections.values();
  }

  /** The authenticated clients; a live view. */
  Collection<Connection> clients() {
    return clients.values();
  }

  int clientCount() {
    return clients.size();
  }

  /** Makes an authenticated client visible; an older connection with its client id is discarded. */
  void registerClient(Connection c) {
    Connection previous = clients.put(c.clientId, c);
    if (previous != null && previous != c) {
      log.info("client {} connected again on {}; discarding {}", c.clientId, c.conn,
          previous.conn);
      previous.closeLater("discarded");
    }
    if (events.wants(GatewayEvent.Type.CONNECTED)) {
      events.emit(c.event(GatewayEvent.Type.CONNECTED, null, -1, null));
    }
  }

  /** The connection started closing: adapter calls no longer find it. */
  void unregister(Connection c) {
    connections.remove(c.conn, c);
    String cid = c.clientId;
    if (cid != null) {
      clients.remove(cid, c);
      // Exactly once per connected client: close() runs this once, after CONNECTED was emitted.
      if (events.wants(GatewayEvent.Type.DISCONNECTED)) {
        events.emit(c.event(GatewayEvent.Type.DISCONNECTED, null, -1, c.closeReason()));
      }
    }
  }

  /** Closes every open connection, each on its own executor. */
  void closeAllLater(String reason) {
    for (Connection c : connections.values()) {
      c.closeLater(reason);
    }
  }

  /** Closes the connections {@code entry} accepted, each on its own executor. */
  void closeAcceptedBy(ListenerEntry entry, String reason) {
    for (Connection c : connections.values()) {
      if (c.listener == entry) {
        c.closeLater(reason);
      }
    }
  }

  /** Closes the connections whose peer address is in {@code block} as banned. */
  void closeBannedAddress(Cidr block) {
    for (Connection c : connections.values()) {
      if (block.contains(c.peerAddress)) {
        c.closeLater("banned");
      }
    }
  }

  /**
   * Closes the client with this id, if connected, with {@code reason}; false if it is not.
   */
  boolean closeClient(String clientId, String reason) {
    Connection c = clients.get(clientId);
    if (c == null) {
      return false;
    }
    c.closeLater(reason);
    return true;
  }

  /** Tells every connection to look at the gateway-wide memory bound again. */
  void memoryBoundChanged() {
    for (Connection c : connections.values()) {
      c.memoryBoundChangedLater();
    }
  }

  /** A snapshot of the authenticated clients. */
  List<ClientView> views() {
    List<ClientView> out = new ArrayList<>(clients.size());
    for (Connection c : clients.values()) {
      out.add(c.view());
    }
    return out;
  }
}
