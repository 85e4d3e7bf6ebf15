package io.exproto.authz;

/** What one {@link AuthorizationSource} answers. */
public enum AuthzResult {
  /** Allowed: the sources after this one are not asked. */
  ALLOW,
  /** Denied: the sources after this one are not asked. */
  DENY,
  /** No rule matched (or the source could not answer): the next source decides. */
  NOMATCH
}
