/**
 * Events for host applications: clients connecting, disconnecting (with the reason),
 * authenticating, subscribing, publishing, messages delivered or dropped. See
 * {@link io.exproto.events.GatewayEventListener}.
 */
package io.exproto.events;
