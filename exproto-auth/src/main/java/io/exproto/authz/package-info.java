/**
 * Authorization for the gateway, configured as EMQX's {@code authorization}: {@link
 * io.exproto.authz.AuthorizationService} (an {@link io.exproto.auth.Authorizer}) asks its
 * sources in order, a file ACL ({@link io.exproto.authz.AclFile}), http and postgresql, each an
 * {@link io.exproto.authz.AuthorizationSource}, and caches their decisions per client. For
 * applications that give the gateway builder an authorizer, and for the standalone server.
 */
package io.exproto.authz;
