/**
 * Machinery shared by the authenticators and authorization sources of exproto-auth: the http and
 * postgresql backends, placeholder templates and their variables, JSON, bounded executors and
 * limiters, rate-limited logs, and the setting names each configuration block accepts. Not API:
 * for {@code io.exproto.authn} and {@code io.exproto.authz} only; it may change in any release.
 */
package io.exproto.authn.internal;
