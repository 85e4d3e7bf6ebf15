package io.exproto.events;

import java.util.EnumSet;
import java.util.Set;

/**
 * Receives the gateway's {@link GatewayEvent}s. Register one with
 * {@code GatewayBuilder.eventListener} or {@code Gateway.addEventListener}.
 *
 * <p>Events are handed over through a bounded queue and delivered on one dispatcher thread of the
 * gateway, in the order they happened: a listener never runs on, and never slows, a connection's
 * thread. A listener that throws is logged and keeps receiving later events. A listener that is
 * slower than the event rate fills the queue; events that do not fit are dropped and counted in
 * {@code GatewayStats.eventsDropped()} rather than blocking a connection.
 */
@FunctionalInterface
public interface GatewayEventListener {

  /** Called on the gateway's event thread, one event at a time. */
  void onEvent(GatewayEvent event);

  /**
   * The event types this listener wants; the gateway creates no event that no listener wants,
   * so leaving out the per-message types ({@code PUBLISHED}, {@code DELIVERED}) keeps the cost
   * per message at nothing. Read once, at registration. Default: all types.
   */
  default Set<GatewayEvent.Type> types() {
    return EnumSet.allOf(GatewayEvent.Type.class);
  }
}
