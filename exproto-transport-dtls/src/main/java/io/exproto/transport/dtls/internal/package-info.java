/**
 * The machinery behind {@link io.exproto.transport.dtls.DtlsListener}: its validated settings and
 * counters, the Scandium form of its TLS settings ({@code ScandiumTls}), the running endpoint (the Scandium connector, the link registry and the executors that
 * deliver link events), the links themselves and the datagram filter that applies the accept rate.
 * Not API: only the listener uses it, and it may change in any release.
 */
package io.exproto.transport.dtls.internal;
