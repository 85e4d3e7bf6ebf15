/**
 * Machinery of the authorization sources: the reader of the Erlang terms in EMQX's
 * {@code acl.conf} ({@code ErlTerms}). Not API: for {@code io.exproto.authz} only; it may change
 * in any release.
 */
package io.exproto.authz.internal;
