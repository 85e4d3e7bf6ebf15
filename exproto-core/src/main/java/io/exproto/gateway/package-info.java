/**
 * The gateway: {@link io.exproto.gateway.Gateway} built by
 * {@link io.exproto.gateway.GatewayBuilder}, management views and the injectable
 * {@link io.exproto.gateway.Scheduler}.
 */
package io.exproto.gateway;
