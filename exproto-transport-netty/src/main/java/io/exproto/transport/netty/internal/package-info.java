/**
 * Machinery behind {@code io.exproto.transport.netty}: event loop groups, the per-listener
 * pipeline initializers, the accept gate (access rules and accept rate), the Netty TLS context of
 * an {@code ssl} listener's settings ({@code ServerSslContexts}), a TCP listener's socket options
 * and bootstrap ({@code TcpServerSockets}), the channel-backed {@link
 * io.exproto.transport.Link}, and the mapping of socket and framing errors to close reasons. Not
 * API; may change without notice.
 */
package io.exproto.transport.netty.internal;
