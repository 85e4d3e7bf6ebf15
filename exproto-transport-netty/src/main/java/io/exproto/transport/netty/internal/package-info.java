/**
 * Machinery behind {@code io.exproto.transport.netty}: event loop groups, the per-listener
 * pipeline initializers, the channel-backed {@link io.exproto.transport.Link}, and the mapping of
 * socket errors to close reasons. Not API; may change without notice.
 */
package io.exproto.transport.netty.internal;
