/**
 * The DTLS transport: {@link io.exproto.transport.dtls.DtlsListener} (a {@code dtls} listener on
 * Eclipse Californium Scandium, certificates and/or pre-shared keys) and {@link
 * io.exproto.transport.dtls.PskFile}, which reads EMQX's {@code identity:secret} files. For
 * applications that add a DTLS listener to a gateway.
 */
package io.exproto.transport.dtls;
