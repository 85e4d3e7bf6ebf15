/**
 * Authentication for the gateway, configured as EMQX's {@code authentication}: {@link
 * io.exproto.authn.Authenticators} builds an {@link io.exproto.authn.AuthenticationChain} (an
 * {@link io.exproto.auth.Authenticator}) of providers, the built-in database, http, jwt and
 * postgresql, each an {@link io.exproto.authn.AuthenticationProvider}; {@link
 * io.exproto.authn.AuthenticationChainAdmin} manages the chain and its users at runtime. For
 * applications that give the gateway builder an authenticator, and for the standalone server.
 */
package io.exproto.authn;
