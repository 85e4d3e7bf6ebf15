/**
 * Machinery shared by exproto's transport and gRPC modules: PEM file reading with errors that name
 * the setting ({@code PemFiles}), CIDR parsing for access rules and the ban list ({@code Cidr}),
 * the token bucket of {@code max_conn_rate} ({@code AcceptRateLimiter}) and the socket buffer
 * checks ({@code SocketBuffers}). Not API: for exproto's own modules only; may change in any
 * release.
 */
package io.exproto.transport.internal;
