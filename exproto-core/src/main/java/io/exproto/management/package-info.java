/**
 * Management of a running gateway, the types {@link io.exproto.gateway.Gateway}'s management
 * methods use: client listings with EMQX's filters and paging, client details and
 * subscriptions, listener views, and the {@link io.exproto.management.AuthenticationAdmin} seam
 * for authentication modules. For management layers (such as the standalone server's HTTP API)
 * and applications that manage an embedded gateway.
 */
package io.exproto.management;
