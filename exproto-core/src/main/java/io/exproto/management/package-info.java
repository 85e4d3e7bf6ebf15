/**
 * Management of a running gateway, the types {@link io.exproto.gateway.Gateway}'s management
 * methods use: client listings with EMQX's filters and paging, client details and
 * subscriptions, listener views, and the {@link io.exproto.management.AuthenticationAdmin} seam
 * for authentication modules.
 */
package io.exproto.management;
