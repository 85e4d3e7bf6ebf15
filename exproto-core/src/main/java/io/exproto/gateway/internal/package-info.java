/**
 * The engine behind {@link io.exproto.gateway.Gateway}: the gateway implementation and its
 * listener wiring, each connection's actor ({@code Connection}: state, callback queue, timers,
 * confined to its link's executor), the adapter that finds connections by {@code conn}, the ban
 * list, ids, mountpoints, the per-connection inbound rate limiter and the system scheduler. Not
 * API: reach it through {@link io.exproto.gateway.Gateway} and {@link
 * io.exproto.gateway.GatewayBuilder}; it may change in any release.
 */
package io.exproto.gateway.internal;
