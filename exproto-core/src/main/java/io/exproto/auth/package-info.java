/**
 * The authentication and authorization SPIs, with allow-all defaults: {@link
 * io.exproto.auth.Authenticator} decides who may connect, {@link io.exproto.auth.Authorizer}
 * what a client may publish and subscribe. Implemented by authentication modules (exproto-auth)
 * and by applications with their own rules, and given to the gateway builder; the gateway calls
 * them.
 */
package io.exproto.auth;
