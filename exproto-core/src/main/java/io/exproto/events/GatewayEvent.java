package io.exproto.events;

import java.net.InetSocketAddress;

/**
 * Something that happened to a connection or a client, as a {@link GatewayEventListener} sees it.
 * Immutable. Fields that do not apply to an event's {@link #type()} are null (objects) or
 * {@code -1} (numbers); the table in {@link Type} lists which apply.
 *
 * @param type what happened
 * @param timestampMillis when, milliseconds since the epoch (the gateway's clock)
 * @param conn the connection id; null only for {@link Type#PUBLISHED} by {@code RawPublish}
 * @param clientId the client id; null before the connection authenticated (and for a failed
 *     authentication, the client id it asked for)
 * @param username the username, possibly empty; null before authentication
 * @param listener the name of the listener that accepted the connection
 * @param peer the device's address
 * @param topic the topic (published, delivered, dropped) or topic filter (subscribed,
 *     unsubscribed), as the handler sees it (without mountpoint)
 * @param qos the qos of the message or subscription, else -1
 * @param reason why: the close reason ({@code {shutdown,kicked}}), the authentication failure
 *     message, or the drop reason ({@code queue_full}, {@code connection_closed}); else null
 */
public record GatewayEvent(Type type, long timestampMillis, String conn, String clientId,
    String username, String listener, InetSocketAddress peer, String topic, int qos,
    String reason) {

  /** The kinds of events. */
  public enum Type {
    /**
     * A client authenticated and became visible to management (EMQX's {@code client.connected}).
     * conn, clientId, username, listener, peer.
     */
    CONNECTED,
    /**
     * A client that was {@link #CONNECTED} closed; exactly one per CONNECTED. reason = the close
     * reason as {@code OnSocketClosed} carries it ({@code {shutdown,tcp_closed}}).
     */
    DISCONNECTED,
    /** The authenticator allowed a client; followed by CONNECTED. */
    AUTHENTICATED,
    /** Authentication was refused; reason = the message the handler got. clientId = asked for. */
    AUTHENTICATION_FAILED,
    /** A subscription was made (by the handler or by management); topic = filter, qos. */
    SUBSCRIBED,
    /** A subscription was removed by the handler or by management; topic = filter. */
    UNSUBSCRIBED,
    /** A client's Publish (or a RawPublish, conn null) was accepted by the broker; topic, qos. */
    PUBLISHED,
    /** A message was handed to the handler in {@code OnReceivedMessages}; topic, qos. */
    DELIVERED,
    /**
     * A message for this connection was dropped; reason {@code queue_full} (the oldest of a full
     * delivery queue) or {@code connection_closed} (it arrived while the connection was closing).
     */
    DROPPED
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("GatewayEvent[").append(type);
    if (conn != null) {
      b.append(" conn=").append(conn);
    }
    if (clientId != null) {
      b.append(" clientid=").append(clientId);
    }
    if (topic != null) {
      b.append(" topic=").append(topic).append(" qos=").append(qos);
    }
    if (reason != null) {
      b.append(" reason=").append(reason);
    }
    return b.append(']').toString();
  }
}
