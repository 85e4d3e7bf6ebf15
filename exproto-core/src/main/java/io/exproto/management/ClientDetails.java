package io.exproto.management;

import java.net.InetSocketAddress;

/**
 * An authenticated client with its counters, taken on the connection's own thread, so the
 * counters are consistent with each other at that moment.
 *
 * @param clientId the client id
 * @param username the username, possibly empty
 * @param conn the connection id
 * @param peer the device's address
 * @param listener the name of the listener that accepted it
 * @param protoName the protocol name the handler gave at Authenticate ({@code exproto} if none)
 * @param protoVer the protocol version the handler gave, possibly empty
 * @param connectedAtMillis when it authenticated, milliseconds since the epoch
 * @param createdAtMillis when the connection was accepted, milliseconds since the epoch
 * @param keepaliveSeconds the keepalive interval the handler started, 0 if none
 * @param subscriptions how many subscriptions it has
 * @param queuedDeliveries deliveries waiting for the handler ({@code mqueue_len})
 * @param maxQueuedDeliveries the limit of those ({@code mqueue_max})
 * @param droppedDeliveries deliveries dropped for it ({@code mqueue_dropped})
 * @param bytesReceived bytes read from the device ({@code recv_oct})
 * @param readsReceived reads (socket reads, datagrams or frames) from the device
 *     ({@code recv_cnt}, {@code recv_pkt})
 * @param bytesSent bytes written to the device ({@code send_oct})
 * @param writesSent writes to the device ({@code send_cnt}, {@code send_pkt})
 * @param messagesPublished its Publishes accepted ({@code recv_msg})
 * @param messagesDelivered messages handed to the handler for it ({@code send_msg})
 */
public record ClientDetails(String clientId, String username, String conn,
    InetSocketAddress peer, String listener, String protoName, String protoVer,
    long connectedAtMillis, long createdAtMillis, int keepaliveSeconds, int subscriptions,
    int queuedDeliveries, int maxQueuedDeliveries, long droppedDeliveries, long bytesReceived,
    long readsReceived, long bytesSent, long writesSent, long messagesPublished,
    long messagesDelivered) {}
