/**
 * The engine behind {@link io.exproto.gateway.Gateway}. What it holds:
 *
 * <ul>
 *   <li>the gateway: {@code GatewayFactory} and the validated {@code GatewaySettings} the public
 *       builder hands it; {@code GatewayImpl} (lifecycle, accepting links) with its registries
 *       of connections and clients ({@code ClientRegistry}), the management operations
 *       ({@code ClientManagement}), the running listeners ({@code ListenerSet},
 *       {@code ListenerEntry}), the handler generations ({@code HandlerGenerations},
 *       {@code HandlerSlot}), the ban list, events, and the gateway-wide memory bound
 *       ({@code QueuedBytes});</li>
 *   <li>each connection's actor, confined to its link's executor: {@code Connection} (state,
 *       lifecycle, link events, deliveries) and {@code CallbackQueue}, with the stateless
 *       collaborators that work on it: {@code CallbackDispatch}, {@code ConnectionTimers},
 *       {@code ClientAuthentication}, {@code PubSubOperations}, {@code AuthorizationGate} and
 *       the per-connection {@code InboundRateLimiter};</li>
 *   <li>the adapter that finds connections by {@code conn} ({@code GatewayAdapter}), and small
 *       parts: ids, mountpoints, stage helpers, the callback failure log, the version and the
 *       system scheduler.</li>
 * </ul>
 *
 * <p>Not API: applications reach it through {@link io.exproto.gateway.Gateway} and {@link
 * io.exproto.gateway.GatewayBuilder}, and only {@code io.exproto.gateway} uses it directly. It
 * may change in any release.
 */
package io.exproto.gateway.internal;
