/**
 * The checks exproto's TLS-capable modules make on the {@link io.exproto.tls.TlsSettings} they are
 * given ({@code TlsChecks}). Not API: for exproto's own modules only; may change in any release.
 */
package io.exproto.tls.internal;
