/**
 * The gateway: {@link io.exproto.gateway.Gateway} built by
 * {@link io.exproto.gateway.GatewayBuilder}, management views, the runtime
 * {@link io.exproto.gateway.BanList} and the injectable {@link io.exproto.gateway.Scheduler}. The
 * API of applications that embed the gateway: they build, run and manage it; the gateway and its
 * views are for use, not for implementation (the engine is in {@code io.exproto.gateway.internal}).
 *
 * <p>Changeable on a running gateway: the handler ({@code replaceHandler}), listeners
 * ({@code addListener}, {@code removeListener}, {@code updateListener}; connections of a removed
 * listener close with {@code {shutdown,listener_stopped}}), the idle timeout for new connections
 * ({@code updateIdleTimeout}) and the ban list (closes what it bans with {@code {shutdown,banned}}).
 * Both close reasons are this project's own; EMQX has no equivalent (docs/behaviour.md, Close reasons).
 */
package io.exproto.gateway;
