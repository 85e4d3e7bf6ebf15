package io.exproto.gateway;

/**
 * A snapshot of the gateway's counters.
 *
 * @param connections connections open now, including those still delivering their last callbacks
 * @param clients authenticated clients now
 * @param connectionsAccepted connections accepted since start
 * @param deliveriesDropped deliveries dropped because a connection's queue was full
 * @param callbackFailures callbacks that failed or timed out
 * @param connectionsBanned connections refused at accept because their peer address was banned
 *     (see {@link BanList}); not included in {@code connectionsAccepted}
 * @param eventsDropped events not delivered to event listeners because their queue was full
 */
public record GatewayStats(int connections, int clients, long connectionsAccepted,
    long deliveriesDropped, long callbackFailures, long connectionsBanned, long eventsDropped) {}
